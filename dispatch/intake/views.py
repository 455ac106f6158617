"""Operator call log and the generic JSON intake (channel adapters call the same flow)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from dispatch.auth.service import token_claims
from dispatch.config import get_settings
from dispatch.db import get_engine
from dispatch.deps import oauth2_scheme, principal_for
from dispatch.duplicates.flows import possible_duplicates
from dispatch.errors import Forbidden, Unauthorized
from dispatch.intake import flows
from dispatch.intake.lean import Caller
from dispatch.intake.schemas import IntakeRequest, IntakeResult
from dispatch.orders.enums import Role
from dispatch.orders.models import Order

router = APIRouter(tags=["intake"])
DESK = frozenset({Role.operator, Role.dispatcher})


async def desk_caller(request: Request,
                      token: Annotated[str | None, Depends(oauth2_scheme)]) -> Caller:
    """A signed-in operator or dispatcher, refused before the body is looked at. On PostgreSQL
    the lean path checks the token against the user's row; otherwise the full path does."""
    if not token:
        raise Unauthorized("not signed in", headers={"WWW-Authenticate": "Bearer"})
    user_id, version = token_claims(token, get_settings().secret_key)
    lean = request.app.state.lean
    caller = await lean.caller(user_id, version) if lean is not None else None
    if caller is None:
        caller = await run_in_threadpool(_caller, token)
    if caller.actor.role not in DESK:
        raise Forbidden(f"role {caller.actor.role.value} may not do this")
    return caller


def _caller(token: str) -> Caller:
    with Session(get_engine(), expire_on_commit=False) as session:
        p = principal_for(session, token)
        return Caller(actor=p.actor, name=p.user.full_name or p.user.username, unit_id=p.unit.id,
                      unit_path=p.unit.path, token_version=p.user.token_version)


@router.post("/intake", response_model=IntakeResult, status_code=201,
             responses={200: {"description": "seen before: the existing order"}})
async def intake(body: IntakeRequest, request: Request, response: Response,
                 caller: Annotated[Caller, Depends(desk_caller)],
                 duplicates: bool = False) -> IntakeResult:
    """Log a call or an intake at the signed-in user's platform; a retry returns the same order
    (409 when the id is taken by another payload, or by an order outside the user's reach).
    ``?duplicates=true`` (the operator's screen) adds the open or recent orders that look like
    the same matter; it costs a similarity search, so machine clients leave it off."""
    lean = request.app.state.lean
    result = await lean.receive(body, caller, full=duplicates) if lean is not None else None
    if result is None:
        result = await run_in_threadpool(_receive, body, caller, duplicates)
    if not result.created:
        response.status_code = 200
    return result


def _receive(body: IntakeRequest, caller: Caller, duplicates: bool) -> IntakeResult:
    """The full path: the order owned by the caller's platform."""
    with Session(get_engine(), expire_on_commit=False) as session:
        body = body.model_copy(update={"platform_id": caller.unit_id})
        result = flows.receive(session, body, actor=caller.actor, actor_name=caller.name)
        if not (result.created and duplicates):
            return result
        order = session.get(Order, result.order_id)
        return result.model_copy(update={"possible_duplicates": possible_duplicates(
            session, order=order, reach_path=caller.unit_path)})
