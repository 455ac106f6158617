"""Reads the console needs that the order list's filters do not express."""
from __future__ import annotations

from typing import Literal

from sqlalchemy import String, and_, cast, false, func, or_, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from dispatch.orders.enums import Role, State
from dispatch.orders.models import Assignment, Order
from dispatch.orders.service import reach_clause
from dispatch.sqltypes import starts_with

DecisionKind = Literal["return", "request", "any"]


def _present(column):
    """A JSON column holding an object (neither SQL NULL nor JSON null), on SQLite and PostgreSQL."""
    return func.coalesce(cast(column, String), "null") != "null"


def awaiting_decision(session: Session, *, role: Role, unit_path: str, kind: DecisionKind,
                      before_id: int | None, limit: int) -> list[Order]:
    """Orders whose return, extension or suspension request this unit decides, newest first.

    The decision belongs to whoever gave the active hop: the platform's dispatchers when it came
    from the platform, the handling unit above when it was passed down.
    """
    hop = aliased(Assignment)   # reach_clause's own EXISTS over assignments must not correlate
    if role == Role.dispatcher:
        giver = and_(hop.from_platform == true(), starts_with(col(Order.platform_path), unit_path))
    elif role == Role.handler:
        giver = and_(hop.from_platform == false(), hop.from_path == unit_path)
    else:
        return []
    returns = Order.state == State.return_requested.value
    requests = and_(Order.state == State.handling.value,
                    or_(_present(hop.pending_extension), _present(hop.pending_suspension)))
    wanted = {"return": returns, "request": requests, "any": or_(returns, requests)}[kind]
    stmt = (select(Order).join(hop, hop.id == Order.current_hop_id)
            .where(reach_clause(unit_path), giver, wanted))
    if before_id:
        stmt = stmt.where(Order.id < before_id)
    return list(session.exec(stmt.order_by(col(Order.id).desc()).limit(limit)).all())
