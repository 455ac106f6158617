"""Post-commit order listeners of the SLA domain (registered in ``dispatch.hooks.LISTENERS``)."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import inspect
from sqlmodel import Session

from dispatch.db import get_engine
from dispatch.orders.models import Order
from sla import aggregates


def refresh_kpis(session: Session, *, order: Order, action: str) -> None:
    """Re-derive the order's KPI contribution; a failure here is repaired by the reconcile job."""
    refresh_kpis_batch(session, orders=[order], action=action)


def refresh_kpis_batch(session: Session, *, orders: Sequence[Order], action: str = "") -> None:
    """The same for several committed orders at once: one transaction, one upsert per table."""
    with Session(get_engine(), expire_on_commit=False) as own:
        aggregates.refresh_orders(own, [_id(o) for o in orders])


def _id(order: Order) -> int:
    """The order's id without reloading it (the caller's commit expired its attributes)."""
    state = inspect(order, raiseerr=False)
    return state.identity[0] if state is not None and state.identity else order.id
