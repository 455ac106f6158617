"""The orders hot topics are computed from: a window of the newest ones the user reaches."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from dispatch.orders.models import Order
from dispatch.orders.service import reach_clause


def orders_between(session: Session, *, reach_path: str, since: datetime, until: datetime,
                   limit: int) -> list[Order]:
    stmt = select(Order).where(col(Order.received_at) >= since, col(Order.received_at) < until,
                               reach_clause(reach_path))
    return list(session.exec(stmt.order_by(col(Order.received_at).desc()).limit(limit)).all())
