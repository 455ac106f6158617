"""Post-commit order listeners of the SLA domain (registered in ``dispatch.hooks.LISTENERS``)."""
from __future__ import annotations

from sqlmodel import Session

from dispatch.db import get_engine
from dispatch.orders.models import Order
from sla import aggregates


def refresh_kpis(session: Session, *, order: Order, action: str) -> None:
    """Re-derive the order's KPI contribution; a failure here is repaired by the reconcile job."""
    with Session(get_engine(), expire_on_commit=False) as own:
        aggregates.refresh_order(own, order_id=order.id)
