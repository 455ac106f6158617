"""Exports as background jobs: POST answers 202 at once; poll the job; fetch the file when done."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from dispatch.deps import CurrentPrincipal, SessionDep
from dispatch.errors import Conflict
from dispatch.exports import flows, service
from dispatch.exports.enums import ExportKind, ExportStatus
from dispatch.exports.models import ExportJob

router = APIRouter(prefix="/exports", tags=["exports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ExportRequest(BaseModel):
    kind: ExportKind
    filters: dict[str, Any] = Field(default_factory=dict, description="orders: state, unit_id, "
                                    "channel, category, overdue, q (as the order list); kpi: unit_id, "
                                    "group_by, period, at, count, channel, category; overdue: unit_id, limit; "
                                    "report: unit_id, month (YYYY-MM, default the month before)")


class ExportPublic(BaseModel):
    id: str
    kind: str
    status: ExportStatus
    rows_done: int
    rows_total: int | None
    percent: float | None
    filename: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    file_url: str | None


def to_public(job: ExportJob) -> ExportPublic:
    percent = 100.0 if job.status == ExportStatus.done.value else (
        round(100 * job.rows_done / job.rows_total, 1) if job.rows_total else None)
    done = job.status == ExportStatus.done.value
    return ExportPublic(**job.model_dump(exclude={"status"}), status=ExportStatus(job.status),
                        percent=percent, file_url=f"/api/v1/exports/{job.id}/file" if done else None)


@router.post("", response_model=ExportPublic, status_code=202)
def start(body: ExportRequest, session: SessionDep, principal: CurrentPrincipal) -> ExportPublic:
    """Queue an export of the orders within your reach (or KPIs / overdue orders); poll it."""
    return to_public(flows.start_export(session, principal=principal, kind=body.kind,
                                        filters=body.filters))


@router.get("/{job_id}", response_model=ExportPublic)
def status(job_id: str, session: SessionDep, principal: CurrentPrincipal) -> ExportPublic:
    """Status and progress (rows done of the total, percent) of one of your exports."""
    return to_public(service.get_own(session, job_id=job_id, user_id=principal.user.id))


@router.get("/{job_id}/file", response_class=FileResponse,
            responses={200: {"content": {XLSX: {}, DOCX: {}}}, 409: {"description": "not finished yet"}})
def download(job_id: str, session: SessionDep, principal: CurrentPrincipal) -> FileResponse:
    job = service.get_own(session, job_id=job_id, user_id=principal.user.id)
    if job.status != ExportStatus.done.value or not job.storage_key:
        raise Conflict(f"export {job_id} is {job.status}, not done")
    docx = job.storage_key.endswith(".docx")
    return FileResponse(service.storage_dir() / job.storage_key, media_type=DOCX if docx else XLSX,
                        filename=job.filename or job.storage_key)
