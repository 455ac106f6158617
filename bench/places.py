"""The loaded city's places and units the benchmarks send orders to, so they run for any city.

Read from the divisions and departments files the settings load (HOTLINE_CITY): the city, its
first county and that county's first township (for the default city, the places the figures
in bench/RESULTS.md were measured on).
"""
from __future__ import annotations

from dataclasses import dataclass

from dispatch.config import get_settings
from dispatch.orgs.service import DivisionRow, read_departments, read_divisions


@dataclass(frozen=True)
class Places:
    city: DivisionRow
    county: DivisionRow
    township: DivisionRow

    @property
    def address(self) -> str:
        """A caller's address: the county and township names."""
        return f"{self.county.name}{self.township.name}"


def city_places() -> Places:
    rows = read_divisions(get_settings().divisions_csv)

    def first(level: str, parent: str | None = None) -> DivisionRow | None:
        return next((r for r in rows if r.level == level
                     and (parent is None or r.parent_code == parent)), None)

    city = first("city")
    county = first("county", city.code) if city else None
    township = first("township", county.code) if county else None
    if township is None:
        raise SystemExit(f"{get_settings().divisions_csv}: the benchmarks need a city with a "
                         "county that has a township")
    return Places(city, county, township)


def department_for(county: DivisionRow, category: str) -> str:
    """The unit id of the county's department primarily responsible for ``category``."""
    departments = read_departments(get_settings().departments_file)["departments"]
    dept = next((d for d in departments if category in d.get("primary", [])
                 and "county" in d["levels"]), None)
    if dept is None:
        raise SystemExit(f"{get_settings().departments_file}: no county department has "
                         f"{category} as its primary category")
    return f"{county.code}-{dept['type']}"
