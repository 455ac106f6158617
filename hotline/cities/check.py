"""Validate a city folder: what `hotline city check` reports, each error with file, line and fix.

    file              checks
    divisions.csv     its columns; codes numeric and unique; a known level; exactly one city;
                      every parent present and one level up; no two names alike under one parent
    departments.json  parses; each department has type (unique: it makes the unit id), name,
                      levels (city and/or county) and categories; together the categories cover
                      every category the model knows (the labels of its training file)
    aliases.csv       columns alias,code; each alias once, naming a code of divisions.csv
    city.toml         parses; every key of ``dispatch.city.CITY_KEYS`` a non-empty string; code and name
                      those of the city row; an IANA time zone
    every file        present, UTF-8, no byte-order mark (Excel's "CSV UTF-8" writes one, and
                      `hotline init-db` then reads the first column as "\\ufeffcode")

Messages are English with the Chinese names, as elsewhere in the CLI. An error that belongs to no
one line (a missing file or key, a category no department handles) carries no line number.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import classifiers
from classifiers.divisions import LEVELS, Division
from hotline.cities.folder import ALIASES_HEADER
from dispatch.city import CITY_KEYS
from hotline.cities.nbs import COLUMNS

MODEL_TRAINING_CSV = Path(classifiers.__file__).resolve().parent / "data" / "taidi2020_train.csv"
DEPARTMENT_LEVELS = ("city", "county")
DEPARTMENT_KEYS = {"type": '"type": a stable English code such as "housing"',
                   "name": '"name": the body\'s name without the city in front',
                   "levels": '"levels": ["city", "county"] (or one of them)',
                   "categories": '"categories": the content categories it handles, as a list'}
CODE = re.compile(r"[0-9]+")
LIST_GAP = re.compile(r"[\s,]*")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    what: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.what}; fix: {self.fix}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    levels: Counter = field(default_factory=Counter)
    departments: int = 0
    aliases: int = 0

    def add(self, file: str, line: int | None, what: str, fix: str) -> None:
        self.problems.append(Problem(file, line, what, fix))

    def summary(self, folder: Path | str) -> str:
        levels = ", ".join(f"{level} {self.levels[level]}" for level in LEVELS)
        n = len(self.problems)
        verdict = f"{n} error{'s' if n > 1 else ''}" if n else "clean"
        return (f"{folder}: {levels}; {self.departments} departments, {self.aliases} aliases; "
                f"{verdict}")


def model_categories(path: Path = MODEL_TRAINING_CSV) -> list[str]:
    """The categories the category model knows: the labels of its training file."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(dict.fromkeys(r["label"].strip() for r in csv.DictReader(fh)
                                  if (r.get("label") or "").strip()))


def check_folder(folder: Path, categories: Iterable[str]) -> Report:
    report = Report()
    rows: list[tuple[int, Division]] = []
    if (text := _text(folder, "divisions.csv", report)) is not None:
        rows = _check_divisions(text, report)
    report.levels.update(d.level for _, d in rows)
    if (text := _text(folder, "departments.json", report)) is not None:
        _check_departments(text, list(categories), report)
    if (text := _text(folder, "aliases.csv", report)) is not None:
        _check_aliases(text, {d.code for _, d in rows}, report)
    if (text := _text(folder, "city.toml", report)) is not None:
        cities = [d for _, d in rows if d.level == "city"]
        _check_city_toml(text, cities[0] if len(cities) == 1 else None, report)
    return report


def _text(folder: Path, name: str, report: Report) -> str | None:
    path = folder / name
    if not path.is_file():
        report.add(name, None, "the file is missing",
                   "create it (`hotline city new` writes a template)")
        return None
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        report.add(name, 1, "starts with a byte-order mark (BOM)", "save it as UTF-8 without BOM")
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.add(name, data[:exc.start].count(b"\n") + 1, "is not UTF-8 (GBK?)",
                   "save the file as UTF-8")
        return None


def _check_divisions(text: str, report: Report) -> list[tuple[int, Division]]:
    add = partial(report.add, "divisions.csv")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        add(1, f"no column {', '.join(missing)}", f"the header is {','.join(COLUMNS)}")
        return []
    rows: list[tuple[int, Division]] = []
    first_line: dict[str, int] = {}
    for r in reader:
        line = reader.line_num
        d = Division(*((r[c] or "").strip() for c in COLUMNS))
        if not CODE.fullmatch(d.code):
            add(line, f"code {d.code!r} of {d.name} is not a number", "use its NBS division code")
            continue
        if d.code in first_line:
            add(line, f"code {d.code} ({d.name}) again, first on line {first_line[d.code]}",
                "give each division its own code, or delete the repeated row")
            continue
        if d.level not in LEVELS:
            add(line, f"{d.name} ({d.code}) has level {d.level!r}",
                f"level is one of {', '.join(LEVELS)}")
        if not d.name:
            add(line, f"division {d.code} has no name", "write its official name")
        first_line[d.code] = line
        rows.append((line, d))
    _check_tree(rows, add)
    return rows


def _check_tree(rows: list[tuple[int, Division]], add) -> None:
    by_code = {d.code: d for _, d in rows}
    cities = [(line, d) for line, d in rows if d.level == "city"]
    if not cities:
        add(None, "no row has level city", "add the city itself as the first row (level city)")
    for line, d in cities[1:]:
        add(line, f"a second city {d.name} ({d.code}); the first is {cities[0][1].name}",
            "one city per folder: make a folder for each city")
    named: dict[tuple[str, str], int] = {}
    for line, d in rows:
        if d.level == "city" or d.level not in LEVELS:
            continue
        above = LEVELS[LEVELS.index(d.level) - 1]
        parent = by_code.get(d.parent_code)
        if parent is None:
            add(line, f"{d.name} ({d.code}) names parent {d.parent_code!r}, not in the file",
                f"set parent_code to the code of its {above}, or add that {above}")
        elif parent.level != above and parent.level in LEVELS:
            add(line, f"{d.level} {d.name} ({d.code}) is under {parent.level} {parent.name} "
                f"({parent.code})", f"a {d.level}'s parent is a {above}: correct parent_code or "
                "level")
        key = (d.parent_code, d.name)
        if key in named:
            under = f"{parent.name} ({parent.code})" if parent else d.parent_code
            add(line, f"a second {d.name} under {under}, first on line {named[key]}",
                "give each its official name, or delete the repeated row")
        named.setdefault(key, line)


def _check_departments(text: str, categories: list[str], report: Report) -> None:
    add = partial(report.add, "departments.json")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        add(exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})",
            "correct the syntax there (a missing comma or quote, a trailing comma)")
        return
    departments = data.get("departments") if isinstance(data, dict) else None
    if not isinstance(departments, list) or not departments:
        add(None, "no departments list", 'list them under "departments": [...] as the template '
            "of `hotline city new` does")
        return
    report.departments = len(departments)
    lines = _item_lines(text, "departments")
    first_line: dict[str, int | None] = {}
    covered: set[str] = set()
    for i, dept in enumerate(departments):
        line = lines[i] if i < len(lines) else None
        if not isinstance(dept, dict):
            add(line, f"department {i + 1} is not an object", 'write it as {"type": …, …}')
            continue
        covered.update(_check_department(dept, partial(add, line), f"department {i + 1}"))
        if isinstance(kind := dept.get("type"), str) and kind:
            if kind in first_line:
                add(line, f"type {kind} again, first on line {first_line[kind]}",
                    "give each department its own type (it makes the unit's id)")
            first_line.setdefault(kind, line)
    anchor = _key_line(text, '"departments"')
    for category in categories:
        if category not in covered:
            add(anchor, f"no department handles {category}",
                f'add "{category}" to the categories of the department that does')


def _check_department(dept: dict, add, label: str) -> list[str]:
    """One department's problems (``add(what, fix)``); returns the categories it handles."""
    label = dept.get("name") or dept.get("type") or label
    for key in ("type", "name"):
        if not isinstance(dept.get(key), str) or not dept[key].strip():
            add(f"{label} has no {key}", f"add {DEPARTMENT_KEYS[key]}")
    levels = dept.get("levels")
    if not isinstance(levels, list) or not levels or set(levels) - set(DEPARTMENT_LEVELS):
        add(f"{label} has levels {levels!r}: departments exist at city and county only",
            f"write {DEPARTMENT_KEYS['levels']}")
    categories = dept.get("categories")
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        add(f"{label} has categories {categories!r}", f"write {DEPARTMENT_KEYS['categories']}")
        categories = []
    if not isinstance(dept.get("aliases", []), list):
        add(f"{label} has aliases that are not a list", 'write "aliases": ["…", "…"]')
    return categories


def _item_lines(text: str, key: str) -> list[int]:
    """The line each item of the list under ``key`` starts on (``text`` is valid JSON)."""
    m = re.search(rf'"{key}"\s*:\s*\[', text)
    if not m:
        return []
    decoder, pos, lines = json.JSONDecoder(), m.end(), []
    while True:
        pos = LIST_GAP.match(text, pos).end()
        if pos >= len(text) or text[pos] == "]":
            return lines
        lines.append(text.count("\n", 0, pos) + 1)
        pos = decoder.raw_decode(text, pos)[1]


def _key_line(text: str, key: str) -> int | None:
    m = re.search(rf"^\s*{re.escape(key)}\s*[=:]", text, re.MULTILINE)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _check_aliases(text: str, codes: set[str], report: Report) -> None:
    add = partial(report.add, "aliases.csv")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not {"alias", "code"} <= set(reader.fieldnames or ()):
        add(1, "no columns alias,code", f"the header is {ALIASES_HEADER.strip()}")
        return
    first_line: dict[str, int] = {}
    for r in reader:
        line, alias, code = reader.line_num, (r["alias"] or "").strip(), (r["code"] or "").strip()
        report.aliases += 1
        if not alias:
            add(line, f"a row without alias (code {code})", "write the other name, or delete the row")
        elif alias in first_line:
            add(line, f"alias {alias} again, first on line {first_line[alias]}",
                "keep one row per alias")
        if code not in codes:
            add(line, f"alias {alias} names code {code!r}, not in divisions.csv",
                "use the code of the division the place is now part of")
        first_line.setdefault(alias, line)


def _check_city_toml(text: str, city: Division | None, report: Report) -> None:
    add = partial(report.add, "city.toml")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        add(int(m.group(1)) if m else None, f"not valid TOML: {exc}",
            'write each setting as key = "value"')
        return
    for key, meaning in CITY_KEYS.items():
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            add(_key_line(text, key), f"{key} is missing, empty or not in quotes",
                f'add {key} = "…" ({meaning})')
        elif key in ("code", "name") and city is not None and value != getattr(city, key):
            add(_key_line(text, key), f"{key} {value} is not the city row's {getattr(city, key)}",
                "make city.toml and divisions.csv agree")
    zone = data.get("time_zone")
    if isinstance(zone, str) and zone.strip():
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            add(_key_line(text, "time_zone"), f"time zone {zone!r} is unknown",
                'use an IANA name such as "Asia/Shanghai"')
