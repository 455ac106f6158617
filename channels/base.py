"""The typed base every adapter extends: a raw body becomes a payload, the payload one intake."""
from __future__ import annotations

import base64
import binascii
import json
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, Field, ValidationError

from channels.enums import Auth
from channels.security import Malformed
from dispatch.client_dates import ClientMoment
from dispatch.errors import Invalid
from dispatch.intake.schemas import IntakeRequest
from dispatch.orders.enums import Channel

P = TypeVar("P", bound=BaseModel)
Timestamp = ClientMoment           # every channel must say which time zone its times are in


class Photo(BaseModel):
    """A photo carried inline as base64 (the app and grid systems send them this way)."""
    filename: str = Field(default="photo.jpg", max_length=200)
    content_type: str = Field(max_length=100)
    data: str = Field(min_length=4)

    def decode(self) -> bytes:
        try:
            return base64.b64decode(self.data, validate=True)
        except (binascii.Error, ValueError):
            raise Invalid(f"photo {self.filename!r} is not valid base64") from None


class WithPhotos(BaseModel):
    """Reports that carry photos inline and/or point at photos uploaded beforehand."""
    photos: list[Photo] = Field(default_factory=list, max_length=9)
    attachment_ids: list[int] = Field(default_factory=list, max_length=9)


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]


def validate_model(model: type[P], data: Any, what: str = "payload") -> P:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = validation_details(exc)
        where = ".".join(str(p) for p in details[0]["loc"]) if details else ""
        raise Invalid(f"{what} is invalid at {where or 'top level'}: {details[0]['msg']}",
                      details=details) from None


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("body is not valid JSON", details={"reason": str(exc)}) from None


def build_intake(**fields: Any) -> IntakeRequest:
    """An IntakeRequest, with the core's validation errors reported as 422."""
    return validate_model(IntakeRequest, fields, what="normalised intake")


class ChannelAdapter(ABC, Generic[P]):
    """One door of the centre. Subclasses say who may knock (auth) and how to read the knock."""
    name: ClassVar[str]                      # registry key
    label: ClassVar[str]                     # what people call it
    channels: ClassVar[tuple[Channel, ...]]  # the order channels this door produces
    auth: ClassVar[Auth]
    path: ClassVar[str]                      # where it listens, under url_prefix
    url_prefix: ClassVar[str] = "/api/v1/channels"
    payload_model: ClassVar[type[BaseModel]]
    carries_photos: ClassVar[bool] = False   # bodies may hold base64 photos: a larger body limit

    @property
    def actor_name(self) -> str:
        return f"{self.label}接入"

    def parse(self, body: bytes) -> P:
        return validate_model(self.payload_model, parse_json(body))

    @abstractmethod
    def to_intake(self, payload: P) -> IntakeRequest:
        """The one normalised intake: channel, external id, times, contact, text, place, raw."""

    def photos(self, payload: P) -> list[Photo]:
        return payload.photos if isinstance(payload, WithPhotos) else []

    def uploaded_ids(self, payload: P) -> list[int]:
        """Attachments the client uploaded beforehand and now points at."""
        return payload.attachment_ids if isinstance(payload, WithPhotos) else []


def raw_of(payload: BaseModel, **extra: Any) -> dict[str, Any]:
    """The payload as received (photos' bytes replaced by their size), kept for audit."""
    data = payload.model_dump(mode="json")
    if isinstance(data.get("photos"), list):
        data["photos"] = [{**p, "data": f"<{len(p.get('data', ''))} base64 chars>"}
                          for p in data["photos"]]
    return {"payload": data, **extra}

