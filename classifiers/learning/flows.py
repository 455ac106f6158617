"""The learning loop's orchestration: listen to dispatches, start and run retrainings, promote.

`on_order_event` is an order listener (dispatch/hooks.py): after a dispatcher's dispatch is
committed it stores the labelled example the timeline teaches, if any. `request_retraining`
queues one run at a time; the job `classifiers.jobs.retrain` calls `run_retraining`.
"""
from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from classifiers.learning import rules
from classifiers.learning import service as learning
from classifiers.learning.models import RetrainingRun
from classifiers.model_store import ModelStore
from classifiers.training import load_examples
from dispatch.config import get_settings
from dispatch.db import session_scope
from dispatch.errors import Conflict, NotFound, Unavailable
from dispatch.jobs.queue import get_queue
from dispatch.orders import service as orders
from dispatch.orders.models import Order
from dispatch.sqltypes import utcnow

log = logging.getLogger(__name__)
JOB = "classifiers.jobs.retrain"


def job_id(run_id: int) -> str:
    return f"retrain-{run_id}"


def on_order_event(session: Session, *, order: Order, action: str) -> None:
    """Order listener: a dispatch that corrects the category becomes a labelled example."""
    if action != "dispatch":
        return
    entries = orders.timeline(session, order_id=order.id)
    taught = rules.example_source([(e.action, e.data or {}) for e in entries])
    if taught is None or not (order.content or "").strip():
        return
    label, source = taught
    last = entries[-1]
    if learning.add_example(session, text=order.content.strip(), label=label, source=source,
                            order_id=order.id, timeline_id=last.id,
                            created_by=last.actor_user_id) is None:
        return
    session.commit()
    log.info("order %s teaches %s (%s)", order.number, label, source)
    _maybe_retrain(session)


def _maybe_retrain(session: Session) -> None:
    threshold = get_settings().retrain_after_examples
    if threshold <= 0:
        return
    if rules.should_retrain(learning.count_unused(session), threshold,
                            learning.active_run(session) is not None):
        try:
            request_retraining(session, trigger="threshold", requested_by=None)
        except (Conflict, Unavailable) as exc:
            log.info("no retraining started: %s", exc.message)


def request_retraining(session: Session, *, trigger: str, requested_by: int | None,
                       enqueue: bool = True) -> RetrainingRun:
    """Queue a retraining; 409 while another is queued or running (one at a time)."""
    _release_stale(session)
    try:
        run = learning.new_run(session, trigger=trigger, requested_by=requested_by)
        session.commit()
    except IntegrityError:
        session.rollback()
        active = learning.active_run(session)
        raise Conflict("a retraining is already queued or running",
                       details={"run_id": active.id if active else None})
    if enqueue:
        try:
            get_queue().enqueue(JOB, run.id, job_id=job_id(run.id), long_running=True)
        except Exception as exc:  # Redis down: free the slot rather than block every later run
            learning.finish(run, status="failed", error=f"could not enqueue: {exc}")
            session.commit()
            raise Unavailable("the job queue is unavailable; try again") from exc
    return run


def _release_stale(session: Session) -> None:
    active = learning.active_run(session)
    if active is not None and rules.is_stale(active.updated_at, utcnow()):
        learning.finish(active, status="failed", error="no progress reported: its worker stopped")
        session.commit()


def run_retraining(run_id: int, store: ModelStore | None = None, progress: bool = False) -> str:
    """Train a candidate on the base set + every usable stored example; promote if not worse.

    Safe to re-run: a finished run is skipped. Returns promoted | kept | unchanged (the model in
    use learned exactly these examples already) | failed | skipped.
    """
    store = store or learning.model_store()
    with session_scope() as session:
        run = session.get(RetrainingRun, run_id)
        if run is None or run.status not in ("queued", "running"):
            return "skipped"
        _stage(session, run, "collecting", status="running")
        try:
            used, skipped = _training_examples(session, store)
            run.current_version = store.current_version()
            run.example_ids, run.skipped = [e.id for e in used], dict(skipped)
            if run.current_version and _pairs(used) == _pairs(store.extra_examples(run.current_version)):
                learning.finish(run, status="done", stage="nothing_new")
                return "unchanged"   # the model in use learned exactly these: minutes saved
            report = store.evaluate_candidate([(e.text, e.label) for e in used],
                                              progress=progress, include_current_extra=False,
                                              on_stage=lambda name: _stage(session, run, name))
        except Exception as exc:
            log.exception("retraining %s failed", run_id)
            session.rollback()
            run = session.get(RetrainingRun, run_id)
            learning.finish(run, status="failed", error=f"{type(exc).__name__}: {exc}")
            return "failed"
        learning.mark_used(session, ids=run.example_ids, version=report.candidate_version)
        run.candidate_version, run.promoted = report.candidate_version, report.promoted
        run.metrics = {"candidate": report.candidate, "current": report.current}
        learning.finish(run, status="done")
    log.info("retraining %s: %s %s", run_id, report.candidate_version,
             "promoted" if report.promoted else "kept (worse than current)")
    return "promoted" if report.promoted else "kept"


def _pairs(examples) -> set[tuple[str, str]]:
    return {(e.text, e.label) for e in examples}


def _training_examples(session: Session, store: ModelStore):
    rows = learning.examples(session)
    candidates = [rules.Candidate(r.id, r.text, r.label) for r in rows]
    known = {e.label for e in load_examples(store.base_csv)}
    return rules.select_examples(candidates, known_labels=known,
                                 validation_texts=store.validation_texts())


def _stage(session: Session, run: RetrainingRun, stage: str, status: str | None = None) -> None:
    """Report progress: committed at once, so the status endpoint and other processes see it."""
    learning.set_stage(run, stage=stage, progress=rules.STAGE_PROGRESS.get(stage, run.progress),
                       status=status)
    session.commit()


def promote(version: str, store: ModelStore | None = None) -> str:
    """Make a stored version current; every router picks it up on its next order."""
    store = store or learning.model_store()
    try:
        store.promote(version)
    except FileNotFoundError as exc:
        raise NotFound(str(exc)) from exc
    return version


def rollback(store: ModelStore | None = None) -> str:
    """Back to the version promoted before the current one."""
    store = store or learning.model_store()
    try:
        return store.rollback()
    except LookupError as exc:
        raise Conflict(str(exc)) from exc
