"""What the channel endpoints answer."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from dispatch.intake.schemas import IntakeResult


class CallerOrder(BaseModel):
    order_id: int
    number: str | None
    state: str
    title: str
    received_at: datetime


class CallerHistory(BaseModel):
    """A repeat caller's orders, shown to the agent as the call comes in (来电弹屏)."""
    phone: str
    open_orders: int = Field(description="orders of this number not yet closed, refused, "
                                         "transferred or merged (this call's order excluded)")
    recent_orders: list[CallerOrder] = Field(description="the newest orders of the window")
    repeat: bool = Field(description="the number has an open or recent order besides this call")


class CtiAck(BaseModel):
    order: IntakeResult | None = Field(description="null when the CTI only looked the caller up")
    caller: CallerHistory


class BatchItemResult(BaseModel):
    index: int
    event_id: str | None
    status: Literal["created", "duplicate", "invalid", "conflict", "error"] = Field(
        description="conflict: the event id is taken by another report (nothing disclosed)")
    order_id: int | None = None
    number: str | None = None
    state: str | None = None
    error: str | None = None


class BatchResult(BaseModel):
    batch_id: str
    created: int
    duplicate: int
    invalid: int
    conflict: int = 0
    error: int = 0
    items: list[BatchItemResult]


class UploadPublic(BaseModel):
    attachment_id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class ChannelInfo(BaseModel):
    name: str
    label: str
    channels: list[str]
    auth: str
    endpoint: str
    configured: bool
