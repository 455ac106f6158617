"""Orders (工单), assignments (one per hop), the append-only timeline and attachments."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from dispatch.sqltypes import DirectSet, PathString, dt_field, json_field

_VERSION = Column("version", Integer, nullable=False)


class Order(DirectSet, SQLModel, table=True):
    __tablename__ = "work_order"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_order_channel_external"),
        Index("ix_order_state_received", "state", "received_at"),
        Index("ix_order_platform_state", "platform_path", "state"),
        # most orders have neither (never merged; a closed or historical order has no due
        # time): indexing only those that do keeps them out of every insert and update
        *(Index(f"ix_work_order_{c}", c, postgresql_where=text(f"{c} IS NOT NULL"),
                sqlite_where=text(f"{c} IS NOT NULL")) for c in ("due_at", "master_id")),
    )
    # optimistic lock: an UPDATE of the row only counts WHERE version is the one read; each
    # transition raises it by one (orders.bump_version), so the check rides on the order's own
    # UPDATE instead of a statement of its own
    __mapper_args__ = {"version_id_col": _VERSION, "version_id_generator": False}
    id: int | None = Field(default=None, primary_key=True)
    number: str | None = Field(default=None, index=True, unique=True)
    channel: str                             # looked up through uq_order_channel_external
    external_id: str
    request_type: str = "other"
    category: str | None = Field(default=None, index=True)
    category_hint: str | None = None
    urgency: str = "normal"
    emergency: str | None = None             # "110" | "119" | "120" when flagged
    title: str = ""
    content: str = ""
    citizen_name: str | None = None
    citizen_phone: str | None = Field(default=None, index=True)
    confidential: bool = False
    address: str | None = None
    division_code: str | None = Field(default=None, index=True, sa_type=PathString)
    division_path: str | None = Field(default=None, index=True, sa_type=PathString)
    division_unresolved: bool = False        # unknown code / place: flagged for a dispatcher
    latitude: float | None = None
    longitude: float | None = None
    is_grid: bool = False
    settled_on_spot: bool = False
    platform_id: str                         # owning platform (dispatches, audits, calls back)
    platform_path: str = Field(sa_type=PathString)
    state: str = "received"                  # looked up through ix_order_state_received
    version: int = Field(default=0, sa_column=_VERSION)  # every transition bumps it
    current_hop_id: int | None = None
    current_unit_path: str | None = None     # shown, never searched: reach is by hop (to_path)
    due_at: datetime | None = dt_field()     # ix_work_order_due_at (partial, above)
    master_id: int | None = None             # merged into (并单); ix_work_order_master_id
    repeat_of_id: int | None = None                            # same caller, same matter
    routing: dict[str, Any] = json_field(dict)                 # model version, scores, rule
    suggestions: list[dict[str, Any]] = json_field(list)       # top-3 for the dispatcher
    rehandle_count: int = 0
    return_count: int = 0
    audit_failures: int = 0
    failed_site_checks: int = 0
    close_kind: str | None = None            # direct | dispatched
    public_reply: str | None = None
    callback: dict[str, Any] = json_field(dict)  # reached / contacted / solved / satisfied
    raw: dict[str, Any] = json_field(dict)       # the channel's payload, kept for audit
    # SHA-256 of the intake as received: a replay of (channel, external id) must match it
    # (dispatch/intake/replays.py); None for orders stored before it was kept, or imported
    payload_hash: str | None = Field(default=None, max_length=64)
    received_at: datetime = dt_field(nullable=False, default_now=True)
    created_at: datetime = dt_field(nullable=False, default_now=True)
    updated_at: datetime = dt_field(nullable=False, default_now=True)
    dispatched_at: datetime | None = dt_field()
    closed_at: datetime | None = dt_field(index=True)


class Assignment(DirectSet, SQLModel, table=True):
    """One hop: a unit given the order (lead or co-handler), with its own clock."""
    __tablename__ = "assignment"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(index=True)   # no foreign key: see ORDERS_ARE_KEPT (dispatch/db.py)
    hop_no: int = 1
    parent_id: int | None = Field(default=None)           # the hop it was passed down from
    role: str = "lead"
    from_unit_id: str
    from_path: str
    from_platform: bool = True
    to_unit_id: str                          # shown; searched by to_path
    to_path: str = Field(index=True, sa_type=PathString)
    status: str = Field(default="dispatched", index=True)
    dispatched_at: datetime = dt_field(nullable=False, default_now=True)
    sign_deadline: datetime | None = dt_field()
    return_deadline: datetime | None = dt_field()
    deadline: datetime | None = dt_field(index=True)
    signed_at: datetime | None = dt_field()
    reported_at: datetime | None = dt_field()
    ended_at: datetime | None = dt_field()
    returns: int = 0
    pending_extension: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    extensions: list[dict[str, Any]] = json_field(list)
    pending_suspension: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    suspended_at: datetime | None = dt_field()
    paused_seconds: int = 0
    feedback: dict[str, Any] = json_field(dict)
    policy_version: int | None = None
    limit_unit: str = "working_days"                       # hours | calendar_days | working_days
    escalations: list[str] = json_field(list)              # chase / overdue / supervise / criticise


class TimelineEntry(SQLModel, table=True):
    """Append-only: no code path updates or deletes a row."""
    __tablename__ = "timeline_entry"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(index=True)   # no foreign key: see ORDERS_ARE_KEPT (dispatch/db.py)
    at: datetime = dt_field(nullable=False, default_now=True)
    actor_user_id: int | None = None
    actor_name: str = ""
    actor_role: str = ""
    actor_unit_id: str | None = None
    action: str
    from_state: str | None = None
    to_state: str | None = None
    reason: str | None = None
    hop_id: int | None = None
    data: dict[str, Any] = json_field(dict)
    attachment_ids: list[int] = json_field(list)


class Attachment(SQLModel, table=True):
    __tablename__ = "attachment"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int | None = Field(default=None, foreign_key="work_order.id", index=True)
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str
    uploaded_by: int | None = None
    created_at: datetime = dt_field(nullable=False, default_now=True)
