"""Which unit a body that answered a citizen is: the label unit routing learns from history.

A city's answered history names the body that handled each matter in free form ("商州区人民政府
办公室", "市交警支队", "商洛市公安局商州分局", "市信息办"). `AnswerReader` reads such a name
against the city's own configuration (divisions, department names and their aliases, the names
of the centre's own office) and says:

    level     county    the name holds a county or township of the city (its government, its
                        office or one of its departments): the place decides
              city      a city department; ``dept_type`` says which
              platform  the centre's own office answered (the order stayed on the platform)
    county    the county code (level county only)
    dept_type the department type, when the name says one (a county's department too)

A name that says none of this (a person's name, a body the configuration does not know) is
unread (None): it is left out of training and of scoring, never guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from classifiers.divisions import Divisions, strip_suffix

_SEPARATORS = re.compile(r"[\s、,，;；/]+")


@dataclass(frozen=True)
class Handler:
    level: str                    # county | city | platform
    county: str | None = None
    dept_type: str | None = None

    @property
    def key(self) -> str:
        """The unit model's label: the department type, or the level when it has none."""
        return self.dept_type or ("territorial" if self.level == "county" else self.level)


class AnswerReader:
    """Reads answering bodies' names for one city."""

    def __init__(self, divisions: Divisions, departments: dict,
                 aliases: dict[str, str] | None = None) -> None:
        city = next((d for d in divisions if d.level == "city"), None)
        self.city_names = tuple(n for n in ((city.name, strip_suffix(city.name, "city"))
                                            if city else ()) if n)
        places: dict[str, str] = {}
        for d in divisions:
            if d.level not in ("county", "township"):
                continue
            county = d.code if d.level == "county" else d.parent_code
            for name in (d.name, d.short_name, strip_suffix(d.name, d.level)):
                if len(name) >= 2:
                    places.setdefault(name, county)
        for alias, code in (aliases or {}).items():
            d = divisions.get(code)
            if d is not None and d.level in ("county", "township"):
                places[alias] = code if d.level == "county" else d.parent_code
        # longest first, so that 商州区 is tried before 商州
        self._places = sorted(places.items(), key=lambda kv: -len(kv[0]))
        names: list[tuple[str, str]] = []
        for dept in departments.get("departments", []):
            for name in [dept["name"], *dept.get("aliases", [])]:
                names.append((name, dept["type"]))
        self._departments = sorted(names, key=lambda kv: -len(kv[0]))
        self._platform = tuple(departments.get("platform_aliases", []))

    def read(self, name: str) -> Handler | None:
        """The first body of `name` (several may be listed) that the configuration knows."""
        for part in _SEPARATORS.split(name or ""):
            handler = self._read_one(part.strip())
            if handler is not None:
                return handler
        return None

    def _read_one(self, name: str) -> Handler | None:
        if not name:
            return None
        dept = next((t for n, t in self._departments if n in name), None)
        rest = name
        for city in self.city_names:
            rest = rest.replace(city, "")
        county = next((c for n, c in self._places if n in rest), None)
        if county is not None:
            return Handler("county", county=county, dept_type=dept)
        if dept is not None:
            return Handler("city", dept_type=dept)
        if any(p in name for p in self._platform):
            return Handler("platform")
        return None
