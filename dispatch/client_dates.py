"""Dates, moments and years a client sends: one bounded type for every schema and query.

A date far from today is a typo or a probe, never a real call: year 1 or 9999 overflowed the
working calendar (a deadline past 9999-12-31) and made every later report span millennia. Every
schema, query parameter and uploaded file that takes a date from outside therefore accepts
2000-01-01 .. 2100-12-31 only, and says so in its 422. The bound is checked on the moment's own
wall-clock date, before any conversion, so that the check itself cannot overflow.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, Field

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
RANGE_TEXT = f"between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def check_date(day: date, name: str = "date") -> date:
    """``day`` itself, or ValueError when it lies outside the range clients may send."""
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{name}: expected a date {RANGE_TEXT}, got {day.isoformat()}")
    return day


def check_year(year: int, name: str = "year") -> int:
    if not EARLIEST.year <= year <= LATEST.year:
        raise ValueError(f"{name}: expected a year from {EARLIEST.year} to {LATEST.year}, got {year}")
    return year


def _moment(value: datetime) -> datetime:
    # datetime.date() is the wall-clock date in the value's own offset: no conversion, no overflow
    check_date(value.date(), "moment")
    return value


def _date(value: date) -> date:
    return check_date(value)


ClientMoment = Annotated[AwareDatetime, AfterValidator(_moment)]
"""A timezone-aware moment within the range (intake, channels, the deadline preview)."""
ClientDate = Annotated[date, AfterValidator(_date)]
"""A calendar date within the range (KPI periods, exports)."""
ClientYear = Annotated[int, Field(ge=EARLIEST.year, le=LATEST.year)]
"""A year within the range (working-calendar schedules)."""
YearPath = Annotated[int, Path(ge=EARLIEST.year, le=LATEST.year)]
YearQuery = Annotated[int | None, Query(ge=EARLIEST.year, le=LATEST.year)]
