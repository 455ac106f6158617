"""Listeners told after an order's change is committed (outbound notifications, KPIs, …).

Listed by import path so that every process (API, RQ worker, sweeper) runs the same ones;
a listener's failure never undoes or blocks the committed change.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

from sqlmodel import Session

from dispatch.jobs.queue import resolve
from dispatch.orders.models import Order

log = logging.getLogger(__name__)
LISTENERS: list[str] = ["sla.listeners.refresh_kpis", "channels.outbound.flows.on_order_event",
                        "classifiers.learning.flows.on_order_event"]


@lru_cache
def _listeners() -> tuple:
    """(listener, its batch form or None): `<name>_batch(session, orders=…, action=…)` beside
    a listener takes many orders in one call."""
    found = []
    for path in LISTENERS:
        try:
            listener = resolve(path)
        except (ImportError, AttributeError):
            log.warning("order listener %s is not available", path)
            continue
        try:
            batch = resolve(f"{path}_batch")
        except (ImportError, AttributeError):
            batch = None
        found.append((listener, batch))
    return tuple(found)


def emit(session: Session, *, order: Order, action: str) -> None:
    for listener, _ in _listeners():
        emit_one(session, listener, order, action)


def emit_many(session: Session, *, orders: Sequence[Order], action: str) -> None:
    """`emit` for several orders that took the same action (the routing job's batches)."""
    if not orders:
        return
    for listener, batch in _listeners():
        if batch is None:
            for order in orders:
                emit_one(session, listener, order, action)
            continue
        try:
            batch(session, orders=orders, action=action)
        except Exception:
            log.exception("order listener %s failed for %d orders", batch, len(orders))


def emit_one(session: Session, listener, order: Order, action: str) -> None:
    """One listener, one order; its failure never reaches the caller (the change is committed)."""
    try:
        listener(session, order=order, action=action)
    except Exception:
        log.exception("order listener %s failed for %s", listener, order.number)
