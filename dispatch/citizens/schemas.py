"""What the public status endpoint takes and answers."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class StatusQuery(BaseModel):
    number: str = Field(min_length=1, max_length=40, description="the order number (工单号)")
    phone_suffix: str = Field(pattern=r"^[0-9]{4}$",
                              description="the last four digits of the reporter's phone")


class StatusPublic(BaseModel):
    number: str
    state_text: str = Field(description="the state in plain Chinese")
    open: bool
    received_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    reply: str | None = Field(default=None, description="the public reply, once finished")
