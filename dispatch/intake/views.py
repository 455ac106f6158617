"""Operator call log and the generic JSON intake (channel adapters call the same flow)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from dispatch.deps import Principal, SessionDep, require_roles
from dispatch.duplicates.flows import possible_duplicates
from dispatch.intake import flows
from dispatch.intake.schemas import IntakeRequest, IntakeResult
from dispatch.orders.enums import Role
from dispatch.orders.models import Order

router = APIRouter(tags=["intake"])
DeskDep = Annotated[Principal, Depends(require_roles(Role.operator, Role.dispatcher))]


@router.post("/intake", response_model=IntakeResult, status_code=201,
             responses={200: {"description": "seen before: the existing order"}})
def intake(body: IntakeRequest, session: SessionDep, principal: DeskDep,
           response: Response, duplicates: bool = False) -> IntakeResult:
    """Log a call or an intake at the signed-in user's platform; a retry returns the same order.
    ``?duplicates=true`` (the operator's screen) adds the open or recent orders that look like
    the same matter; it costs a similarity search, so machine clients leave it off."""
    body = body.model_copy(update={"platform_id": principal.unit.id})
    result = flows.receive(session, body, actor=principal.actor,
                           actor_name=principal.user.full_name or principal.user.username)
    if not result.created:
        response.status_code = 200
    if not (result.created and duplicates):
        return result
    order = session.get(Order, result.order_id)
    return result.model_copy(update={"possible_duplicates": possible_duplicates(
        session, order=order, reach_path=principal.unit.path)})
