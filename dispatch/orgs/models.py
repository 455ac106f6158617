"""Org units: platforms, departments and territorial units in one tree with materialised paths."""
from __future__ import annotations

from sqlmodel import Field, SQLModel

from dispatch.sqltypes import PathString, json_field


class OrgUnitBase(SQLModel):
    name: str
    short_name: str = ""
    level: str = Field(index=True)          # Level code
    kind: str = Field(index=True)           # UnitKind code
    parent_id: str | None = Field(default=None, index=True)
    division_code: str = Field(index=True)  # the division the unit serves


class OrgUnit(OrgUnitBase, table=True):
    __tablename__ = "org_unit"
    id: str = Field(primary_key=True)       # division code, or "<division>-<dept type>"
    # "/6100/610001/610001001/": reach checks are prefix tests on this
    path: str = Field(index=True, unique=True, sa_type=PathString)
    dept_type: str | None = Field(default=None, index=True)
    categories: list[str] = json_field(list)
    primary_categories: list[str] = json_field(list)


class OrgUnitPublic(OrgUnitBase):
    id: str
    path: str
    dept_type: str | None = None
    categories: list[str] = []
