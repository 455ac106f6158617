"""Citizens following their own case: the status page's look-up (order number + the last four
digits of the phone), WeChat's 查询 (the sender must be the order's reporter), and the rating
through the closure notice's one-time link (dispatch/citizens/rating.py).

Either way a stranger learns nothing: a wrong suffix, an order without a phone, another
citizen's order and a number that does not exist get the same answer. Wrong guesses count,
per client address and per order number (the sign-in throttle's rule,
dispatch/auth/throttle.py, on counters of its own), so nobody can walk the 10,000 suffixes.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from dispatch.citizens import rating
from dispatch.citizens.public import PublicStatus, public_status, suffix_matches
from dispatch.config import get_settings
from dispatch.errors import Conflict, NotFound, TooManyRequests
from dispatch.orders import flows as orders
from dispatch.orders.effects import ActionInput
from dispatch.orders.enums import Action, Channel, State
from dispatch.orders.lifecycle import IllegalTransition
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


def recent_by_openid(session: Session, openid: str, limit: int) -> list[Order]:
    """The WeChat sender's own most recent orders, newest first (matched as
    reported_by_openid: the openid their replies go to). No index on the JSON path: the scan
    is of the WeChat orders only."""
    if not openid:
        return []
    to = Order.raw["reply_to"]["openid"].as_string()
    return list(session.exec(select(Order).where(Order.channel == Channel.wechat.value,
                                                 to == openid)
                             .order_by(Order.received_at.desc(), Order.id.desc())
                             .limit(limit)).all())


def reported_by_openid(order: Order | None, openid: str) -> bool:
    """Whether this WeChat sender reported the order (its reply goes to that openid)."""
    if order is None or order.channel != Channel.wechat:
        return False
    to = (order.raw or {}).get("reply_to") or {}
    return bool(openid) and to.get("openid") == openid


# --- 群众评价: the one-time rating link of the closure notice ---------------------------------

BAD_LINK = "评价链接无效或已过期"
ALREADY_RATED = "该工单已评价，感谢您的参与"
CITIZEN_NAME = "诉求人"


def _rated_order(session: Session, token: str, now: datetime) -> Order:
    """The closed order a valid token names; the same 404 for a forged, damaged or expired
    token, a missing order and one not closed."""
    try:
        order_id = rating.read_token(token, secret=get_settings().secret_key, now=now)
    except rating.BadToken:
        raise NotFound(BAD_LINK) from None
    order = session.get(Order, order_id)
    if order is None or order.state != State.closed:
        raise NotFound(BAD_LINK)
    return order


def rating_link(session: Session, *, token: str, now: datetime) -> tuple[Order, bool]:
    """What the rating page shows on opening: the order, and whether it was rated already."""
    order = _rated_order(session, token, now)
    return order, bool((order.callback or {}).get("citizen"))


def rate(session: Session, *, token: str, choice: rating.Rating, comment: str | None,
         now: datetime) -> Order:
    """Record the citizen's rating through the `rate` action (on the timeline, once: 409)."""
    order = _rated_order(session, token, now)
    try:
        return orders.apply_action(session, order_id=order.id, action=Action.rate,
                                   actor=orders.system_actor(order), actor_name=CITIZEN_NAME,
                                   inp=ActionInput(rating=choice.value,
                                                   reason=(comment or "").strip() or None),
                                   now=now)
    except IllegalTransition:
        raise Conflict(ALREADY_RATED) from None
