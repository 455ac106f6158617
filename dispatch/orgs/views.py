"""The org tree for the unit picker and the console's breakdowns."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dispatch.deps import CurrentPrincipal, SessionDep
from dispatch.errors import NotFound
from dispatch.orgs import service as orgs
from dispatch.orgs.models import OrgUnitPublic

router = APIRouter(prefix="/units", tags=["org"])


@router.get("", response_model=list[OrgUnitPublic])
def search(session: SessionDep, principal: CurrentPrincipal,
           q: Annotated[str, Query(min_length=1, max_length=50)],
           under: str | None = None,
           limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[OrgUnitPublic]:
    base = orgs.get_unit(session, under) if under else None
    rows = orgs.search_units(session, q=q, under_path=base.path if base else None, limit=limit)
    return [OrgUnitPublic(**u.model_dump()) for u in rows]


@router.get("/{unit_id}", response_model=OrgUnitPublic)
def get(unit_id: str, session: SessionDep, principal: CurrentPrincipal) -> OrgUnitPublic:
    unit = orgs.get_unit(session, unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found")
    return OrgUnitPublic(**unit.model_dump())


@router.get("/{unit_id}/children", response_model=list[OrgUnitPublic])
def children(unit_id: str, session: SessionDep, principal: CurrentPrincipal) -> list[OrgUnitPublic]:
    return [OrgUnitPublic(**u.model_dump()) for u in orgs.children(session, unit_id)]
