"""Re-enqueue orders that stayed "received" too long, so an acknowledged order is never lost.

Each tick also publishes live events a process kept in the outbox and could not publish itself
(it died before Redis came back). A process that lives through an outage does not wait for
this: its recovery task (dispatch/jobs/recovery.py) does both as soon as Redis answers.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from dispatch.config import get_settings
from dispatch.db import session_scope
from dispatch.jobs.queue import enqueue_safely
from dispatch.orders import service as orders
from dispatch.sqltypes import utcnow

log = logging.getLogger(__name__)
BATCH = 200
PAGE = 5000


def sweep_once(now: datetime | None = None, stale_seconds: int | None = None,
               job_prefix: str = "sweep") -> int:
    """Enqueue routing for stale received orders in batches; returns how many were found."""
    now = now or utcnow()
    stale = stale_seconds if stale_seconds is not None else get_settings().sweeper_stale_seconds
    found, after = 0, 0
    while True:
        with session_scope() as session:
            ids = orders.stale_received(session, older_than=now - timedelta(seconds=stale),
                                        limit=PAGE, after_id=after)
        for i in range(0, len(ids), BATCH):
            batch = ids[i:i + BATCH]
            if not enqueue_safely("dispatch.jobs.tasks.route_orders", batch,
                                  job_id=f"{job_prefix}-{batch[0]}-{batch[-1]}-"
                                         f"{int(now.timestamp()) // 60}"):
                return found + i      # Redis is away: its recovery task sweeps again
        found += len(ids)
        if len(ids) < PAGE:
            break
        after = ids[-1]
    if found:
        log.info("%s re-enqueued %d received orders", job_prefix, found)
    return found


def run_forever(stop: threading.Event) -> None:
    from dispatch.realtime.broker import get_broker

    interval = get_settings().sweeper_interval_seconds
    while not stop.wait(interval):
        try:
            sweep_once()
            get_broker().publish_outbox()
        except Exception:  # the database or Redis may be down for a moment; next round
            log.exception("sweep failed")


def start_background(stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=run_forever, args=(stop,), name="sweeper", daemon=True)
    thread.start()
    return thread
