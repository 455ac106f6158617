"""The export job: streams rows from the database into an .xlsx file, reporting its progress.

Orders are read through a server-side cursor (``yield_per``) and written by openpyxl in
write-only mode, so memory stays flat however many rows there are. Progress goes to the job
row on its own connection every ``PROGRESS_EVERY`` rows.
"""
from __future__ import annotations

import logging
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlmodel import Session

from dispatch.auth.models import User
from dispatch.db import get_engine
from dispatch.deps import Principal
from dispatch.errors import DomainError
from dispatch.exports import service
from dispatch.exports.enums import ExportKind, ExportStatus
from dispatch.exports.models import ExportJob
from dispatch.exports.sheets import HEADERS, READ, order_row
from dispatch.jobs.queue import resolve
from dispatch.orders import service as orders
from dispatch.orders.enums import CHANNEL_NAMES
from dispatch.orders.models import Order
from dispatch.orgs.models import OrgUnit
from dispatch.sqltypes import utcnow
from dispatch.xlsx import literal

log = logging.getLogger(__name__)
PROGRESS_EVERY = 10_000
FETCH = 5_000


def run_export(job_id: str) -> None:
    """Safe to re-run: a finished job is left alone, an unfinished one starts again."""
    engine = get_engine()
    with Session(engine, expire_on_commit=False) as session:
        job = session.get(ExportJob, job_id)
        if job is None or job.status == ExportStatus.done.value:
            return
        user = session.get(User, job.user_id)
        principal = Principal(user=user, unit=session.get(OrgUnit, user.unit_id))
        try:
            path, filename = resolve(WRITERS[ExportKind(job.kind)])(session, job, principal)
        except (DomainError, ValueError) as exc:   # the request itself was wrong: no retry
            service.set_fields(session, job_id=job_id, status=ExportStatus.failed.value,
                               error=str(getattr(exc, "message", exc)), finished_at=utcnow())
            return
        except Exception as exc:
            session.rollback()
            service.set_fields(session, job_id=job_id, status=ExportStatus.failed.value,
                               error=f"导出失败: {type(exc).__name__}", finished_at=utcnow())
            raise
        service.set_fields(session, job_id=job_id, status=ExportStatus.done.value,
                           storage_key=path.name, filename=filename, finished_at=utcnow())


def _progress(job_id: str):
    """A reporter with its own session, so progress commits never touch the streaming read."""
    session = Session(get_engine())

    def report(done: int, final: bool = False) -> None:
        if final or done % PROGRESS_EVERY == 0:
            service.set_fields(session, job_id=job_id, rows_done=done)
            if final:
                session.close()
    return report


def _store(job: ExportJob, save, suffix: str = ".xlsx") -> Path:
    """``save(path)`` writes beside the final name; the file appears whole or not at all."""
    path = service.storage_dir() / f"{job.id}{suffix}"
    tmp = path.with_suffix(".part")
    save(tmp)
    tmp.replace(path)
    return path


def write_orders(session: Session, job: ExportJob, principal: Principal) -> tuple[Path, str]:
    from dispatch.exports.filters import OrderExportFilters

    flt = OrderExportFilters(**job.params).order_filter(session, principal)
    now = utcnow()
    count = orders.filtered(select(func.count()).select_from(Order), reach_path=principal.unit.path,
                            flt=flt, now=now)
    total = session.execute(count).scalar_one()
    service.start(session, job_id=job.id, total=total)
    report = _progress(job.id)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("工单明细")
    ws.append(HEADERS)
    stmt = orders.filtered(select(*[getattr(Order, c) for c in READ]),
                           reach_path=principal.unit.path, flt=flt, now=now)
    done = 0
    rows = session.execute(stmt.order_by(Order.id.desc()).execution_options(yield_per=FETCH))
    for values in rows:
        ws.append([literal(ws, v) for v in order_row(values, principal.role, CHANNEL_NAMES)])
        done += 1
        report(done)
    report(done, final=True)
    return _store(job, wb.save), f"工单明细-{principal.unit.name}-{now:%Y%m%d%H%M}.xlsx"


# The SLA domain's exports, by import path (as dispatch.hooks names listeners): the core never
# imports sla, which is built on it (docs/architecture.md).
WRITERS = {ExportKind.orders: "dispatch.exports.tasks.write_orders",
           ExportKind.kpi: "sla.export_jobs.write_kpi",
           ExportKind.overdue: "sla.export_jobs.write_overdue",
           ExportKind.report: "console_ui.monthly.jobs.write_report"}
