"""A city is one folder: `cities/<name>/`, selected by one setting, HOTLINE_CITY.

    city.toml          name, short_name, code, app_name, centre_name, order_prefix, time_zone
    divisions.csv      code,name,level,parent_code,short_name (NBS codes; city → village)
    departments.json   departments with their duties, aliases, the centre's own office
    aliases.csv        alias,code[,note]: renamed and merged places (optional)
    answered_letters.csv  title,text,answered_by: answered history routing learns from (optional)
    geo.geojson        county boundaries (optional)

HOTLINE_CITY is a name under `cities/` or a path to such a folder; unset, the city that
`cities/DEFAULT` names (the code names no city). Each file's own setting
(HOTLINE_DIVISIONS_CSV, …) still overrides the folder's file.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

# beside the packages in a checkout; an installed image names its copy (Dockerfile)
CITIES_DIR = Path(os.environ.get("HOTLINE_CITIES_DIR") or
                  Path(__file__).resolve().parent.parent / "cities")
DEFAULT_CITY = (CITIES_DIR / "DEFAULT").read_text(encoding="utf-8").strip()
# the keys city.toml must give, with the comment `hotline city new` writes beside each
CITY_KEYS = {
    "name": "official name, as the city row of divisions.csv",
    "short_name": "how people name the city",
    "code": "the city's division code (divisions.csv)",
    "app_name": "the city app's name in its pushes",
    "centre_name": "how notices to citizens name the centre",
    "order_prefix": "order numbers start with it: GD20250101…",
    "time_zone": "working calendar and deadlines",
}
REQUIRED_KEYS = tuple(CITY_KEYS)


class CityError(ValueError):
    """A city folder that cannot be loaded; the message says which file and what to do."""


@dataclass(frozen=True)
class City:
    key: str
    folder: Path
    name: str
    short_name: str
    code: str
    app_name: str
    centre_name: str
    order_prefix: str
    time_zone: str

    def _optional(self, name: str) -> Path | None:
        path = self.folder / name
        return path if path.exists() else None

    @property
    def divisions_csv(self) -> Path:
        return self.folder / "divisions.csv"

    @property
    def departments_file(self) -> Path:
        return self.folder / "departments.json"

    @property
    def aliases_file(self) -> Path | None:
        return self._optional("aliases.csv")

    @property
    def routing_history(self) -> Path | None:
        return self._optional("answered_letters.csv")

    @property
    def geo_file(self) -> Path | None:
        return self._optional("geo.geojson")


def city_folder(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    return path if path.is_dir() and (path / "city.toml").exists() else CITIES_DIR / str(name_or_path)


def shipped_cities() -> list[str]:
    return sorted(p.name for p in CITIES_DIR.iterdir() if (p / "city.toml").exists())


def load_city(name_or_path: str | Path = DEFAULT_CITY) -> City:
    folder = city_folder(name_or_path)
    toml = folder / "city.toml"
    if not toml.exists():
        raise CityError(f"no city folder {folder} (city.toml missing); shipped cities: "
                        f"{', '.join(shipped_cities())}; make one with 'hotline city new'")
    try:
        with open(toml, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CityError(f"{toml}: {exc}") from None
    missing = [k for k in REQUIRED_KEYS if not str(data.get(k) or "").strip()]
    if missing:
        raise CityError(f"{toml}: missing {', '.join(missing)}")
    return City(key=folder.name, folder=folder, **{k: str(data[k]).strip() for k in REQUIRED_KEYS})


def city_by_code(code: str, home: str | Path = DEFAULT_CITY) -> City:
    """The city folder whose city.toml gives `code`: HOTLINE_CITY's (`home`) first, then the
    shipped ones. A province's routing reads each order's own city from it."""
    for name in (home, *shipped_cities()):
        city = load_city(name)
        if city.code == code:
            return city
    raise CityError(f"no city folder has code {code} (HOTLINE_CITY or cities/*/city.toml)")
