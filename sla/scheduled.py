"""Periodic SLA jobs: escalate open hops, and redo KPI facts a failed listener left behind.

Production: every process that runs ``start_background`` (the API, or ``python -m sla.scheduled
loop``) beats once a minute, and the first beat to claim the minute in Redis enqueues the RQ job
with a deterministic id (``sla-escalate-YYYYmmddHHMM``); the jobs themselves are safe to re-run.
Embedded mode: the beat runs the jobs in-process.
"""
from __future__ import annotations

import argparse
import logging
import threading
from datetime import datetime, timedelta

from sqlmodel import Session

from dispatch.config import get_settings
from dispatch.db import get_engine
from dispatch.jobs.queue import enqueue_safely, get_queue, resolve
from dispatch.sqltypes import utcnow
from sla import aggregates, current, flows, service
from sla.config import get_sla_settings
from sla.escalation import LEVELS, chase_at, due_escalations

log = logging.getLogger(__name__)
BATCH = 2000
ESCALATE_JOB = "sla.scheduled.run_escalations"
RECONCILE_JOB = "sla.scheduled.reconcile_kpis"
MONTHLY_JOB = "console_ui.monthly.scheduled.freeze_last_month"  # hourly: last month's report figures (by
#                                   import path: sla never imports the console built on it)


def _parse(now_iso: str | None) -> datetime:
    return datetime.fromisoformat(now_iso) if now_iso else utcnow()


def run_escalations(now_iso: str | None = None) -> dict[str, int]:
    """Apply every due escalation level to open hops; returns how many of each were recorded."""
    now, settings = _parse(now_iso), get_sla_settings().escalation
    calendar = current.calendar()
    done = {level: 0 for level in LEVELS}
    after = 0
    while True:
        with Session(get_engine()) as session:
            rows = service.open_hops(session, after_id=after, limit=BATCH)
        for hop_id, started_at, deadline, recorded in rows:
            # Nothing is due before the chase window opens, nor after the last level; and only
            # a hop with a level due now is locked and checked again (most overdue hops wait).
            if "criticise" in recorded or now < chase_at(started_at, deadline, settings) \
                    or not due_escalations(started_at=started_at, deadline=deadline, now=now,
                                           calendar=calendar, recorded=recorded, settings=settings):
                continue
            try:
                events = flows.escalate_hop(hop_id=hop_id, now=now, calendar=calendar,
                                            settings=settings)
            except Exception:  # one hop's failure must not hold up the others; next run retries
                log.exception("escalation of hop %s failed", hop_id)
                continue
            for event in events:
                done[event["level"]] += 1
        if len(rows) < BATCH:
            break
        after = rows[-1][0]
    if any(done.values()):
        log.info("escalations recorded: %s", done)
    return done


def reconcile_kpis(now_iso: str | None = None) -> int:
    """Refresh the KPI facts of orders changed without their listener having run, and add the
    KPI buckets a bulk import that stopped half-way left staged."""
    now = _parse(now_iso)
    with get_engine().begin() as conn:
        if folded := aggregates.fold_import_stage(conn):
            log.info("KPI reconcile: %d staged import buckets added", folded)
    since = now - timedelta(hours=get_sla_settings().reconcile_lookback_hours)
    refreshed = 0
    with Session(get_engine()) as session:
        ids = aggregates.stale_order_ids(session, since=since)
    for i in range(0, len(ids), 200):
        with Session(get_engine()) as session:
            refreshed += aggregates.refresh_orders(session, ids[i:i + 200])
    if ids:
        log.info("KPI reconcile: %d orders behind, %d changed aggregates", len(ids), refreshed)
    return len(ids)


def _claim(key: str) -> bool:
    """True for the first process to claim ``key`` (Redis SET NX); always True without Redis."""
    redis = getattr(get_queue(), "redis", None)
    return True if redis is None else bool(redis.set(key, "1", nx=True, ex=3600))


_last_slot: dict[str, int] = {}


def tick(now: datetime | None = None) -> list[str]:
    """One beat: each job whose slot (a minute; N minutes for reconcile) is new, run in-process
    (embedded) or enqueued once across processes (RQ, claimed in Redis); returns the job ids."""
    now = now or utcnow()
    epoch = int(now.timestamp())
    every = max(get_sla_settings().reconcile_minutes, 1) * 60
    started = []
    for func_path, slot, job_id in ((ESCALATE_JOB, epoch // 60, f"sla-escalate-{now:%Y%m%d%H%M}"),
                                    (RECONCILE_JOB, epoch // every, f"sla-reconcile-{epoch // every}"),
                                    (MONTHLY_JOB, epoch // 3600, f"monthly-freeze-{now:%Y%m%d%H}")):
        if _last_slot.get(func_path) == slot:
            continue
        _last_slot[func_path] = slot
        if get_settings().embedded_queue:
            _run_here(func_path)
        elif not _claim(f"hotline:{job_id}") or not enqueue_safely(func_path, job_id=job_id):
            continue
        started.append(job_id)
    return started


def _run_here(func_path: str) -> None:
    try:
        resolve(func_path)()
    except Exception:  # the database may be away for a moment; the next beat tries again
        log.exception("%s failed", func_path)


def run_forever(stop: threading.Event) -> None:
    interval = get_sla_settings().tick_seconds
    while not stop.wait(interval):
        try:
            tick()
        except Exception:
            log.exception("SLA beat failed")


def start_background(stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=run_forever, args=(stop,), name="sla-beat", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sla.scheduled", description=__doc__)
    parser.add_argument("job", choices=["loop", "tick", "escalate", "reconcile", "rebuild"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.job == "loop":
        run_forever(threading.Event())
    elif args.job == "rebuild":
        with Session(get_engine()) as session:
            print(f"rebuilt KPI aggregates from {aggregates.rebuild(session)} orders")
    else:
        print({"tick": tick, "escalate": run_escalations, "reconcile": reconcile_kpis}[args.job]())


if __name__ == "__main__":
    main()
