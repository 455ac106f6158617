"""The SLA domain's background exports: the KPI table and the overdue list as .xlsx files.

Run by the core's export job (`dispatch.exports.tasks`), which names them by import path in
`WRITERS`; the job row, its progress and the file's storage stay the core's.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session

from dispatch.deps import Principal
from dispatch.exports import service
from dispatch.exports.models import ExportJob
from dispatch.exports.tasks import _store
from dispatch.sqltypes import utcnow
from sla import current, export, reports
from sla.views import KpiQuery, _scope


def write_kpi(session: Session, job: ExportJob, principal: Principal) -> tuple[Path, str]:
    params = dict(job.params)
    if params.get("at"):
        params["at"] = date.fromisoformat(params["at"])
    q = KpiQuery(**params)
    service.start(session, job_id=job.id, total=None)
    table = q.table(session, principal)
    span = table.periods[0].label + (f"~{table.periods[-1].label}" if len(table.periods) > 1 else "")
    title = f"{table.scope.name} {span} 考核指标（按{reports.GROUP_NAMES[q.group_by]}）"
    content = export.kpi_workbook(table, title=title)
    path = _store(job, lambda p: p.write_bytes(content))
    service.set_fields(session, job_id=job.id, rows_done=len(table.rows), rows_total=len(table.rows))
    return path, f"kpi-{table.scope.id}-{span}.xlsx"


def write_overdue(session: Session, job: ExportJob, principal: Principal) -> tuple[Path, str]:
    scope = _scope(session, principal, job.params.get("unit_id"))
    service.start(session, job_id=job.id, total=None)
    rows = reports.overdue_list(session, scope=scope, now=utcnow(), calendar=current.calendar(),
                                limit=int(job.params.get("limit") or 100_000))
    title = f"{scope.name} 超期工单（导出于 {utcnow().astimezone(current.calendar().tz):%Y-%m-%d %H:%M}）"
    content = export.overdue_workbook(rows, title=title)
    path = _store(job, lambda p: p.write_bytes(content))
    service.set_fields(session, job_id=job.id, rows_done=len(rows), rows_total=len(rows))
    return path, f"overdue-{scope.id}.xlsx"
