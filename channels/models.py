"""Tables of the channels package: client API keys, client uploads and the delivery log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from dispatch.sqltypes import dt_field, json_field


class ChannelClient(SQLModel, table=True):
    """One external system allowed to post to one channel (the city app, the grid system, …)."""
    __tablename__ = "channel_client"
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(index=True)
    name: str
    key_id: str = Field(unique=True, index=True)   # the public part of the key, for lookup
    key_hash: str                                  # sha256 of the whole key; the key is never kept
    active: bool = True
    created_by: str | None = None
    created_at: datetime = dt_field(nullable=False, default_now=True)
    revoked_at: datetime | None = dt_field()


class ChannelUpload(SQLModel, table=True):
    """An attachment a client uploaded before posting its report: only that client may use it."""
    __tablename__ = "channel_upload"
    attachment_id: int = Field(primary_key=True, foreign_key="attachment.id")
    client_id: int = Field(foreign_key="channel_client.id", index=True)


class Delivery(SQLModel, table=True):
    """One outbound message about an order; (order, kind) is unique, so it is never sent twice."""
    __tablename__ = "channel_delivery"
    __table_args__ = (UniqueConstraint("order_id", "kind", name="uq_delivery_order_kind"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="work_order.id", index=True)
    kind: str
    transport: str
    recipient: str
    status: str = Field(default="pending", index=True)
    attempts: int = 0
    last_error: str | None = None
    payload: dict[str, Any] = json_field(dict)
    created_at: datetime = dt_field(nullable=False, default_now=True)
    claimed_at: datetime | None = dt_field()
    sent_at: datetime | None = dt_field()


class ClientCreate(SQLModel):
    channel: str
    name: str = Field(min_length=1, max_length=100)


class ClientPublic(SQLModel):
    id: int
    channel: str
    name: str
    key_id: str
    active: bool
    created_by: str | None
    created_at: datetime
    revoked_at: datetime | None


class ClientCreated(ClientPublic):
    api_key: str = Field(description="shown once; only its hash is stored")


class DeliveryPublic(SQLModel):
    id: int
    order_id: int
    kind: str
    transport: str
    recipient: str
    status: str
    attempts: int
    last_error: str | None
    payload: dict[str, Any]
    created_at: datetime
    sent_at: datetime | None
