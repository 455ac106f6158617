"""Citizens following their own case: the status page's look-up (order number + the last four
digits of the phone) and WeChat's 查询 (the sender must be the order's reporter).

Either way a stranger learns nothing: a wrong suffix, an order without a phone, another
citizen's order and a number that does not exist get the same answer. Wrong guesses count,
per client address and per order number (the sign-in throttle's rule,
dispatch/auth/throttle.py, on counters of its own), so nobody can walk the 10,000 suffixes.
"""
from __future__ import annotations

from sqlmodel import Session, select

from dispatch.citizens.public import PublicStatus, public_status, suffix_matches
from dispatch.errors import NotFound, TooManyRequests
from dispatch.orders.enums import Channel
from dispatch.orders.models import Order
from dispatch.ratelimit import LoginThrottle

NOT_FOUND = "未查到该工单，请核对工单号和手机号后四位"
THROTTLED = "查询过于频繁，请稍后再试"


def by_number(session: Session, number: str) -> Order | None:
    return session.exec(select(Order).where(Order.number == number.strip().upper())).first()


def status_of(order: Order) -> PublicStatus:
    return public_status(number=order.number or "", state=order.state,
                         received_at=order.received_at, updated_at=order.updated_at,
                         closed_at=order.closed_at, public_reply=order.public_reply)


async def look_up(session: Session, throttle: LoginThrottle, *, number: str, suffix: str,
                  client: str) -> PublicStatus:
    """The public status, or 404 (the same for every miss), or 429 after too many misses."""
    key = number.strip().upper()
    try:
        await throttle.check(username=key, client=client)
    except TooManyRequests as exc:
        raise TooManyRequests(THROTTLED, details=exc.details, headers=exc.headers) from None
    order = by_number(session, key)
    if order is None or not suffix_matches(order.citizen_phone, suffix):
        await throttle.failed(username=key, client=client)
        raise NotFound(NOT_FOUND)
    return status_of(order)


def reported_by_openid(order: Order | None, openid: str) -> bool:
    """Whether this WeChat sender reported the order (its reply goes to that openid)."""
    if order is None or order.channel != Channel.wechat:
        return False
    to = (order.raw or {}).get("reply_to") or {}
    return bool(openid) and to.get("openid") == openid
