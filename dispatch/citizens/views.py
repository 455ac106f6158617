"""Citizens' public endpoint: the status look-up behind the /status/ page (no sign-in)."""
from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request

from dispatch.citizens import flows
from dispatch.citizens.schemas import StatusPublic, StatusQuery
from dispatch.deps import SessionDep

router = APIRouter(prefix="/public", tags=["citizens"])


@router.post("/status", response_model=StatusPublic)
async def order_status(body: StatusQuery, request: Request, session: SessionDep) -> StatusPublic:
    """The public part of an order, given its number and the last four digits of the
    reporter's phone; every miss is the same 404, and too many misses answer 429."""
    client = request.client.host if request.client else "unknown"
    found = await flows.look_up(session, request.app.state.status_throttle, number=body.number,
                                suffix=body.phone_suffix, client=client)
    return StatusPublic(**asdict(found))
