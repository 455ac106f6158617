"""The outbox of live events: what could not be pushed through Redis, kept until it is back."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from dispatch.sqltypes import dt_field, json_field


class OutboxEvent(SQLModel, table=True):
    """One failed push (an event, or a batch of them), published once Redis answers again."""
    __tablename__ = "live_event_outbox"
    id: int | None = Field(default=None, primary_key=True)
    events: list[dict[str, Any]] = json_field(list)
    created_at: datetime = dt_field(nullable=False, default_now=True)
    published_at: datetime | None = dt_field(index=True)   # None: still to publish
