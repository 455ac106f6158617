"""Re-enqueue orders that stayed "received" too long, so an acknowledged order is never lost."""
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


def sweep_once(now: datetime | None = None, stale_seconds: int | None = None) -> int:
    """Enqueue routing for stale received orders in batches; returns how many were found."""
    now = now or utcnow()
    stale = stale_seconds if stale_seconds is not None else get_settings().sweeper_stale_seconds
    with session_scope() as session:
        ids = orders.stale_received(session, older_than=now - timedelta(seconds=stale), limit=5000)
    for i in range(0, len(ids), BATCH):
        batch = ids[i:i + BATCH]
        enqueue_safely("dispatch.jobs.tasks.route_orders", batch,
                       job_id=f"sweep-{batch[0]}-{batch[-1]}-{int(now.timestamp()) // 60}")
    if ids:
        log.info("sweeper re-enqueued %d received orders", len(ids))
    return len(ids)


def run_forever(stop: threading.Event) -> None:
    interval = get_settings().sweeper_interval_seconds
    while not stop.wait(interval):
        try:
            sweep_once()
        except Exception:  # the database may be down for a moment; try again next round
            log.exception("sweep failed")


def start_background(stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=run_forever, args=(stop,), name="sweeper", daemon=True)
    thread.start()
    return thread
