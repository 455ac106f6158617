"""Administrative divisions loaded from a CSV, and the names a text may use for them.

The CSV has the columns ``code,name,level,parent_code,short_name`` with level in
city|county|township|village (the format of ``cities/<name>/divisions.csv``); the default is
the loaded city's (HOTLINE_CITY).

Aliases of one division, strongest first:

    kind   example                                   notes
    name   某某瑶族自治县, 新华社区居委会              official name
    short  新华社区, 城南管理区                        short_name column; the name without
                                                     the parent's name in front (when what
                                                     remains is more than a suffix)
    bare   某某, 新华, 城关, 城南                      suffix 县/区/市/镇/乡/街道/村/社区/居委会...
                                                     removed; kept only when >= 2 characters
                                                     and no other division uses the same alias
A village alias that does not end in 村/社区/居委会/村委会 (for example the short
name 火车站 of 火车站居委会) is demoted to ``bare`` because it reads as an ordinary
word in free text.

Places are renamed: a 街道 was usually a 镇 or 乡 of the same name (龙驹寨镇 → 龙驹寨街道), so
X镇 and X乡 are ``short`` aliases of X街道 unless another division bears that name. Other renames
and merges come from the city's aliases file (``alias,code``: 商县 → 商州区), as ``short``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("city", "county", "township", "village")
LEVEL_DEPTH = {level: i for i, level in enumerate(LEVELS)}


def urban_district(code: str | None) -> bool:
    """Whether a county-level code is a city's district (市辖区): GB/T 2260 numbers them 01-20
    in the fifth and sixth digits (县 21-80, 县级市 81-99; NBS puts functional zones at 7x).
    The city's own departments handle much of what happens in its districts."""
    return bool(code) and len(code) >= 6 and code[4:6].isdigit() and 1 <= int(code[4:6]) <= 20


def default_divisions_csv() -> Path:
    """The loaded city's divisions file (HOTLINE_CITY, or HOTLINE_DIVISIONS_CSV)."""
    from dispatch.config import get_settings

    return Path(get_settings().divisions_csv)


def default_aliases_csv() -> Path | None:
    from dispatch.config import get_settings

    return get_settings().aliases_file

# Longest first: 瑶族自治县 must go before 县.
SUFFIXES = {
    "city": ("市",),
    "county": ("瑶族自治县", "自治县", "管理区", "县", "区", "市"),
    "township": ("街道办事处", "街道", "瑶族乡", "民族乡", "乡", "镇"),
    "village": ("社区居委会", "居民委员会", "村民委员会", "村委会", "居委会", "农村社区", "社区", "村"),
}
VILLAGE_MARKERS = ("村", "社区", "居委会", "村委会")
# Never an alias on their own: suffixes and zone words that many cities share.
GENERIC = frozenset(s for level in SUFFIXES.values() for s in level) | frozenset(
    ("经济技术开发区", "经济开发区", "高新区", "开发区", "工业园", "工业园区", "林场", "农场")
)
NAME_KINDS = ("name", "short", "bare")


@dataclass(frozen=True)
class Division:
    """One row of the divisions CSV."""

    code: str
    name: str
    level: str
    parent_code: str
    short_name: str


def read_aliases(path: str | Path) -> dict[str, str]:
    """A city's aliases file: ``alias,code`` rows (a ``note`` column may say why)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["alias"].strip(): r["code"].strip() for r in csv.DictReader(fh)
                if (r.get("alias") or "").strip() and (r.get("code") or "").strip()}


def strip_suffix(name: str, level: str) -> str:
    """The name without its administrative suffix, or "" if nothing would remain."""
    for suffix in SUFFIXES.get(level, ()):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return ""


class Divisions:
    """Divisions by code with parent links, loaded from one CSV file."""

    def __init__(self, rows: list[Division], extra_aliases: dict[str, str] | None = None) -> None:
        self.by_code = {d.code: d for d in rows}
        self.extra_aliases = {a: c for a, c in (extra_aliases or {}).items() if c in self.by_code}
        for d in rows:
            if d.level not in LEVEL_DEPTH:
                raise ValueError(f"division {d.code}: expected level in {LEVELS}, got {d.level!r}")

    @classmethod
    def from_csv(cls, path: str | Path | None = None,
                 aliases_csv: str | Path | None = None) -> "Divisions":
        """One CSV (default: the loaded city's, with its aliases file)."""
        if path is None:
            path, aliases_csv = default_divisions_csv(), aliases_csv or default_aliases_csv()
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = [
                Division(
                    code=r["code"].strip(),
                    name=r["name"].strip(),
                    level=r["level"].strip(),
                    parent_code=(r.get("parent_code") or "").strip(),
                    short_name=(r.get("short_name") or r["name"]).strip(),
                )
                for r in csv.DictReader(fh)
            ]
        return cls(rows, read_aliases(aliases_csv) if aliases_csv else None)

    def __len__(self) -> int:
        return len(self.by_code)

    def __iter__(self):
        return iter(self.by_code.values())

    def get(self, code: str) -> Division | None:
        return self.by_code.get(code)

    def ancestors(self, code: str) -> list[Division]:
        """Parents of ``code``, nearest first (the division itself excluded)."""
        out: list[Division] = []
        d = self.by_code.get(code)
        while d is not None and d.parent_code in self.by_code:
            d = self.by_code[d.parent_code]
            out.append(d)
        return out

    def aliases(self) -> dict[str, list[tuple[str, str]]]:
        """alias -> [(code, kind)], with ambiguous bare aliases dropped."""
        raw: dict[str, dict[str, str]] = {}
        for d in self:
            for alias, kind in self._aliases_of(d):
                per_code = raw.setdefault(alias, {})
                if d.code not in per_code or NAME_KINDS.index(kind) < NAME_KINDS.index(per_code[d.code]):
                    per_code[d.code] = kind
        official = {d.name for d in self}
        for alias, code in self.extra_aliases.items():
            raw.setdefault(alias, {})[code] = "short"
        for d in self:
            stem = d.name[:-2] if d.level == "township" and d.name.endswith("街道") else ""
            for alias in (stem + "镇", stem + "乡") if len(stem) >= 2 else ():
                if alias not in official:
                    raw.setdefault(alias, {}).setdefault(d.code, "short")
        out: dict[str, list[tuple[str, str]]] = {}
        for alias, per_code in raw.items():
            strong = {c: k for c, k in per_code.items() if k != "bare"}
            if strong:
                out[alias] = sorted(strong.items())  # an official name beats a bare one
            elif len(per_code) == 1:
                out[alias] = sorted(per_code.items())
            # else: a bare name shared by several divisions is too weak to keep
        return out

    def _aliases_of(self, d: Division) -> list[tuple[str, str]]:
        names = [(d.name, "name"), (d.short_name, "short")]
        parent = self.by_code.get(d.parent_code)
        if parent is not None:
            for prefix in {parent.name, parent.short_name, strip_suffix(parent.name, parent.level)} - {""}:
                rest = d.name[len(prefix):]
                generic = rest in GENERIC or strip_suffix(rest, d.level) in GENERIC
                if d.name.startswith(prefix) and len(rest) >= 3 and not generic:
                    names.append((rest, "short"))
        out: list[tuple[str, str]] = []
        for alias, kind in names:
            if d.level == "village" and kind != "bare" and not alias.endswith(VILLAGE_MARKERS):
                kind = "bare"
            out.append((alias, kind))
            bare = strip_suffix(alias, d.level)
            if len(bare) >= 2:
                out.append((bare, "bare"))
        return [(a, k) for a, k in out if len(a) >= 2 and a not in GENERIC]
