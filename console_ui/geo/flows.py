"""The map of a unit: its children's polygons matched by code (codes.py), and the orders with
coordinates inside it.

At the city the polygons are the counties'; at a county, its own outline, with the orders as
points and its townships (the file has no polygon for them) listed. The boundary file's
coordinates are GCJ-02, as Chinese web maps' are; WeChat location messages are GCJ-02 too, a
GPS fix from the app is WGS-84: a few hundred metres apart, invisible at county scale.
"""
from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

from console_ui.geo import codes, service
from console_ui.geo.schemas import GeoMap, MapPoint, MapPoints, MapUnit
from dispatch.orders.enums import Level, UnitKind
from dispatch.orgs import service as orgs
from dispatch.orgs.models import OrgUnit
from sla.reports import period_containing

NO_FILE = "本市未提供区县边界文件(cities/<城市>/geo.geojson)，各单位以列表显示"
NO_POLYGON = "边界文件中没有该单位的轮廓，下级单位以列表显示"


def _places(features: list[dict]) -> list[codes.Place]:
    return [codes.Place(str(f["properties"].get("adcode", "")), str(f["properties"].get("name", "")))
            for f in features]


def _areas(session: Session, unit_id: str) -> list[OrgUnit]:
    """A unit's territorial children (departments are nobody's place)."""
    return [u for u in orgs.children(session, unit_id) if u.kind != UnitKind.department.value]


def _feature(f: dict, unit: OrgUnit | None) -> dict:
    props = {**f["properties"], "geo_name": f["properties"].get("name"),
             "unit_id": unit.id if unit else None, "name": unit.name if unit else f["properties"].get("name")}
    return {"type": "Feature", "properties": props, "geometry": f["geometry"]}


def _county_match(session: Session, data: dict, parent_id: str, aliases: dict[str, str]) -> codes.GeoMatch:
    """The boundary file's polygons matched to the territorial children of ``parent_id``."""
    units = _areas(session, parent_id)
    return codes.match(_places(data["features"]), [codes.Place(u.id, u.name) for u in units], aliases)


def geo_map(session: Session, *, scope: OrgUnit, geo_file: Path | None, aliases_file: Path | None) -> GeoMap:
    data = service.boundaries(geo_file)
    children = _areas(session, scope.id)
    base = dict(unit_id=scope.id, unit_name=scope.name, level=scope.level, map_name=f"hotline-{scope.id}")
    listed = [MapUnit(unit_id=u.id, name=u.name, has_polygon=False) for u in children]
    if data is None:
        return GeoMap(**base, geojson=None, units=listed, polygons_without_unit=[], note=NO_FILE)
    by_code = {p.code: f for p, f in zip(_places(data["features"]), data["features"])}
    if scope.level == Level.city.value:
        m = _county_match(session, data, scope.id, service.aliases(aliases_file))
        units = {u.id: u for u in children}
        features = [_feature(by_code[fc], units[uid]) for uid, (fc, _) in m.by_unit.items()]
        features += [_feature(by_code[fc], None) for fc in m.features_without_unit]
        listed = [MapUnit(unit_id=u.id, name=u.name, has_polygon=u.id in m.by_unit,
                          matched_by=m.by_unit.get(u.id, (None, None))[1],
                          geo_name=by_code[m.by_unit[u.id][0]]["properties"].get("name")
                          if u.id in m.by_unit else None) for u in children]
        return GeoMap(**base, geojson={"type": "FeatureCollection", "features": features}, units=listed,
                      polygons_without_unit=[by_code[fc]["properties"].get("name", fc)
                                             for fc in m.features_without_unit])
    own = None
    if scope.level == Level.county.value and scope.parent_id:
        m = _county_match(session, data, scope.parent_id, service.aliases(aliases_file))
        own = m.by_unit.get(scope.id)
    if own is None:
        return GeoMap(**base, geojson=None, units=listed, polygons_without_unit=[], note=NO_POLYGON)
    return GeoMap(**base, geojson={"type": "FeatureCollection", "features": [_feature(by_code[own[0]], scope)]},
                  units=listed, polygons_without_unit=[])


def points(session: Session, *, scope: OrgUnit, period: str, day: date, tz: ZoneInfo, limit: int) -> MapPoints:
    """Orders with coordinates received in the period containing ``day`` (local dates)."""
    p = period_containing(period, day)
    start, end = (datetime.combine(d, time(), tz) for d in (p.start, p.end))
    rows = service.located_orders(session, under_path=scope.path, start=start, end=end, limit=limit + 1)
    return MapPoints(unit_id=scope.id, period=p.label, start=start, end=end, truncated=len(rows) > limit,
                     points=[MapPoint(order_id=o.id, number=o.number, title="" if o.confidential else o.title,
                                      channel=o.channel, state=o.state, latitude=o.latitude,
                                      longitude=o.longitude, received_at=o.received_at) for o in rows[:limit]])
