"""Listeners told after an order's change is committed (outbound notifications, KPIs, …).

Listed by import path so that every process (API, RQ worker, sweeper) runs the same ones;
a listener's failure never undoes or blocks the committed change.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from sqlmodel import Session

from dispatch.jobs.queue import resolve
from dispatch.orders.models import Order

log = logging.getLogger(__name__)
LISTENERS: list[str] = ["sla.listeners.refresh_kpis", "channels.outbound.flows.on_order_event",
                        "classifiers.learning.flows.on_order_event"]
# Listeners that re-derive what they keep from the order as committed, whatever the action:
# within ``coalesced()`` each runs once per order, when the block ends.
STATE_LISTENERS = frozenset({"sla.listeners.refresh_kpis"})
_held: ContextVar[dict | None] = ContextVar("held_listeners", default=None)


@lru_cache
def _listeners() -> tuple:
    """(listener, its batch form or None, whether it is a state listener):
    `<name>_batch(session, orders=…, action=…)` beside a listener takes many orders in one call."""
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
        found.append((listener, batch, path in STATE_LISTENERS))
    return tuple(found)


@contextmanager
def coalesced(session: Session) -> Iterator[None]:
    """Hold the state listeners' calls made inside (the routing job: intake, then one or two
    routing actions, each of which would refresh the same orders' KPIs) and make one per order
    at the end, also when the block fails."""
    held: dict = {}
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
        for (listener, batch), orders in held.items():
            _call(session, listener, batch, list(orders.values()), "")


def _hold(listener, batch, orders: Sequence[Order]) -> bool:
    held = _held.get()
    if held is None:
        return False
    group = held.setdefault((listener, batch), {})
    for order in orders:
        group.setdefault(id(order), order)
    return True


def emit(session: Session, *, order: Order, action: str) -> None:
    for listener, batch, state_only in _listeners():
        if not (state_only and _hold(listener, batch, [order])):
            emit_one(session, listener, order, action)


def emit_many(session: Session, *, orders: Sequence[Order], action: str) -> None:
    """`emit` for several orders that took the same action (the routing job's batches)."""
    if not orders:
        return
    for listener, batch, state_only in _listeners():
        if not (state_only and _hold(listener, batch, orders)):
            _call(session, listener, batch, orders, action)


def _call(session: Session, listener, batch, orders: Sequence[Order], action: str) -> None:
    if batch is None:
        for order in orders:
            emit_one(session, listener, order, action)
        return
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
