"""Listeners told after an order's change is committed (outbound notifications, KPIs, …).

Listed by import path so that every process (API, RQ worker, sweeper) runs the same ones;
a listener's failure never undoes or blocks the committed change.
"""
from __future__ import annotations

import logging
from functools import lru_cache

from sqlmodel import Session

from dispatch.jobs.queue import resolve
from dispatch.orders.models import Order

log = logging.getLogger(__name__)
LISTENERS: list[str] = ["sla.listeners.refresh_kpis", "channels.outbound.flows.on_order_event",
                        "classifiers.learning.flows.on_order_event"]


@lru_cache
def _listeners() -> tuple:
    found = []
    for path in LISTENERS:
        try:
            found.append(resolve(path))
        except (ImportError, AttributeError):
            log.warning("order listener %s is not available", path)
    return tuple(found)


def emit(session: Session, *, order: Order, action: str) -> None:
    for listener in _listeners():
        try:
            listener(session, order=order, action=action)
        except Exception:
            log.exception("order listener %s failed for %s", listener, order.number)
