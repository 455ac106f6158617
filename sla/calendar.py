"""Working calendar: China's official working days (调休 included) and duration arithmetic.

Rules, in order of precedence, for whether a date is a working day:

1. an administrator-loaded ``YearSchedule`` for that year (published by the State Council);
2. the ``chinese_calendar`` package (knows 2004-2026 at the time of writing);
3. weekends-only fallback (Mon-Fri work) -- reported through ``source_for_year``.

Working-day arithmetic uses *working time*: every instant of a working day (00:00-24:00,
Asia/Shanghai) counts, every instant of a non-working day does not. Adding N working days
to a start on a working day gives the same time of day on the N-th following working day;
a start on a non-working day is first moved to 00:00 of the next working day. The result
always falls on a working day (a deadline that would end exactly at midnight is placed at
00:00 of the next working day, which is the same amount of working time).
"""

from __future__ import annotations

import json
from functools import lru_cache
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
ONE_DAY = timedelta(days=1)
# how long before a year begins its official schedule is wanted: about the longest time limit
# (handling plus an extension), so that no deadline set meanwhile reaches into an unknown year
SCHEDULE_LEAD_DAYS = 60

Source = Literal["loaded", "chinese_calendar", "weekends_only"]
Unit = Literal["hours", "calendar_days", "working_days"]
UNITS: tuple[str, ...] = ("hours", "calendar_days", "working_days")


def require_aware(value: datetime, name: str = "datetime") -> datetime:
    """Raise ValueError unless ``value`` is a timezone-aware datetime."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name}: expected datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: expected a timezone-aware datetime, got naive {value.isoformat()}")
    return value


@dataclass(frozen=True)
class Duration:
    """A time limit: an amount of hours, calendar days or working days."""

    amount: float | int
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"duration unit: expected one of {', '.join(UNITS)}, got {self.unit!r}")
        # bool is an int subclass; True hours is certainly a mistake.
        if isinstance(self.amount, bool) or not isinstance(self.amount, (int, float)):
            raise ValueError(f"duration amount: expected a number, got {self.amount!r}")
        if not self.amount >= 0 or self.amount == float("inf"):
            raise ValueError(f"duration amount: expected a finite number >= 0, got {self.amount!r}")

    def as_timedelta(self) -> timedelta:
        """Nominal length (a working day counts as 24 h of working time)."""
        if self.unit == "hours":
            return timedelta(hours=self.amount)
        return timedelta(days=self.amount)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"amount": self.amount, "unit": self.unit}

    @classmethod
    def from_dict(cls, data: Mapping) -> Duration:
        """Parse ``{"amount": 5, "unit": "working_days"}``."""
        if not isinstance(data, Mapping):
            raise ValueError(f"duration: expected an object with amount and unit, got {data!r}")
        extra = set(data) - {"amount", "unit"}
        if extra or "amount" not in data or "unit" not in data:
            raise ValueError(f"duration: expected keys amount and unit, got {sorted(data)}")
        return cls(data["amount"], data["unit"])


@dataclass(frozen=True)
class YearSchedule:
    """An official schedule for one year: statutory holidays and make-up working days (调休)."""

    year: int
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        if isinstance(self.year, bool) or not isinstance(self.year, int) or not 1 <= self.year <= 9999:
            raise ValueError(f"schedule year: expected an integer year, got {self.year!r}")
        for kind, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            for day in sorted(days):
                if type(day) is not date:
                    raise ValueError(f"schedule {self.year} {kind}: expected dates, got {day!r}")
                if day.year != self.year:
                    raise ValueError(f"schedule {self.year} {kind}: {day.isoformat()} is outside year {self.year}")
        both = sorted(self.holidays & self.workdays)
        if both:
            listed = ", ".join(d.isoformat() for d in both)
            raise ValueError(f"schedule {self.year}: {listed} listed as both holiday and workday")

    def is_working_day(self, day: date) -> bool:
        """Working day per this schedule: listed days override the Mon-Fri default."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def to_dict(self) -> dict:
        """JSON-ready form (sorted ISO dates)."""
        return {
            "year": self.year,
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            "workdays": [d.isoformat() for d in sorted(self.workdays)],
        }


def _parse_dates(year: int, kind: str, values: object) -> list[date]:
    if not isinstance(values, list):
        raise ValueError(f"schedule {year} {kind}: expected a list of YYYY-MM-DD strings, got {values!r}")
    days = []
    for value in values:
        try:
            days.append(date.fromisoformat(value))
        except (TypeError, ValueError):
            raise ValueError(f"schedule {year} {kind}: expected YYYY-MM-DD, got {value!r}") from None
    return days


def parse_schedule(data: Mapping | str) -> YearSchedule:
    """Parse and validate an admin-supplied schedule (a dict or a JSON string)."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ValueError(f"schedule: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, Mapping):
        raise ValueError(f"schedule: expected an object with year, holidays, workdays, got {type(data).__name__}")
    unknown = sorted(set(data) - {"year", "holidays", "workdays"})
    if unknown:
        raise ValueError(f"schedule: unknown keys {unknown}; expected year, holidays, workdays")
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"schedule year: expected an integer year, got {year!r}")
    holidays = _parse_dates(year, "holidays", data.get("holidays", []))
    workdays = _parse_dates(year, "workdays", data.get("workdays", []))
    return YearSchedule(year, frozenset(holidays), frozenset(workdays))


@lru_cache(maxsize=8192)  # the library rescans its tables on every call
def _library_answer(day: date) -> bool | None:
    """chinese_calendar's verdict, or None when it has no data for that year."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


class WorkingCalendar:
    """Official working days plus duration arithmetic, evaluated in a local time zone."""

    def __init__(self, schedules: Iterable[YearSchedule] = (), tz: ZoneInfo = SHANGHAI) -> None:
        self.tz = tz
        self._schedules: dict[int, YearSchedule] = {}
        for schedule in schedules:
            self.add_schedule(schedule)

    # -- schedules -------------------------------------------------------------------------

    def add_schedule(self, schedule: YearSchedule) -> YearSchedule:
        """Install (or replace) the schedule for ``schedule.year``."""
        self._schedules[schedule.year] = schedule
        return schedule

    def load_schedule(self, year: int, holidays: Iterable[date], workdays: Iterable[date]) -> YearSchedule:
        """Validate and install an official schedule for ``year``."""
        return self.add_schedule(YearSchedule(year, frozenset(holidays), frozenset(workdays)))

    def schedules(self) -> dict[int, YearSchedule]:
        """Loaded schedules by year (a copy)."""
        return dict(self._schedules)

    def source_for_year(self, year: int) -> Source:
        """Which rule decides working days in ``year``."""
        if year in self._schedules:
            return "loaded"
        if _library_answer(date(year, 1, 1)) is not None:
            return "chinese_calendar"
        return "weekends_only"

    def fallback_years(self, years: Iterable[int]) -> list[int]:
        """The given years that only have the weekends-only fallback (sorted, unique)."""
        return sorted({y for y in years if self.source_for_year(y) == "weekends_only"})

    def years_needing_schedule(self, today: date, lead_days: int = SCHEDULE_LEAD_DAYS) -> list[int]:
        """The years deadlines set today can reach that have only the weekends-only fallback:
        this year, and the next one from ``lead_days`` before it begins. Without their official
        schedule a deadline counts 元旦 or 春节 as working days, so they are to be loaded
        (the State Council publishes next year's holidays in the autumn)."""
        years = [today.year]
        if (date(today.year + 1, 1, 1) - today).days <= lead_days:
            years.append(today.year + 1)
        return self.fallback_years(years)

    # -- days --------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """True if ``day`` is an official working day."""
        if isinstance(day, datetime):
            raise TypeError("is_working_day: expected a date; convert the datetime with local_date() first")
        schedule = self._schedules.get(day.year)
        if schedule is not None:
            return schedule.is_working_day(day)
        answer = _library_answer(day)
        if answer is not None:
            return answer
        return day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        candidate = day + ONE_DAY
        # Longest real closure is ~9 days; the bound only guards against a broken schedule.
        for _ in range(366):
            if self.is_working_day(candidate):
                return candidate
            candidate += ONE_DAY
        raise ValueError(f"no working day within a year after {day.isoformat()}; check the loaded schedule")

    def local_date(self, moment: datetime) -> date:
        """The calendar date of ``moment`` in the calendar's time zone."""
        return require_aware(moment).astimezone(self.tz).date()

    def start_of_day(self, day: date) -> datetime:
        """00:00 local time on ``day``."""
        return datetime.combine(day, time(), tzinfo=self.tz)

    # -- arithmetic --------------------------------------------------------------------------

    def add(self, start: datetime, duration: Duration) -> datetime:
        """The moment ``duration`` after ``start`` (returned in ``start``'s time zone)."""
        require_aware(start, "start")
        if duration.unit == "working_days":
            result = self.add_working_time(start, duration.as_timedelta())
        else:
            # Wall-clock addition in local time (Asia/Shanghai has no DST, but other zones might).
            result = start.astimezone(self.tz) + duration.as_timedelta()
        return result.astimezone(start.tzinfo)

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """Advance ``start`` by ``amount`` of working time; the result is on a working day."""
        require_aware(start, "start")
        if amount < timedelta(0):
            raise ValueError(f"working time to add: expected >= 0, got {amount}")
        day, offset = self._working_position(start)
        whole_days, offset = divmod(offset + amount, ONE_DAY)
        for _ in range(whole_days):
            day = self.next_working_day(day)
        return (self.start_of_day(day) + offset).astimezone(start.tzinfo)

    def _working_position(self, moment: datetime) -> tuple[date, timedelta]:
        """(working day, time since its midnight); non-working moments snap to the next working day."""
        local = moment.astimezone(self.tz)
        day = local.date()
        if self.is_working_day(day):
            return day, local - self.start_of_day(day)
        return self.next_working_day(day), timedelta(0)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
        require_aware(a, "a")
        require_aware(b, "b")
        if b < a:
            return -self.working_time_between(b, a)
        start, end = a.astimezone(self.tz), b.astimezone(self.tz)
        total = timedelta(0)
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                lo = max(start, self.start_of_day(day))
                hi = min(end, self.start_of_day(day + ONE_DAY))
                total += max(hi - lo, timedelta(0))
            day += ONE_DAY
        return total

    def working_days_between(self, a: datetime, b: datetime) -> float:
        """Working days from ``a`` to ``b`` as a float (e.g. days overdue: deadline -> now)."""
        return self.working_time_between(a, b) / ONE_DAY
