"""Recovery after a Redis outage, in every process that saw one: no wait for the sweeper.

A failed enqueue (``enqueue_safely``) or push (``Broker._push``) calls ``notice()``. The
process then runs one background thread that pings Redis, every ``FIRST_PROBE`` seconds
doubling to ``LAST_PROBE``, and once a ping succeeds:

1. publishes the outbox of live events kept meanwhile (dispatch/realtime/outbox.py);
2. queues routing for every order still "received" (the database says which orders need it,
   not a list kept in memory, so an order acknowledged by another replica, or before this
   process restarted, is caught too).

Queuing an order twice is harmless: ``route_orders`` routes only orders still received and a
concurrent second routing is refused by the order's version. A ``notice()`` during a pass
makes the thread probe and pass again, so an order whose enqueue failed after the pass read
the database is not left behind. The sweeper (60 s) stays as the backstop for a process that
died before recovering. After a 10 s outage the orders taken meanwhile were routed 1.0-1.5 s
after Redis returned (tests/dispatch/test_faults_recovery.py; docs/production.md).
"""
from __future__ import annotations

import logging
import threading
import time
from functools import lru_cache

from dispatch.config import get_settings

log = logging.getLogger(__name__)
FIRST_PROBE = 0.1    # seconds between pings, doubling up to LAST_PROBE while Redis is away
LAST_PROBE = 1.0


def catch_up() -> tuple[int, int]:
    """Publish the outbox, then queue routing for every received order: (events, orders)."""
    from dispatch.jobs.sweeper import sweep_once
    from dispatch.realtime.broker import get_broker

    events = get_broker().publish_outbox()
    orders = sweep_once(stale_seconds=0, job_prefix="recover")
    return events, orders


class Recovery:
    """One probing thread per process at most, started by the first failure it is told of."""

    def __init__(self, redis_url: str | None) -> None:
        self.redis_url = redis_url
        self._lock = threading.Lock()
        self._again = False
        self._thread: threading.Thread | None = None
        self.passes = 0          # completed catch-ups (tests read it)

    def notice(self) -> None:
        """Redis refused something: catch up once it answers (again, if already recovering)."""
        if not self.redis_url:
            return
        with self._lock:
            self._again = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="redis-recovery",
                                                 daemon=True)
                self._thread.start()

    def _run(self) -> None:
        wait = FIRST_PROBE
        while True:
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
            if not self._ping():
                time.sleep(wait)
                wait = min(wait * 2, LAST_PROBE)
                continue
            with self._lock:
                self._again = False
            started = time.monotonic()
            try:
                events, orders = catch_up()
            except Exception:   # Redis left again, or the database is away: probe again
                log.exception("recovery after the Redis outage failed; retrying")
                with self._lock:
                    self._again = True
                time.sleep(wait)
                continue
            self.passes += 1
            wait = FIRST_PROBE
            log.warning("Redis is back: published %d kept events, queued %d received orders "
                        "(%.2f s)", events, orders, time.monotonic() - started)

    def _ping(self) -> bool:
        from dispatch.redis_conn import connect

        try:      # under Sentinel: the primary it names (a failover ends when one answers)
            with connect(self.redis_url, socket_connect_timeout=1, socket_timeout=1) as client:
                return bool(client.ping())
        except Exception:
            return False


@lru_cache
def get_recovery() -> Recovery:
    return Recovery(get_settings().redis_url)
