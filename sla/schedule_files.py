"""Parse an uploaded official schedule: JSON (one year or a list of years) or CSV (date,type rows).

CSV: a header row with ``date`` and ``type`` (extra columns such as ``name`` are ignored);
``type`` is ``holiday`` (放假) or ``workday`` (调休上班); Chinese words are accepted too.
A CSV may span several years: one schedule per year is returned. A bare carriage return ends a
line as a newline does (files saved by classic Mac or some Excel versions); anything else the csv
module cannot read is a ValueError naming the line, never a csv.Error reaching the client. Every
year must lie within the range clients may send (``dispatch.client_dates``).
"""
from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date

from dispatch.client_dates import check_date, check_year
from sla.calendar import YearSchedule, parse_schedule

KINDS = {"holiday": "holidays", "休": "holidays", "假": "holidays", "放假": "holidays",
         "节假日": "holidays", "workday": "workdays", "班": "workdays", "上班": "workdays",
         "调休上班": "workdays", "补班": "workdays"}


def parse_schedule_file(filename: str, content: bytes) -> list[YearSchedule]:
    """Schedules in an uploaded file; raises ValueError with the line or key at fault."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("schedule file: expected UTF-8 text") from None
    name = filename.lower()
    if name.endswith(".json") or (not name.endswith(".csv") and text.lstrip()[:1] in "[{"):
        return _from_json(text)
    return _from_csv(text)


def _from_json(text: str) -> list[YearSchedule]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"schedule file: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    items = data if isinstance(data, list) else [data]
    schedules = [parse_schedule(item) for item in items]
    for schedule in schedules:
        check_year(schedule.year, "schedule year")
    _no_repeated_years(schedules)
    return schedules


def _from_csv(text: str) -> list[YearSchedule]:
    # newline="": the csv module sees \r, \n and \r\n line ends itself, as its docs ask
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _csv_schedules(reader)
    except csv.Error as exc:
        # the reader counts a line once it has read it whole: the faulty one is the next
        raise ValueError(f"schedule CSV line {reader.line_num + 1}: {exc}") from None


def _csv_schedules(reader: csv.DictReader) -> list[YearSchedule]:
    fields = {f.strip().lower() for f in reader.fieldnames or []}
    if not {"date", "type"} <= fields:
        raise ValueError(f"schedule CSV: expected a header with date and type, got {sorted(fields)}")
    days: dict[int, dict[str, set[date]]] = defaultdict(lambda: {"holidays": set(), "workdays": set()})
    for line, row in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not row.get("date"):
            continue
        try:
            day = date.fromisoformat(row["date"])
        except ValueError:
            raise ValueError(f"schedule CSV line {line}: expected YYYY-MM-DD, got {row['date']!r}") from None
        check_date(day, f"schedule CSV line {line}")
        kind = KINDS.get(row["type"].lower())
        if kind is None:
            raise ValueError(f"schedule CSV line {line}: type must be holiday or workday, got {row['type']!r}")
        days[day.year][kind].add(day)
    if not days:
        raise ValueError("schedule CSV: no dates found")
    return [YearSchedule(year, frozenset(d["holidays"]), frozenset(d["workdays"]))
            for year, d in sorted(days.items())]


def _no_repeated_years(schedules: list[YearSchedule]) -> None:
    years = [s.year for s in schedules]
    repeated = sorted({y for y in years if years.count(y) > 1})
    if repeated:
        raise ValueError(f"schedule file: years {repeated} appear more than once")
