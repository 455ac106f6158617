"""Micro-batches for the intake hot path: routing jobs and live events leave in groups.

One RQ job per order costs the API a Redis round trip per request and the workers a job's
overhead per order (a SimpleWorker runs a few hundred jobs/s). Intake instead hands each new
order to this process's batcher, which every ``intake_batch_ms`` (200 ms by default; see
dispatch/config.py for why) or every `size` orders queues one `route_orders` job for the group
and publishes the group's intake events. Nothing here is
needed for safety: the order is committed before it is handed over, so if this process dies
or Redis is down, the recovery task (dispatch/jobs/recovery.py) or the sweeper re-enqueues
every order left "received".
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
ROUTE_BATCH_JOB = "dispatch.jobs.tasks.route_orders"


class Batcher:
    """Collects items and hands them to `flush(items)` every `wait` seconds or `size` items."""

    def __init__(self, flush: Callable[[list[Any]], None], *, size: int = 100,
                 wait: float = 0.005) -> None:
        self.flush, self.size, self.wait = flush, size, wait
        self._items: list[Any] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, item: Any) -> None:
        with self._cond:
            self._items.append(item)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="intake-batcher",
                                                daemon=True)
                self._thread.start()
            if len(self._items) in (1, self.size):
                self._cond.notify()

    def _take(self) -> list[Any]:
        with self._cond:
            while not self._items:
                self._cond.wait()
            deadline = time.monotonic() + self.wait
            while len(self._items) < self.size:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            items, self._items = self._items, []   # all: a slow flush must not fall behind
            return items

    def _run(self) -> None:
        while True:
            items = self._take()
            try:
                self.flush(items)
            except Exception:  # the orders are committed: the sweeper picks them up later
                log.exception("could not hand over %d items", len(items))


def flush_routing(items: list[tuple[int, dict[str, Any]]], size: int = 100) -> None:
    """One routing job per `size` orders, then the live events (best effort, both)."""
    from dispatch.jobs.queue import enqueue_safely
    from dispatch.realtime.broker import get_broker

    ids = [order_id for order_id, _ in items]
    for i in range(0, len(ids), size):
        group = ids[i:i + size]
        if not enqueue_safely(ROUTE_BATCH_JOB, group,
                              job_id=f"route-{group[0]}-{group[-1]}-{len(group)}"):
            break   # Redis is down: the recovery task queues the rest once it is back
    get_broker().publish_many([event for _, event in items])


_routing: Batcher | None = None
_lock = threading.Lock()


def route_later(order_id: int, event: dict[str, Any]) -> None:
    """Queue the order's routing and its intake event with the next group of this process
    (at once with the embedded queue, whose jobs run in this process anyway)."""
    global _routing
    from dispatch.config import get_settings

    s = get_settings()
    if s.embedded_queue or s.intake_batch_ms <= 0:
        flush_routing([(order_id, event)])
        return
    if _routing is None:
        with _lock:
            if _routing is None:
                _routing = Batcher(lambda items: flush_routing(items, s.intake_batch_size),
                                   size=s.intake_batch_size, wait=s.intake_batch_ms / 1000)
    _routing.add((order_id, event))
