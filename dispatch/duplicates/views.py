"""Possible duplicates of an order (并单 candidates) and the reports merged into it."""
from __future__ import annotations

from fastapi import APIRouter

from dispatch.deps import CurrentPrincipal, SessionDep
from dispatch.duplicates import flows
from dispatch.duplicates.schemas import DuplicatesOf
from dispatch.orders import service as orders

router = APIRouter(prefix="/orders", tags=["duplicates"])


@router.get("/{order_id}/duplicates", response_model=DuplicatesOf)
def duplicates(order_id: int, session: SessionDep,
                     principal: CurrentPrincipal) -> DuplicatesOf:
    """Open or recent orders the user reaches that look like the same matter, best first."""
    order = orders.get_visible_order(session, order_id=order_id, unit_path=principal.unit.path)
    return flows.duplicates_of(session, order=order, reach_path=principal.unit.path)
