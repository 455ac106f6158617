"""The map's API shapes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class MapUnit(BaseModel):
    unit_id: str
    name: str
    has_polygon: bool
    matched_by: str | None = None          # code | alias | name
    geo_name: str | None = None            # the polygon's name in the boundary file


class GeoMap(BaseModel):
    unit_id: str
    unit_name: str
    level: str
    map_name: str                          # the name to register the polygons under
    geojson: dict[str, Any] | None         # None: no boundary file, or no polygon for the unit
    units: list[MapUnit]                   # the unit's children, each with or without a polygon
    polygons_without_unit: list[str]       # names in the boundary file no unit matched
    note: str = ""


class MapPoint(BaseModel):
    order_id: int
    number: str | None
    title: str
    channel: str
    state: str
    latitude: float
    longitude: float
    received_at: datetime


class MapPoints(BaseModel):
    unit_id: str
    period: str
    start: datetime
    end: datetime
    points: list[MapPoint]
    truncated: bool
