"""Open311 requests against the orders: the public rows of orders made through Open311, and
a POST through the same intake as every other door (idempotent per client and request)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, and_, or_, select

from channels import flows as door, open311, registry
from channels.adapters.open311 import Open311Post, form_fields
from channels.config import get_channel_settings
from dispatch.citizens.flows import status_of
from dispatch.errors import Invalid, NotFound
from dispatch.orders.enums import TERMINAL_STATES, Channel
from dispatch.orders.models import Order
from dispatch.sqltypes import utcnow


class ServicePublic(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class DefinitionPublic(BaseModel):
    service_code: str
    attributes: list[dict[str, Any]]


class RequestPublic(BaseModel):
    service_request_id: str
    status: str
    status_notes: str
    service_name: str | None
    service_code: str | None
    agency_responsible: str
    service_notice: str
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None


class CreatedPublic(BaseModel):
    service_request_id: str
    service_notice: str
    account_id: str | None = None


FORM_SCHEMA = {**Open311Post.model_json_schema(), "title": "Open311Request"}
FORM_SCHEMA["properties"] = {**{k: v for k, v in FORM_SCHEMA["properties"].items()
                                if k not in ("external_id", "attributes")},
                             "api_key": {"type": "string"}}
FORM_SCHEMA["required"] = ["service_code", "api_key"]
FORM_SCHEMA.pop("$defs", None)


def row(order: Order) -> dict[str, Any]:
    return open311.request_view(status_of(order), category=order.category or order.category_hint,
                                agency=get_channel_settings().centre_name, expected=order.due_at)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def find(session: Session, *, ids: str | None, codes: str | None, status: str | None,
         start: datetime | None, end: datetime | None) -> list[dict[str, Any]]:
    q = select(Order).where(Order.channel == Channel.open311.value)
    if _split(ids):          # the spec: ids override every other filter
        q = q.where(Order.number.in_([i.upper() for i in _split(ids)]))
    else:
        end = end or utcnow()
        start = start or end - timedelta(days=open311.DEFAULT_DAYS)
        if start > end or end - start > timedelta(days=open311.DEFAULT_DAYS):
            raise Invalid(f"start_date must precede end_date by at most "
                          f"{open311.DEFAULT_DAYS} days")
        q = q.where(Order.received_at >= start, Order.received_at <= end)
        if codes := _split(codes):     # the category, or the service asked for until then
            q = q.where(or_(Order.category.in_(codes),
                            and_(Order.category.is_(None), Order.category_hint.in_(codes))))
        wanted = set(_split(status))
        if wanted - {"open", "closed"}:
            raise Invalid("status is open, closed or both (comma-separated)")
        terminal = [s.value for s in TERMINAL_STATES]
        if wanted == {"open"}:
            q = q.where(Order.state.not_in(terminal))
        elif wanted == {"closed"}:
            q = q.where(Order.state.in_(terminal))
    q = q.order_by(Order.received_at.desc()).limit(open311.MAX_REQUESTS)
    return [row(o) for o in session.exec(q).all()]


def one(session: Session, number: str) -> dict[str, Any]:
    order = session.exec(select(Order).where(Order.number == number.strip().upper(),
                                             Order.channel == Channel.open311.value)).first()
    if order is None:
        raise NotFound(f"no service request {number!r}")
    return row(order)


def submit(session: Session, body: bytes, *, idempotency_key: str | None,
           header_key: str | None = None) -> tuple[bool, dict[str, Any]]:
    """(created?, the spec's answer row) for a POSTed form; the key in the form's api_key
    (the spec) or the X-Api-Key header (as every other keyed door)."""
    fields = form_fields(body)
    api_key = next((v for k, v in fields if k == "api_key"), None) or header_key
    client = door.authenticate_client(session, api_key=api_key, channel=Channel.open311)
    adapter = registry.open311
    payload = adapter.parse(body)
    if open311.service(payload.service_code) is None:
        raise Invalid(f"no service {payload.service_code!r}",
                      details={"services": [s["service_code"] for s in open311.services()]})
    payload = payload.model_copy(update={"external_id": open311.external_id(
        client.id, idempotency_key, fields)})
    result = door.ingest(session, adapter, payload, client=client)
    return result.created, {"service_request_id": result.number,
                            "service_notice": f"已受理，工单号 {result.number}",
                            "account_id": payload.account_id}
