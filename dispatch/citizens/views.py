"""Citizens' public endpoints (no sign-in): the status look-up behind the /status/ page and the
rating behind /status/rate/."""
from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request

from dispatch.citizens import flows
from dispatch.citizens.schemas import (RatingLink, RatingLinkPublic, RatingSubmit, StatusPublic,
                                       StatusQuery)
from dispatch.deps import SessionDep
from dispatch.orders.models import Order
from dispatch.sqltypes import utcnow

router = APIRouter(prefix="/public", tags=["citizens"])


@router.post("/status", response_model=StatusPublic)
async def order_status(body: StatusQuery, request: Request, session: SessionDep) -> StatusPublic:
    """The public part of an order, given its number and the last four digits of the
    reporter's phone; every miss is the same 404, and too many misses answer 429."""
    client = request.client.host if request.client else "unknown"
    found = await flows.look_up(session, request.app.state.status_throttle, number=body.number,
                                suffix=body.phone_suffix, client=client)
    return StatusPublic(**asdict(found))


def _link_public(order: Order, rated: bool) -> RatingLinkPublic:
    own = (order.callback or {}).get("citizen") or {}
    return RatingLinkPublic(number=order.number or "", closed_at=order.closed_at,
                            reply=order.public_reply or None, rated=rated,
                            rating=own.get("rating"))


@router.post("/ratings/check", response_model=RatingLinkPublic)
def rating_link(body: RatingLink, session: SessionDep) -> RatingLinkPublic:
    """The order a rating link names and whether it was used; 404 for a forged, damaged or
    expired link (one message for all)."""
    order, rated = flows.rating_link(session, token=body.token, now=utcnow())
    return _link_public(order, rated)


@router.post("/ratings", response_model=RatingLinkPublic)
def rate(body: RatingSubmit, session: SessionDep) -> RatingLinkPublic:
    """The citizen rates the closed order (满意 / 基本满意 / 不满意), once: 409 afterwards."""
    order = flows.rate(session, token=body.token, choice=body.rating, comment=body.comment,
                       now=utcnow())
    return _link_public(order, True)
