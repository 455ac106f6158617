"""The one normalised intake every channel produces."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from dispatch.client_dates import ClientMoment

from dispatch.duplicates.schemas import DuplicatePublic
from dispatch.orders.enums import Channel, RequestType, Urgency


class IntakeRequest(BaseModel):
    channel: Channel
    external_id: str = Field(min_length=1, max_length=128,
                             description="the channel's own id: makes intake idempotent")
    received_at: ClientMoment | None = None
    title: str = Field(default="", max_length=200)
    content: str = Field(min_length=1, max_length=5000)
    citizen_name: str | None = Field(default=None, max_length=64)
    citizen_phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\-() ]{3,32}$")
    confidential: bool = False
    address: str | None = Field(default=None, max_length=300)
    division_code: str | None = Field(default=None, max_length=32)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    request_type: RequestType | None = None
    urgency: Urgency | None = None
    category_hint: str | None = Field(default=None, max_length=64)
    settled_on_spot: bool = False
    direct_answer: str | None = Field(default=None, max_length=2000,
                                      description="answered on the call: close at once (直接办结)")
    platform_id: str | None = None
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)
    raw: dict[str, Any] = Field(default_factory=dict)


class IntakeResult(BaseModel):
    order_id: int
    number: str
    state: str
    created: bool = Field(description="false when this (channel, external_id) was seen before")
    possible_duplicates: list[DuplicatePublic] = Field(
        default_factory=list, description="open or recent orders about the same matter (并单)")
