"""The monthly report as a background export: `dispatch.exports` runs it by import path
(`WRITERS`), as it runs the SLA domain's KPI exports; the core never imports this package."""
from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from dispatch.deps import Principal
from dispatch.exports import service
from dispatch.exports.models import ExportJob
from dispatch.exports.tasks import _store
from dispatch.sqltypes import utcnow
from console_ui.monthly import document
from console_ui.monthly import flows as monthly
from sla import current
from sla.views import _scope

def write_report(session: Session, job: ExportJob, principal: Principal) -> tuple[Path, str]:
    """The monthly report (console_ui/monthly): figures frozen once the month is over, then the
    Word document written from them, one progress step per section."""

    scope = _scope(session, principal, job.params.get("unit_id"))
    service.start(session, job_id=job.id, total=document.STEPS + 1)
    month = monthly.month_of(job.params.get("month"), current.today())
    snap = monthly.snapshot(session, scope=scope, month=month, now=utcnow())
    service.set_fields(session, job_id=job.id, rows_done=1)
    content = document.render(snap.figures, progress=lambda step: service.set_fields(
        session, job_id=job.id, rows_done=1 + step))
    path = _store(job, lambda p: p.write_bytes(content), ".docx")
    return path, f"运行分析月报-{scope.name}-{snap.period}.docx"
