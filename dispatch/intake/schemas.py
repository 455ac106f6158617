"""The one normalised intake every channel produces, and the field types the channels share.

Strict where a lax reading would change the order: booleans are JSON booleans ("yes" is refused,
not read as true), text must hold more than spaces, phone numbers must be numbers
(dispatch/intake/phones.py). External ids are compared in Unicode NFC.
"""
from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, StrictBool, field_validator

from dispatch.client_dates import ClientMoment
from dispatch.duplicates.schemas import DuplicatePublic
from dispatch.intake.phones import Phone
from dispatch.orders.enums import Channel, RequestType, Urgency


def not_blank(v: str) -> str:
    if not v.strip():
        raise ValueError("holds nothing but spaces")
    return v


NotBlank = AfterValidator(not_blank)
Content = Annotated[str, Field(min_length=1, max_length=5000), NotBlank]


class IntakeRequest(BaseModel):
    channel: Channel
    external_id: str = Field(min_length=1, max_length=128,
                             description="the channel's own id: makes intake idempotent")
    received_at: ClientMoment | None = None
    title: str = Field(default="", max_length=200)
    content: Content
    citizen_name: str | None = Field(default=None, max_length=64)
    citizen_phone: Phone | None = None
    confidential: StrictBool = False
    address: str | None = Field(default=None, max_length=300)
    division_code: str | None = Field(default=None, max_length=32)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    request_type: RequestType | None = None
    urgency: Urgency | None = None
    category_hint: str | None = Field(default=None, max_length=64)
    settled_on_spot: StrictBool = False
    direct_answer: Annotated[str, Field(max_length=2000), NotBlank] | None = Field(
        default=None, description="answered on the call: close at once (直接办结)")
    platform_id: str | None = None
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)
    raw: dict[str, Any] = Field(default_factory=dict)

    @field_validator("external_id")
    @classmethod
    def _nfc(cls, v: str) -> str:
        # one id, however the client's keyboard composed it (é as one code point or as e + ´)
        return unicodedata.normalize("NFC", v)


class IntakeResult(BaseModel):
    order_id: int
    number: str
    state: str
    created: bool = Field(description="false when this (channel, external_id) was seen before")
    division_unresolved: bool = Field(
        default=False, description="the division_code given names no known place: the order is "
                                   "kept and flagged for a dispatcher to place")
    possible_duplicates: list[DuplicatePublic] = Field(
        default_factory=list, description="open or recent orders about the same matter (并单)")
