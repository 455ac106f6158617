"""Operator call log and the generic JSON intake: the desk's door to the one intake write.

On PostgreSQL a plain intake runs on the event loop, on a connection of the asyncpg intake pool
(dispatch.db.intake_pool) without a session, a greenlet or a thread: the columns and the
statement of the one write, alone in autocommit (dispatch.intake.flows.receive_plain). The
duplicate search and an intake closed at once take a thread and a transaction (the search is
CPU the event loop must not wait on); so does every intake on SQLite. Who the caller is (role,
unit, name) is read from their row, on a thread, once per ``CALLER_TTL`` seconds, before the
body is looked at (a role that may not log calls is a 403 whatever it sends): a changed role or
unit takes effect within that time. A logout or deactivation takes effect at once, since the
write stores nothing unless the caller's token is still current.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Response
from sqlmodel import Session

from dispatch.auth.models import User
from dispatch.auth.service import check_current, token_claims
from dispatch.config import get_settings
from dispatch.db import get_engine, intake_pool
from dispatch.deps import oauth2_scheme
from dispatch.duplicates.flows import possible_duplicates
from dispatch.errors import Forbidden, Unauthorized
from dispatch.intake import flows
from dispatch.intake.schemas import IntakeRequest, IntakeResult
from dispatch.orders.enums import Role
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Order
from dispatch.orgs.directory import units_for

router = APIRouter(tags=["intake"])
DESK = frozenset({Role.operator, Role.dispatcher})
CALLER_TTL = 10.0


@dataclass(frozen=True)
class Caller:
    """Who logs the call, as intake records them; read from their row until `until`."""
    actor: Actor
    name: str
    unit_id: str
    version: object
    until: float


_callers: dict[int, Caller] = {}


async def desk_caller(token: Annotated[str | None, Depends(oauth2_scheme)]) -> Caller:
    """The signed-in operator or dispatcher, refused before the body is looked at; their row is
    read at most every ``CALLER_TTL`` seconds (the write checks their token)."""
    if not token:
        raise Unauthorized("not signed in", headers={"WWW-Authenticate": "Bearer"})
    user_id, version = token_claims(token, get_settings().secret_key)
    known = _callers.get(user_id)
    if known is None or known.version != version or known.until < time.monotonic():
        known = await to_thread.run_sync(_read_caller, user_id, version)
    if known.actor.role not in DESK:
        raise Forbidden(f"role {known.actor.role.value} may not do this")
    return known


def _read_caller(user_id: int | None, version: object) -> Caller:
    with Session(get_engine()) as session:
        user = check_current(session.get(User, user_id) if user_id else None, version)
        unit = units_for(session).get(user.unit_id)
    known = Caller(Actor(role=Role(user.role), unit_path=unit.path, user_id=user.id),
                   user.full_name or user.username, unit.id, version,
                   time.monotonic() + CALLER_TTL)
    if len(_callers) >= 4096:
        _callers.clear()
    _callers[user.id] = known
    return known


@router.post("/intake", response_model=IntakeResult, status_code=201,
             responses={200: {"description": "seen before: the existing order"}})
async def intake(body: IntakeRequest, caller: Annotated[Caller, Depends(desk_caller)],
                 duplicates: bool = False) -> Response:
    """Log a call or an intake at the signed-in user's platform; a retry returns the same order
    (409 when the id is taken by another payload, or by an order outside the user's reach).
    ``?duplicates=true`` (the operator's screen) adds the open or recent orders that look like
    the same matter; it costs a similarity search, so machine clients leave it off."""
    pool = None if duplicates or flows.closes_at_once(body) else await intake_pool()
    if pool is not None:
        result = await flows.receive_plain(
            pool, body.model_copy(update={"platform_id": caller.unit_id}), actor=caller.actor,
            actor_name=caller.name, guard=(caller.actor.user_id, caller.version))
    else:
        result = await to_thread.run_sync(_receive, body, caller, duplicates)
    return answer(result)


def answer(result: IntakeResult) -> Response:
    """201 with a new order, 200 with one seen before; the JSON of `result` as it is, which
    spares FastAPI validating it again against the response model (a tenth of the CPU of a
    plain intake)."""
    return Response(result.model_dump_json(), status_code=201 if result.created else 200,
                    media_type="application/json")


def _receive(body: IntakeRequest, caller: Caller, duplicates: bool) -> IntakeResult:
    """The order owned by the caller's platform, with its look-alikes when asked."""
    with Session(get_engine(), expire_on_commit=False) as session:
        result = flows.receive(session, body.model_copy(update={"platform_id": caller.unit_id}),
                               actor=caller.actor, actor_name=caller.name,
                               guard=(caller.actor.user_id, caller.version))
        if not (result.created and duplicates):
            return result
        return result.model_copy(update={"possible_duplicates": possible_duplicates(
            session, order=session.get(Order, result.order_id),
            reach_path=caller.actor.unit_path)})
