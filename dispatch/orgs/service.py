"""Load and query the org tree: divisions from CSV, departments from a config file."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, col, select

from dispatch.orders.enums import Level, UnitKind
from dispatch.orgs import directory
from dispatch.orgs.models import OrgUnit
from dispatch.sqltypes import starts_with

PLATFORM_LEVELS = {Level.city.value, Level.county.value}


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    level: str
    parent_code: str
    short_name: str


def read_divisions(path: Path) -> list[DivisionRow]:
    """Rows of a divisions CSV (code,name,level,parent_code,short_name), parents before children."""
    with open(path, encoding="utf-8") as fh:
        rows = [DivisionRow(r["code"].strip(), r["name"].strip(), r["level"].strip(),
                            r["parent_code"].strip(), (r.get("short_name") or r["name"]).strip())
                for r in csv.DictReader(fh)]
    order = {lvl.value: i for i, lvl in enumerate(Level)}
    bad = [r.code for r in rows if r.level not in order]
    if bad:
        raise ValueError(f"unknown level in divisions file for codes {bad[:5]}")
    return sorted(rows, key=lambda r: order[r.level])


def read_departments(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def build_units(divisions: list[DivisionRow], departments: dict) -> list[dict]:
    """The whole org tree as rows: platforms at city/county, territorial below, departments."""
    paths: dict[str, str] = {}
    units: list[dict] = []
    for row in divisions:
        if row.level != Level.city.value and row.parent_code not in paths:
            raise ValueError(f"division {row.code} names unknown parent {row.parent_code}")
        path = f"{paths.get(row.parent_code, '/')}{row.code}/"
        paths[row.code] = path
        kind = UnitKind.platform if row.level in PLATFORM_LEVELS else UnitKind.territorial
        units.append(dict(id=row.code, name=row.name, short_name=row.short_name, level=row.level,
                          kind=kind.value, parent_id=None if row.level == Level.city.value
                          else row.parent_code, division_code=row.code, path=path,
                          dept_type=None, categories=[], primary_categories=[]))
    for parent in [u for u in units if u["kind"] == UnitKind.platform.value]:
        for dept in departments["departments"]:
            if parent["level"] not in dept["levels"]:
                continue
            uid = f"{parent['id']}-{dept['type']}"
            units.append(dict(id=uid, name=f"{parent['short_name'] or parent['name']}{dept['name']}",
                              short_name=dept["name"], level=parent["level"],
                              kind=UnitKind.department.value, parent_id=parent["id"],
                              division_code=parent["division_code"],
                              path=f"{parent['path']}{uid}/", dept_type=dept["type"],
                              categories=list(dept["categories"]),
                              primary_categories=list(dept.get("primary", []))))
    return units


@dataclass(frozen=True)
class Province:
    """The root above the cities of a province deployment (docs/province.md)."""
    name: str
    code: str = "00"     # no NBS province has it, so no city's division code collides


def load_org_tree(session: Session, divisions_csv: Path, departments_file: Path,
                  province: Province | None = None) -> int:
    """Insert units that are not there yet; returns how many were added (idempotent).

    A city goes under `province` when one is given, or under the province the database holds
    when the city is already part of it (a second `init-db` of the same city adds what its
    file gained). Any other second city is refused: never a silent second tree."""
    existing = set(session.exec(select(OrgUnit.id)).all())
    units = build_units(read_divisions(divisions_csv), read_departments(departments_file))
    root = _province_for(session, units, province)
    if root is not None:
        units = _under_province(root, units)
    new = [u for u in units if u["id"] not in existing]
    if new:
        session.execute(insert(OrgUnit), new)
    session.commit()
    return len(new)


class SecondCity(ValueError):
    """The database holds another city: a second city goes only under a province root."""


def _city_of(units: list[dict]) -> dict | None:
    return next((u for u in units if u["level"] == Level.city.value and u["parent_id"] is None),
                None)


def _province_for(session: Session, units: list[dict], wanted: Province | None) -> dict | None:
    """The province root the city's units go under (created if new), None for a lone city;
    SecondCity when loading it would put two unrelated trees in one database."""
    city = _city_of(units)
    ours = f"{city['name']} ({city['id']})" if city else "a file without a city"
    held = session.exec(select(OrgUnit).where(OrgUnit.level == Level.province.value)).first()
    cities = session.exec(select(OrgUnit).where(OrgUnit.level == Level.city.value,
                                                OrgUnit.kind == UnitKind.platform.value)).all()
    if held is None:
        lone = [u for u in cities if city is None or u.id != city["id"]]
        if lone and wanted is None:
            theirs = "、".join(f"{u.name} ({u.id})" for u in lone)
            raise SecondCity(f"this database holds {theirs}; loading {ours} would add a second "
                             "city tree. Serve each city from its own database "
                             "(HOTLINE_DATABASE_URL), load the same city again, or load every "
                             "city of a province with --province NAME into an empty database")
        if cities and wanted is not None:
            raise SecondCity(f"this database holds {cities[0].name} as a single city; a province "
                             "starts from an empty database: load each of its cities with "
                             f"'hotline init-db --city NAME --province {wanted.name}'")
        if wanted is None:
            return None
        return dict(id=wanted.code, name=wanted.name, short_name=wanted.name,
                    level=Level.province.value, kind=UnitKind.platform.value, parent_id=None,
                    division_code=wanted.code, path=f"/{wanted.code}/", dept_type=None,
                    categories=[], primary_categories=[])
    if wanted is not None and wanted.name != held.name:
        raise SecondCity(f"this database holds the province {held.name}; load {ours} with "
                         f"--province {held.name}")
    if wanted is None and not any(city and u.id == city["id"] for u in cities):
        raise SecondCity(f"this database holds the province {held.name}; a new city joins it "
                         f"deliberately: --province {held.name}")
    return held.model_dump()


def _under_province(root: dict, units: list[dict]) -> list[dict]:
    """The city's rows re-rooted: its city unit the province's child, every path below the root."""
    city = _city_of(units)
    rows = [dict(u, path=f"{root['path']}{u['path'].lstrip('/')}") for u in units]
    for u in rows:
        if city is not None and u["id"] == city["id"]:
            u["parent_id"] = root["id"]
    return [root, *rows]


def get_unit(session: Session, unit_id: str) -> OrgUnit | None:
    return directory.SessionUnits(session).get(unit_id)


def platform_of(session: Session, unit: OrgUnit) -> OrgUnit:
    """The nearest platform at or above the unit."""
    return directory.platform_of(directory.SessionUnits(session), unit)


def county_platform_for_division(session: Session, division_code: str | None) -> OrgUnit | None:
    """The county platform whose area contains the division."""
    return directory.county_platform_for(directory.SessionUnits(session), division_code)


def city_platform(session: Session, code: str | None = None) -> OrgUnit:
    """The city platform `code` names; without one, HOTLINE_CITY's (the only one, for a city)."""
    return directory.SessionUnits(session).city_platform(code)


def city_of(session: Session, unit: OrgUnit) -> OrgUnit | None:
    """The city platform at or above the unit."""
    return directory.city_of(directory.SessionUnits(session), unit)


def department_for(session: Session, *, platform: OrgUnit, category: str | None,
                   dept_type: str | None = None) -> OrgUnit | None:
    """The department under `platform` that is primarily responsible for `category`. The
    departments of a platform are read once per session, as `SessionUnits` keeps units: a
    routing job asks the same few platforms for every order of its batch."""
    held = session.info.setdefault("departments", {})
    depts = held.get((platform.id, dept_type))
    if depts is None:
        stmt = select(OrgUnit).where(OrgUnit.parent_id == platform.id,
                                     OrgUnit.kind == UnitKind.department.value)
        if dept_type:
            stmt = stmt.where(OrgUnit.dept_type == dept_type)
        depts = held[platform.id, dept_type] = session.exec(stmt.order_by(OrgUnit.id)).all()
    if dept_type:
        return depts[0] if depts else None
    for pick in (lambda d: category in d.primary_categories, lambda d: category in d.categories):
        for d in depts:
            if category and pick(d):
                return d
    return None


def search_units(session: Session, *, q: str, under_path: str | None = None,
                 limit: int = 20) -> list[OrgUnit]:
    """Units whose name contains q (for the dispatcher's unit picker)."""
    stmt = select(OrgUnit).where(col(OrgUnit.name).contains(q))
    if under_path:
        stmt = stmt.where(starts_with(col(OrgUnit.path), under_path))
    return list(session.exec(stmt.order_by(col(OrgUnit.path)).limit(limit)).all())


def children(session: Session, unit_id: str) -> list[OrgUnit]:
    return list(session.exec(select(OrgUnit).where(OrgUnit.parent_id == unit_id)
                             .order_by(OrgUnit.id)).all())
