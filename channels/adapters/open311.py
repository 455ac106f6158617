"""Open311 GeoReport v2 POST requests (civic apps such as FixMyStreet): a form-encoded
service request becomes one order; the service code is the category the app asked for."""
from __future__ import annotations

from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, model_validator

from channels.base import ChannelAdapter, build_intake, raw_of, validate_model
from channels.enums import Auth
from channels.security import Malformed
from dispatch.intake.phones import Phone
from dispatch.intake.schemas import IntakeRequest
from dispatch.orders.enums import Channel


class Open311Post(BaseModel):
    """The spec's fields (attribute[…] kept as `attributes`); `external_id` is set by the
    view from the client and its Idempotency-Key (channels.open311.external_id)."""
    model_config = ConfigDict(extra="ignore")
    service_code: str = Field(min_length=1, max_length=64)
    external_id: str = Field(default="", max_length=128)
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address_string: str | None = Field(default=None, max_length=300)
    address_id: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=254)
    device_id: str | None = Field(default=None, max_length=128)
    account_id: str | None = Field(default=None, max_length=128)
    first_name: str | None = Field(default=None, max_length=32)
    last_name: str | None = Field(default=None, max_length=32)
    phone: Phone | None = None
    description: str | None = Field(default=None, max_length=4000)
    media_url: str | None = Field(default=None, max_length=500)
    attributes: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _located(self) -> "Open311Post":
        if (self.lat is None) != (self.long is None):
            raise ValueError("lat and long go together")
        if self.lat is None and not (self.address_string or self.address_id):
            raise ValueError("a location is required: lat & long, address_string or address_id")
        return self


def form_fields(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=False, strict_parsing=False,
                         max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Malformed("body is not a UTF-8 form", details={"reason": str(exc)}) from None


class Open311Adapter(ChannelAdapter[Open311Post]):
    name = "open311"
    label = "Open311 接口"
    channels = (Channel.open311,)
    auth = Auth.api_key
    url_prefix = "/open311/v2"                  # beside /api/v1, where the spec puts it
    path = "/requests.{format}"
    payload_model = Open311Post

    def parse(self, body: bytes) -> Open311Post:
        data: dict = {"attributes": {}}
        for key, value in form_fields(body):
            if key.startswith("attribute[") and key.endswith("]"):
                data["attributes"][key[10:-1]] = value
            elif key != "api_key":
                data[key] = value
        return validate_model(Open311Post, data)

    def to_intake(self, p: Open311Post) -> IntakeRequest:
        name = " ".join(n for n in (p.last_name, p.first_name) if n) or None
        return build_intake(
            channel=Channel.open311, external_id=p.external_id, content=p.description or
            f"[{p.service_code}]", citizen_name=name, citizen_phone=p.phone,
            address=p.address_string, latitude=p.lat, longitude=p.long,
            category_hint=p.service_code, raw=raw_of(p))
