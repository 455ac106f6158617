"""Start an export: check the role and filters, store the job, queue it (never runs in the request)."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from dispatch.deps import Principal
from dispatch.errors import Forbidden, Invalid
from dispatch.exports import service
from dispatch.exports.enums import ExportKind
from dispatch.exports.filters import FILTERS, ROLES
from dispatch.exports.models import ExportJob
from dispatch.jobs.queue import get_queue

TASK = "dispatch.exports.tasks.run_export"


def start_export(session: Session, *, principal: Principal, kind: ExportKind,
                 filters: dict[str, Any]) -> ExportJob:
    roles = ROLES[kind.value]
    if roles is not None and principal.role not in roles:
        raise Forbidden(f"role {principal.role.value} may not export {kind.value}")
    try:
        params = FILTERS[kind.value](**filters).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        raise Invalid(f"filters for {kind.value}: {exc.errors()[0]['loc'][0]}: "
                      f"{exc.errors()[0]['msg']}") from None
    job = service.create(session, kind=kind.value, params=params, user_id=principal.user.id)
    # a long job: its own thread in the embedded queue, a long timeout on RQ
    get_queue().enqueue(TASK, job.id, job_id=f"export-{job.id}", long_running=True)
    return job
