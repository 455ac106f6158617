"""Knowledge base: everyone signed in searches it; the centre's administrators maintain it."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dispatch.deps import CentreAdminDep, CurrentPrincipal, SessionDep
from dispatch.knowledge import service as kb
from dispatch.knowledge.models import KbEntryPublic, KbEntryWrite, KbHit

router = APIRouter(prefix="/knowledge", tags=["knowledge"])


@router.get("", response_model=list[KbHit])
def search(session: SessionDep, principal: CurrentPrincipal,
           q: Annotated[str | None, Query(max_length=2000)] = None,
           category: Annotated[str | None, Query(max_length=64)] = None,
           limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[KbHit]:
    """With q: the relevant entries ranked by BM25 (an entry sharing only everyday words with q is
    left out: dispatch.knowledge.index). Without: newest first, score 0."""
    if q and q.strip():
        hits = kb.search(session, q=q, limit=limit)
    else:
        hits = [(e, 0.0) for e in kb.recent(session, category=category, limit=limit)]
    return [KbHit(entry=KbEntryPublic(**e.model_dump()), score=s) for e, s in hits]


@router.get("/{entry_id}", response_model=KbEntryPublic)
def get(entry_id: int, session: SessionDep, principal: CurrentPrincipal) -> KbEntryPublic:
    return KbEntryPublic(**kb.get_entry(session, entry_id=entry_id).model_dump())


@router.post("", response_model=KbEntryPublic, status_code=201)
def create(body: KbEntryWrite, session: SessionDep, admin: CentreAdminDep) -> KbEntryPublic:
    entry = kb.create_entry(session, data=body, username=admin.user.username)
    return KbEntryPublic(**entry.model_dump())


@router.put("/{entry_id}", response_model=KbEntryPublic)
def replace(entry_id: int, body: KbEntryWrite, session: SessionDep,
            admin: CentreAdminDep) -> KbEntryPublic:
    entry = kb.update_entry(session, entry_id=entry_id, data=body, username=admin.user.username)
    return KbEntryPublic(**entry.model_dump())


@router.delete("/{entry_id}", status_code=204)
def delete(entry_id: int, session: SessionDep, admin: CentreAdminDep) -> None:
    kb.delete_entry(session, entry_id=entry_id)
