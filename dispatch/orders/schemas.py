"""API shapes for orders; citizen contact is masked for roles that do not need it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from dispatch.orders.enums import Action, ReturnReason, Role
from dispatch.routing_text import shown_reason

# roles that call citizens back or take their calls see the number; handlers too unless confidential
_SEES_CONTACT = {Role.operator, Role.dispatcher, Role.callback_agent}


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def mask_name(name: str | None) -> str | None:
    return (name[0] + "*" * (len(name) - 1)) if name else name


def sees_contact(role: Role, confidential: bool) -> bool:
    return role in _SEES_CONTACT or (role == Role.handler and not confidential)


class OrderPublic(BaseModel):
    id: int
    number: str | None
    channel: str
    external_id: str
    request_type: str
    category: str | None
    urgency: str
    emergency: str | None
    title: str
    content: str
    citizen_name: str | None
    citizen_phone: str | None
    confidential: bool
    address: str | None
    division_code: str | None
    division_unresolved: bool
    is_grid: bool
    settled_on_spot: bool
    platform_id: str
    state: str
    current_unit_path: str | None
    due_at: datetime | None
    master_id: int | None
    rehandle_count: int
    return_count: int
    close_kind: str | None
    public_reply: str | None
    received_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    light: str | None = None
    suggestions: list[dict[str, Any]] = []


class HopPublic(BaseModel):
    id: int
    hop_no: int
    parent_id: int | None
    role: str
    from_unit_id: str
    to_unit_id: str
    to_unit_name: str | None = None
    status: str
    dispatched_at: datetime
    sign_deadline: datetime | None
    deadline: datetime | None
    signed_at: datetime | None
    reported_at: datetime | None
    returns: int
    pending_extension: dict[str, Any] | None
    extensions: list[dict[str, Any]]
    pending_suspension: dict[str, Any] | None
    paused_seconds: int
    feedback: dict[str, Any]
    light: str | None = None


class TimelinePublic(BaseModel):
    id: int
    at: datetime
    actor_name: str
    actor_role: str
    actor_unit_id: str | None
    action: str
    from_state: str | None
    to_state: str | None
    reason: str | None
    data: dict[str, Any]
    attachment_ids: list[int]

    @model_validator(mode="after")
    def _readable(self) -> "TimelinePublic":
        # a routing rule is stored as its code; people read its Chinese text
        self.reason = shown_reason(self.action, self.reason)
        return self


class OrderDetail(OrderPublic):
    routing: dict[str, Any] = {}
    callback: dict[str, Any] = {}
    hops: list[HopPublic] = []
    timeline: list[TimelinePublic] = []
    allowed_actions: list[Action] = []
    current_unit_name: str | None = None


class OrderPage(BaseModel):
    items: list[OrderPublic]
    next_cursor: int | None = Field(description="pass as before_id for the next page")


class ActionRequest(BaseModel):
    """Fields an action may need; see the action's description in the docs."""
    reason: str | None = Field(default=None, max_length=2000)
    target_unit_id: str | None = Field(default=None, max_length=64)
    extension_days: int | None = Field(default=None, ge=1, le=10)
    contacted: bool | None = None
    solved: bool | None = None
    public_reply: str | None = Field(default=None, max_length=2000)
    reached: bool | None = None
    satisfied: bool | None = None
    rehandle: bool | None = None
    service: str | None = Field(default=None, pattern=r"^(110|119|120)$")
    master_id: int | None = None
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)
    category: str | None = Field(default=None, min_length=1, max_length=64,
                                 description="dispatch: the category the dispatcher confirms or "
                                             "corrects (recorded, and learned from)")
    reason_code: ReturnReason | None = Field(default=None, description="return_order: why")
