"""Which polygon of the city's boundary file is which unit: pure, no files, no database.

A boundary file names its polygons by the division codes of the year it was drawn; units carry
today's codes. Codes change (a county that became a county-level city got a new code) and
some county-level units have no polygon of their own (a development zone cut out of its
counties). So a polygon
matches a unit by code, else by a name the city's aliases.csv gives the unit's code, else by
its name without the 县/市/区 suffix when exactly one unit shares that stem. A unit no polygon
matches is reported, never dropped: the dashboard lists it beside the map.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from classifiers.divisions import strip_suffix

MatchedBy = Literal["code", "alias", "name"]


@dataclass(frozen=True)
class Place:
    code: str
    name: str


@dataclass
class GeoMatch:
    by_unit: dict[str, tuple[str, MatchedBy]] = field(default_factory=dict)  # unit → (feature code, how)
    units_without_polygon: list[str] = field(default_factory=list)           # unit codes, in order given
    features_without_unit: list[str] = field(default_factory=list)           # feature codes, in order given


def stem(name: str) -> str:
    """The name without its administrative suffix: X县 and X市 are both X."""
    name = name.strip()
    return strip_suffix(name, "county") or name


def _unique_stems(places: Iterable[Place]) -> dict[str, str]:
    seen: dict[str, list[str]] = {}
    for p in places:
        seen.setdefault(stem(p.name), []).append(p.code)
    return {s: codes[0] for s, codes in seen.items() if len(codes) == 1}


def match(features: Iterable[Place], units: Iterable[Place],
          aliases: Mapping[str, str] | None = None) -> GeoMatch:
    """Match each feature (its code and name in the boundary file) to at most one unit, and each
    unit to at most one feature; ``aliases`` maps an old or other name to a unit code."""
    features, units, aliases = list(features), list(units), dict(aliases or {})
    unit_codes = {u.code for u in units}
    out = GeoMatch()
    taken: set[str] = set()

    def give(unit: str | None, feature: str, how: MatchedBy) -> bool:
        if unit is None or unit not in unit_codes or unit in out.by_unit:
            return False
        out.by_unit[unit] = (feature, how)
        taken.add(feature)
        return True

    for f in features:
        give(f.code, f.code, "code")
    for f in features:
        if f.code not in taken:
            give(aliases.get(f.name.strip()), f.code, "alias")
    left_units = [u for u in units if u.code not in out.by_unit]
    unit_stems = _unique_stems(left_units)
    feature_stems = _unique_stems(f for f in features if f.code not in taken)
    for s, feature in feature_stems.items():
        give(unit_stems.get(s), feature, "name")
    out.units_without_polygon = [u.code for u in units if u.code not in out.by_unit]
    out.features_without_unit = [f.code for f in features if f.code not in taken]
    return out
