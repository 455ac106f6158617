"""Plain reads and writes of export jobs (no queue)."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import Session

from dispatch.config import get_settings
from dispatch.errors import NotFound
from dispatch.exports.enums import ExportStatus
from dispatch.exports.models import ExportJob
from dispatch.sqltypes import utcnow


def storage_dir() -> Path:
    folder = get_settings().var_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def create(session: Session, *, kind: str, params: dict[str, Any], user_id: int) -> ExportJob:
    job = ExportJob(id=secrets.token_hex(16), kind=kind, params=params, user_id=user_id)
    session.add(job)
    session.commit()
    return job


def get_own(session: Session, *, job_id: str, user_id: int) -> ExportJob:
    """The job if it is the user's; 404 otherwise (someone else's job is not disclosed)."""
    job = session.get(ExportJob, job_id)
    if job is None or job.user_id != user_id:
        raise NotFound(f"export {job_id} not found")
    return job


def set_fields(session: Session, *, job_id: str, **fields: Any) -> None:
    session.execute(update(ExportJob).where(ExportJob.id == job_id).values(**fields))
    session.commit()


def start(session: Session, *, job_id: str, total: int | None) -> None:
    set_fields(session, job_id=job_id, status=ExportStatus.running.value, rows_total=total,
               rows_done=0, started_at=utcnow(), error=None)
