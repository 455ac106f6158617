"""Admin endpoints of the learning loop (versions, retraining runs, promote and roll back), and
the categories a dispatcher may choose from."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from classifiers.learning import flows
from classifiers.learning import service as learning
from classifiers.learning.models import RetrainingRun
from classifiers.learning.schemas import CurrentPublic, ExamplePublic, RunPublic, VersionPublic
from classifiers.routing import _classifier
from dispatch.deps import CentreAdminDep, CurrentPrincipal, SessionDep
from dispatch.errors import NotFound

Admin = CentreAdminDep        # one model serves every county
Version = Annotated[str, Path(pattern=r"^[0-9A-Za-z][0-9A-Za-z-]{0,39}$")]   # as ModelStore names them
router = APIRouter(prefix="/classifier", tags=["classifier learning"])


def _run_public(run: RetrainingRun) -> RunPublic:
    return RunPublic(**run.model_dump(), job_id=flows.job_id(run.id))


@router.get("/categories", response_model=list[str])
async def categories(_: CurrentPrincipal) -> list[str]:
    """The categories the model in use knows: what a dispatcher picks from when correcting one."""
    return (await run_in_threadpool(_classifier)).classes


@router.get("/versions", response_model=list[VersionPublic])
async def versions(_: Admin) -> list[VersionPublic]:
    """Every stored model version with its metrics, newest first; `current` marks the one in use."""
    rows = await run_in_threadpool(learning.model_store().versions)
    return [VersionPublic(**v) for v in reversed(rows)]


@router.post("/versions/{version}/promote", response_model=CurrentPublic)
def promote(version: Version, _: Admin) -> CurrentPublic:
    return CurrentPublic(current=flows.promote(version))


@router.post("/rollback", response_model=CurrentPublic)
def rollback(_: Admin) -> CurrentPublic:
    """Back to the version promoted before the current one."""
    return CurrentPublic(current=flows.rollback())


@router.post("/retrainings", response_model=RunPublic, status_code=202)
def start_retraining(session: SessionDep, principal: Admin) -> RunPublic:
    """Queue a retraining (409 while one is queued or running); follow it by its id."""
    run = flows.request_retraining(session, trigger="admin", requested_by=principal.user.id)
    return _run_public(run)


@router.get("/retrainings", response_model=list[RunPublic])
def list_retrainings(session: SessionDep, _: Admin) -> list[RunPublic]:
    return [_run_public(r) for r in learning.runs(session)]


@router.get("/retrainings/{run_id}", response_model=RunPublic)
def get_retraining(run_id: int, session: SessionDep, _: Admin) -> RunPublic:
    run = session.get(RetrainingRun, run_id)
    if run is None:
        raise NotFound(f"retraining {run_id} not found")
    return _run_public(run)


@router.get("/examples", response_model=list[ExamplePublic])
def list_examples(session: SessionDep, _: Admin,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ExamplePublic]:
    """The labelled examples from corrections and returns, newest first."""
    return [ExamplePublic(**e.model_dump())
            for e in learning.examples(session, limit=limit, newest_first=True)]
