"""Reads and writes of the learning loop's rows, and the application's model store."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, update
from sqlmodel import Session, select

from classifiers.learning.models import RetrainingRun, TrainingExample
from classifiers.model_store import ModelStore
from classifiers.training import TRAIN_CSV
from dispatch.config import get_settings
from dispatch.sqltypes import utcnow

ACTIVE = "retrain"


def model_store() -> ModelStore:
    """The store the routers read (``HOTLINE_VAR_DIR/models``), based on the retraining base set."""
    s = get_settings()
    return ModelStore(s.var_dir / "models", base_csv=s.retrain_base_csv or TRAIN_CSV)


def add_example(session: Session, *, text: str, label: str, source: str, order_id: int | None,
                timeline_id: int | None, created_by: int | None) -> TrainingExample | None:
    """Store an example once per timeline entry; None when that entry already gave one."""
    if timeline_id is not None and session.exec(
            select(TrainingExample.id).where(TrainingExample.timeline_id == timeline_id)).first():
        return None
    example = TrainingExample(text=text, label=label, source=source, order_id=order_id,
                              timeline_id=timeline_id, created_by=created_by)
    session.add(example)
    return example


def examples(session: Session, *, limit: int | None = None, newest_first: bool = False
             ) -> list[TrainingExample]:
    order = TrainingExample.id.desc() if newest_first else TrainingExample.id
    stmt = select(TrainingExample).order_by(order)
    return list(session.exec(stmt.limit(limit) if limit else stmt).all())


def count_unused(session: Session) -> int:
    return session.exec(select(func.count()).select_from(TrainingExample)
                        .where(TrainingExample.used_in_version.is_(None))).one()


def mark_used(session: Session, *, ids: Sequence[int], version: str) -> None:
    if ids:
        session.exec(update(TrainingExample).where(TrainingExample.id.in_(list(ids)))
                     .values(used_in_version=version))


def active_run(session: Session) -> RetrainingRun | None:
    return session.exec(select(RetrainingRun).where(RetrainingRun.active == ACTIVE)).first()


def runs(session: Session, *, limit: int = 20) -> list[RetrainingRun]:
    return list(session.exec(select(RetrainingRun).order_by(RetrainingRun.id.desc())
                             .limit(limit)).all())


def new_run(session: Session, *, trigger: str, requested_by: int | None) -> RetrainingRun:
    run = RetrainingRun(active=ACTIVE, trigger=trigger, requested_by=requested_by)
    session.add(run)
    session.flush()
    return run


def set_stage(run: RetrainingRun, *, stage: str, progress: int, status: str | None = None) -> None:
    run.stage, run.progress, run.updated_at = stage, progress, utcnow()
    if status:
        run.status = status


def finish(run: RetrainingRun, *, status: str, error: str | None = None,
           stage: str | None = None) -> None:
    """Done or failed: the run stops holding the one-at-a-time slot."""
    set_stage(run, stage=stage or status, progress=100, status=status)
    run.active, run.finished_at, run.error = None, utcnow(), error
