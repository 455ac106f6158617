"""After an order changes: plan the notices, record them in the delivery log, queue the sends."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import Session, col, select

from channels.config import get_channel_settings
from channels.enums import DeliveryKind, DeliveryStatus, Transport
from channels.outbound import messages, service
from channels.outbound.transports import is_configured
from dispatch.citizens.rating import make_token
from dispatch.config import get_settings
from dispatch.db import session_scope
from dispatch.jobs.queue import enqueue_safely
from dispatch.orders.models import Order, TimelineEntry
from dispatch.sqltypes import utcnow

log = logging.getLogger(__name__)
DELIVER_JOB = "channels.outbound.jobs.deliver"
MAX_MERGED = 500       # reports told of one master's result
MAX_CHAIN = 10         # masters followed from a merged report


def facts_of(session: Session, order: Order, action: str) -> messages.OrderFacts:
    reason = None
    if action in ("hand_over", "refuse"):
        reason = session.exec(select(TimelineEntry.reason).where(
            TimelineEntry.order_id == order.id, TimelineEntry.action == action)
            .order_by(col(TimelineEntry.id).desc())).first()
    return messages.OrderFacts(
        order_id=order.id, number=order.number or "", channel=order.channel, state=order.state,
        citizen_phone=order.citizen_phone, citizen_name=order.citizen_name,
        reply_to=(order.raw or {}).get("reply_to") or {}, public_reply=order.public_reply,
        emergency=order.emergency, close_kind=order.close_kind, title=order.title,
        content=order.content, address=order.address, latitude=order.latitude,
        longitude=order.longitude, received_at=order.received_at, closed_at=order.closed_at,
        reason=reason, rating_url=rating_url(order))


def rating_url(order: Order) -> str | None:
    """The one-time rating link of a closed order (群众评价), while the public address is set;
    the token sits after '#', so it reaches no server log nor Referer."""
    base = get_channel_settings().public_url.rstrip("/")
    if order.state != "closed" or not base or order.id is None:
        return None
    s = get_settings()
    token = make_token(order.id, expires_at=utcnow() + timedelta(days=s.rating_link_days),
                       secret=s.secret_key)
    return f"{base}/status/rate/#{token}"


def on_order_event(session: Session, *, order: Order, action: str) -> None:
    """The hooks listener (dispatch.hooks.LISTENERS): runs after the order's change committed."""
    if action not in messages.WATCHED_ACTIONS:
        return
    try:   # the caller's change is committed already: this transaction is ours alone
        queued = _record_notices(session, [order], action)
        session.commit()
    except Exception:
        session.rollback()
        raise
    _queue_sends(queued)


def on_order_event_batch(session: Session, *, orders: list[Order], action: str) -> None:
    """`on_order_event` for a batch of orders (the routing job's) in one transaction; should it
    fail, each order is tried on its own, so one bad order costs no other its notices."""
    if action not in messages.WATCHED_ACTIONS:
        return
    try:
        queued = _record_notices(session, orders, action)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("notices for %d orders failed together; one by one", len(orders))
        for order in orders:
            try:
                on_order_event(session, order=order, action=action)
            except Exception:
                log.exception("notices for %s failed", order.number)
        return
    _queue_sends(queued)


def _record_notices(session: Session, orders: list[Order], action: str) -> list[int]:
    """Plan the orders' notices and add them to the delivery log in one statement (not
    committed); the ids of those to send."""
    s = get_channel_settings()
    texts = messages.Texts(centre_name=s.centre_name, app_name=s.app_name)
    rows = [(order_id, p, DeliveryStatus.sent if p.transport == Transport.wechat_passive
             else DeliveryStatus.pending if is_configured(p.transport, p.kind, s)
             else DeliveryStatus.skipped)
            for order in orders for order_id, p in _planned(session, order, action, texts)]
    return service.add_deliveries(session, rows=rows, now=utcnow())


def _planned(session: Session, order: Order, action: str,
             texts: messages.Texts) -> list[tuple[int, messages.Planned]]:
    """(order id, notice) for what ``action`` on ``order`` tells its citizens."""
    planned = [(order.id, p) for p in messages.plan(facts_of(session, order, action), action, texts)]
    return planned + _merged_notices(session, order, action, texts,
                                     {p.recipient for _, p in planned})


def _queue_sends(queued: list[int]) -> None:
    for delivery_id in queued:
        enqueue_safely(DELIVER_JOB, delivery_id, job_id=f"delivery-{delivery_id}")


def _merged_notices(session: Session, order: Order, action: str, texts: messages.Texts,
                    told: set[str]) -> list[tuple[int, messages.Planned]]:
    """并单: a closed master's result goes to every report merged into it (also one merged
    after the close), once per report and once per recipient."""
    if action in messages.CLOSING_ACTIONS:
        master, reports = order, merged_reports(session, order)
    elif action == "merge":
        master, reports = root_master(session, order), [order]
    else:
        return []
    if master is None or master.state != "closed" or not reports:
        return []
    family = [master.id, *(o.id for o in merged_reports(session, master))]
    told |= service.recipients(session, order_ids=family, kind=DeliveryKind.closed)
    master_facts = facts_of(session, master, "close")
    return messages.plan_merged([facts_of(session, o, "close") for o in reports], master_facts,
                                texts, told)


def merged_reports(session: Session, master: Order) -> list[Order]:
    """Orders merged into ``master``, and into those, breadth first (bounded)."""
    out: list[Order] = []
    seen, frontier = {master.id}, [master.id]
    while frontier and len(out) < MAX_MERGED:
        rows = session.exec(select(Order).where(col(Order.master_id).in_(frontier),
                                                Order.state == "merged")
                            .order_by(Order.id)).all()
        frontier = [o.id for o in rows if o.id not in seen]
        seen.update(frontier)
        out += [o for o in rows if o.id in frontier]
    return out[:MAX_MERGED]


def root_master(session: Session, order: Order) -> Order | None:
    """The order at the end of ``order``'s chain of masters."""
    master = None
    for _ in range(MAX_CHAIN):
        if not order.master_id:
            break
        order = master = session.get(Order, order.master_id)
        if master is None:
            break
    return master


def requeue_waiting(*, older_than_seconds: int = 120) -> int:
    """Queue again what never got queued (Redis was down) or whose worker died mid-send."""
    with session_scope() as s:
        ids = service.waiting(s, older_than=utcnow() - timedelta(seconds=older_than_seconds))
    for delivery_id in ids:
        enqueue_safely(DELIVER_JOB, delivery_id, job_id=f"delivery-{delivery_id}")
    return len(ids)
