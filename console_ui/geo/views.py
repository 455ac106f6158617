"""The dashboard's map: the loaded city's polygons for a unit, and its orders with coordinates."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dispatch.client_dates import ClientDate
from dispatch.config import get_settings
from dispatch.deps import SessionDep
from dispatch.errors import Invalid
from console_ui.geo import flows
from console_ui.geo.schemas import GeoMap, MapPoints
from sla import current
# the KPI endpoints' roles, scope and reach check: the map shows what they show
from sla.views import Analyst, _scope

router = APIRouter(prefix="/geo", tags=["geo"])


@router.get("/map", response_model=GeoMap)
def geo_map(session: SessionDep, principal: Analyst, unit_id: str | None = None) -> GeoMap:
    """The unit's map: at the city, the counties' polygons (GeoJSON, matched to units by code);
    at a county, its outline. Every territorial child is listed, with or without a polygon."""
    s = get_settings()
    return flows.geo_map(session, scope=_scope(session, principal, unit_id), geo_file=s.geo_file,
                         aliases_file=s.aliases_file)


@router.get("/points", response_model=MapPoints)
def geo_points(session: SessionDep, principal: Analyst, unit_id: str | None = None,
               period: str = "month", at: ClientDate | None = None,
               limit: Annotated[int, Query(ge=1, le=5000)] = 2000) -> MapPoints:
    """Orders with coordinates (WeChat locations, the app, grid events) placed in the unit's
    area and received in the day, week or month containing ``at``, newest first."""
    try:
        return flows.points(session, scope=_scope(session, principal, unit_id), period=period,
                            day=at or current.today(), tz=get_settings().tz, limit=limit)
    except ValueError as exc:
        raise Invalid(str(exc)) from None
