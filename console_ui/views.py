"""Endpoints for the web console (mounted under /api/v1 by hotline.api)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from console_ui import service
from dispatch.deps import CurrentPrincipal, SessionDep
from dispatch.orders.schemas import OrderPage
from dispatch.orders.views import to_public

router = APIRouter(prefix="/console", tags=["console"])


@router.get("/approvals", response_model=OrderPage)
def approvals(session: SessionDep, principal: CurrentPrincipal,
              kind: service.DecisionKind = "any", before_id: int | None = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 50) -> OrderPage:
    """Returns, extensions and suspensions waiting for the signed-in unit's decision."""
    rows = service.awaiting_decision(session, role=principal.role, unit_path=principal.unit.path,
                                     kind=kind, before_id=before_id, limit=limit)
    return OrderPage(items=[to_public(o, principal) for o in rows],
                     next_cursor=rows[-1].id if len(rows) == limit else None)
