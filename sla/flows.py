"""Escalation of one hop: record each due level with its timeline entry and notices, then push.

Everything a level leaves behind -- the ``sla_escalation`` row (unique per hop and level),
the timeline entry, the notices and the level in ``Assignment.escalations`` -- is written in
one transaction that first write-locks the hop. A concurrent run waits for the lock and then
finds the level recorded; a run killed half-way leaves nothing, so the next run does it.
Live events go out only after the commit (a lost push still leaves the stored notice).
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from dispatch.db import get_engine
from dispatch.orders import service as orders
from dispatch.orders.enums import Role
from dispatch.orders.models import Assignment, Order
from dispatch.realtime.broker import get_broker
from sla import service
from sla.calendar import WorkingCalendar
from sla.escalation import Escalation, EscalationSettings, due_escalations
from sla.models import EscalationRecord, Notification

log = logging.getLogger(__name__)
SYSTEM_NAME = "系统"
LEVEL_NAMES = {"chase": "催办", "overdue": "超期", "supervise": "督办", "criticise": "通报批评"}


def recipients(order: Order, hop: Assignment) -> list[str]:
    """The handling unit, whoever gave it the hop, and the owning platform (its supervisors)."""
    return list(dict.fromkeys([hop.to_path, hop.from_path, order.platform_path]))


def escalate_hop(*, hop_id: int, now: datetime, calendar: WorkingCalendar,
                 settings: EscalationSettings) -> list[dict[str, Any]]:
    """Record the levels due on this hop now; returns the events pushed (empty if none)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        hop = service.lock_hop(session, hop_id=hop_id)
        if hop is None or hop.status not in service.ESCALATING or hop.deadline is None:
            session.rollback()
            return []
        recorded = set(hop.escalations) | service.recorded_levels(session, hop_id=hop.id)
        due = due_escalations(started_at=hop.dispatched_at, deadline=hop.deadline, now=now,
                              calendar=calendar, recorded=recorded, settings=settings)
        if not due:
            session.rollback()
            return []
        order = session.get(Order, hop.order_id)
        events = [_record(session, order=order, hop=hop, escalation=e, now=now) for e in due]
        hop.escalations = [*hop.escalations, *(e.level for e in due)]
        session.add(hop)
        try:
            session.commit()
        except IntegrityError:  # another run recorded it between our read and write
            session.rollback()
            return []
    for event in events:
        get_broker().publish(event)
    return events


def _record(session: Session, *, order: Order, hop: Assignment, escalation: Escalation,
            now: datetime) -> dict[str, Any]:
    level, name = escalation.level, LEVEL_NAMES[escalation.level]
    paths = recipients(order, hop)
    data = {"level": level, "due_at": escalation.due_at.isoformat(),
            "deadline": hop.deadline.isoformat(), "unit_path": hop.to_path,
            "unit_id": hop.to_unit_id}
    session.add(EscalationRecord(hop_id=hop.id, order_id=order.id, level=level,
                                 unit_path=hop.to_path, due_at=escalation.due_at, recorded_at=now))
    orders.append_timeline(session, order_id=order.id, at=now, actor_name=SYSTEM_NAME,
                           actor_role=Role.system.value, action=level, from_state=order.state,
                           to_state=order.state, hop_id=hop.id, data=data,
                           reason=f"{name}：办理期限 {hop.deadline.isoformat()}")
    title = f"{name}：{order.number} {order.title}".strip()
    for path in paths:
        session.add(Notification(recipient_path=path, order_id=order.id, hop_id=hop.id,
                                 level=level, title=title, body=data, created_at=now))
    session.flush()
    return {"type": "escalation", "action": level, "level": level, "order_id": order.id,
            "number": order.number, "hop_id": hop.id, "state": order.state, "title": title,
            "paths": paths, "at": now.isoformat(), **data}
