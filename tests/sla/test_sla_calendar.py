"""Tests for sla.calendar: official working days, schedule loading and duration arithmetic."""

import json
from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.calendar import SHANGHAI, Duration, WorkingCalendar, YearSchedule, parse_schedule

UTC = timezone.utc

# (date, is working day, why) -- each row was checked against chinese_calendar 1.11 and the
# State Council notices; the test below also re-checks the rows for years the library knows.
OFFICIAL_DAYS = [
    ("2025-01-25", False, "ordinary Saturday before Spring Festival"),
    ("2025-01-26", True, "Sunday make-up working day for Spring Festival 2025"),
    ("2025-01-27", True, "ordinary Monday"),
    ("2025-01-28", False, "Spring Festival eve, holiday"),
    ("2025-01-29", False, "Spring Festival"),
    ("2025-02-04", False, "last Spring Festival holiday"),
    ("2025-02-05", True, "first working day after Spring Festival"),
    ("2025-02-08", True, "Saturday make-up working day for Spring Festival 2025"),
    ("2025-02-09", False, "ordinary Sunday"),
    ("2025-09-28", True, "Sunday make-up working day for National Day 2025"),
    ("2025-10-01", False, "National Day"),
    ("2025-10-06", False, "Mid-Autumn inside the National Day break"),
    ("2025-10-08", False, "last National Day holiday"),
    ("2025-10-09", True, "first working day after National Day"),
    ("2025-10-11", True, "Saturday make-up working day for National Day 2025"),
    ("2025-10-12", False, "ordinary Sunday"),
    ("2025-12-31", True, "last working day of 2025"),
    ("2026-01-01", False, "New Year's Day 2026"),
    ("2026-01-02", False, "New Year holiday Friday"),
    ("2026-01-04", True, "Sunday make-up working day for New Year 2026"),
    ("2026-02-14", True, "Saturday make-up working day for Spring Festival 2026"),
    ("2026-02-15", False, "first Spring Festival 2026 holiday"),
    ("2026-02-16", False, "Spring Festival eve 2026"),
    ("2026-02-23", False, "last Spring Festival 2026 holiday"),
    ("2026-02-24", True, "first working day after Spring Festival 2026"),
    ("2026-02-28", True, "Saturday make-up working day for Spring Festival 2026"),
    ("2026-03-01", False, "ordinary Sunday"),
    ("2026-09-20", True, "Sunday make-up working day for National Day 2026"),
    ("2026-10-01", False, "National Day 2026"),
    ("2026-10-07", False, "last National Day 2026 holiday"),
    ("2026-10-08", True, "first working day after National Day 2026"),
    ("2026-10-10", True, "Saturday make-up working day for National Day 2026"),
    ("2026-10-11", False, "ordinary Sunday"),
    ("2027-01-01", True, "Friday in 2027: no official data, weekends-only fallback"),
    ("2027-01-02", False, "Saturday in 2027: weekends-only fallback"),
]

SCHEDULE_2027 = {
    # A hypothetical 2027 notice: the real one is loaded by an administrator when published.
    "year": 2027,
    "holidays": ["2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11"],
    "workdays": ["2027-01-02", "2027-02-06", "2027-02-20"],
}


def at(text: str, tz=SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


@pytest.mark.parametrize(("day", "working", "why"), OFFICIAL_DAYS)
def test_official_working_days_including_make_up_weekends(day, working, why):
    assert WorkingCalendar().is_working_day(date.fromisoformat(day)) is working, why


@pytest.mark.parametrize(("day", "working", "why"), [row for row in OFFICIAL_DAYS if row[0] < "2027"])
def test_table_agrees_with_chinese_calendar_package(day, working, why):
    assert chinese_calendar.is_workday(date.fromisoformat(day)) is working, why


@pytest.mark.parametrize(
    ("year", "source"),
    [(2004, "chinese_calendar"), (2025, "chinese_calendar"), (2026, "chinese_calendar"),
     (2027, "weekends_only"), (2030, "weekends_only"), (2003, "weekends_only")],
)
def test_source_for_year_reports_library_or_fallback(year, source):
    assert WorkingCalendar().source_for_year(year) == source


def test_fallback_years_lists_only_years_without_data_sorted_unique():
    assert WorkingCalendar().fallback_years([2028, 2026, 2027, 2025, 2027]) == [2027, 2028]


def test_loaded_2027_schedule_takes_precedence_and_is_reported_as_loaded():
    calendar = WorkingCalendar()
    calendar.add_schedule(parse_schedule(SCHEDULE_2027))
    assert calendar.source_for_year(2027) == "loaded"
    assert calendar.fallback_years([2026, 2027, 2028]) == [2028]
    assert not calendar.is_working_day(date(2027, 1, 1))  # Friday holiday
    assert calendar.is_working_day(date(2027, 1, 2))  # Saturday make-up day
    assert calendar.is_working_day(date(2027, 1, 4))  # unlisted Monday
    assert not calendar.is_working_day(date(2027, 1, 3))  # unlisted Sunday


@pytest.mark.parametrize(
    ("today", "loaded", "needed"),
    [
        ("2090-06-30", [], [2090]),               # no schedule for this year: always wanted
        ("2090-11-01", [], [2090]),               # next year is 61 days away: not yet
        ("2090-11-02", [], [2090, 2091]),         # 60 days before it begins: next year too
        ("2090-12-31", [2090], [2091]),           # this year loaded, next one still missing
        ("2090-12-31", [2090, 2091], []),
        ("2025-12-15", [], []),                   # both years known to the library
        ("2026-06-30", [], []),                   # next year far off
        ("2026-11-02", [], [2027]),               # the library stops at 2026
        ("2026-11-02", [2027], []),
    ],
)
def test_the_years_whose_official_schedule_is_wanted_now(today, loaded, needed):
    calendar = WorkingCalendar()
    for year in loaded:
        calendar.load_schedule(year, holidays=[date(year, 1, 1)], workdays=[])
    assert calendar.years_needing_schedule(date.fromisoformat(today)) == needed


def test_loaded_schedule_overrides_chinese_calendar_for_a_known_year():
    calendar = WorkingCalendar()
    calendar.load_schedule(2026, holidays=[date(2026, 3, 2)], workdays=[date(2026, 3, 1)])
    assert calendar.source_for_year(2026) == "loaded"
    assert not calendar.is_working_day(date(2026, 3, 2))
    assert calendar.is_working_day(date(2026, 3, 1))
    # The loaded schedule is the whole truth for its year: unlisted days are plain Mon-Fri.
    assert calendar.is_working_day(date(2026, 10, 1))


def test_schedule_round_trips_through_dict_and_json_text():
    schedule = parse_schedule(SCHEDULE_2027)
    assert parse_schedule(schedule.to_dict()) == schedule
    assert parse_schedule(json.dumps(SCHEDULE_2027)) == schedule


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": 2027, "holidays": ["2026-12-31"], "workdays": []}, r"2026-12-31 is outside year 2027"),
        ({"year": 2027, "holidays": ["2027-02-06"], "workdays": ["2027-02-06"]}, r"2027-02-06 listed as both"),
        ({"year": 2027, "holidays": ["2027/01/01"], "workdays": []}, r"expected YYYY-MM-DD, got '2027/01/01'"),
        ({"year": 2027, "holidays": ["2027-02-30"], "workdays": []}, r"expected YYYY-MM-DD, got '2027-02-30'"),
        ({"year": 2027, "holidays": "2027-01-01", "workdays": []}, r"holidays: expected a list"),
        ({"year": "2027", "holidays": [], "workdays": []}, r"year: expected an integer year"),
        ({"year": 2027, "holiday": []}, r"unknown keys \['holiday'\]"),
        ("{not json", r"not valid JSON"),
        ("[1, 2]", r"expected an object"),
    ],
)
def test_parse_schedule_rejects_bad_input_with_a_clear_message(data, message):
    with pytest.raises(ValueError, match=message):
        parse_schedule(data)


def test_load_schedule_validates_like_the_parser():
    with pytest.raises(ValueError, match="outside year 2027"):
        WorkingCalendar().load_schedule(2027, holidays=[date(2028, 1, 1)], workdays=[])


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-09-30", "2025-10-09"),
        ("2025-10-03", "2025-10-09"),
        ("2025-10-10", "2025-10-11"),
        ("2026-02-13", "2026-02-14"),
        ("2026-02-14", "2026-02-24"),
        ("2026-12-31", "2027-01-01"),
    ],
)
def test_next_working_day_skips_holidays_and_uses_make_up_days(day, expected):
    assert WorkingCalendar().next_working_day(date.fromisoformat(day)) == date.fromisoformat(expected)


def test_next_working_day_into_loaded_2027_skips_new_year():
    calendar = WorkingCalendar([parse_schedule(SCHEDULE_2027)])
    assert calendar.next_working_day(date(2026, 12, 31)) == date(2027, 1, 2)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        ("2025-09-30T10:00", Duration(1, "working_days"), "2025-10-09T10:00"),
        ("2025-09-30T10:00", Duration(5, "working_days"), "2025-10-14T10:00"),
        ("2025-10-03T15:00", Duration(1, "working_days"), "2025-10-10T00:00"),
        ("2025-10-03T15:00", Duration(0, "working_days"), "2025-10-09T00:00"),
        ("2025-09-30T12:00", Duration(0.5, "working_days"), "2025-10-09T00:00"),
        ("2025-01-24T09:00", Duration(1, "working_days"), "2025-01-26T09:00"),
        ("2026-02-13T16:00", Duration(1, "working_days"), "2026-02-14T16:00"),
        ("2026-02-13T16:00", Duration(2, "working_days"), "2026-02-24T16:00"),
        ("2026-02-13T16:00", Duration(15, "working_days"), "2026-03-12T16:00"),
        ("2026-12-31T09:00", Duration(1, "working_days"), "2027-01-01T09:00"),
        ("2025-09-30T22:00", Duration(2, "hours"), "2025-10-01T00:00"),
        ("2025-09-30T22:00", Duration(24, "hours"), "2025-10-01T22:00"),
        ("2025-09-30T22:00", Duration(3, "calendar_days"), "2025-10-03T22:00"),
    ],
)
def test_add_duration(start, duration, expected):
    assert WorkingCalendar().add(at(start), duration) == at(expected)


def test_add_working_days_uses_loaded_2027_schedule():
    calendar = WorkingCalendar([parse_schedule(SCHEDULE_2027)])
    assert calendar.add(at("2026-12-31T09:00"), Duration(1, "working_days")) == at("2027-01-02T09:00")


def test_add_keeps_the_callers_time_zone_and_counts_days_in_shanghai():
    calendar = WorkingCalendar()
    # 2025-09-30T17:00Z is 01:00 on 1 October in Shanghai: a holiday, so counting starts 9 Oct.
    result = calendar.add(at("2025-09-30T17:00", UTC), Duration(1, "working_days"))
    assert result == at("2025-10-10T00:00")
    assert result.tzinfo is UTC
    assert calendar.add(at("2025-09-30T02:00", UTC), Duration(1, "working_days")) == at("2025-10-09T02:00", UTC)


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        WorkingCalendar().add(datetime(2025, 1, 1), Duration(1, "hours"))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2025-09-30T10:00", "2025-10-09T10:00", 1.0),
        ("2025-09-30T10:00", "2025-10-14T10:00", 5.0),
        ("2025-10-01T00:00", "2025-10-09T00:00", 0.0),
        ("2025-10-14T10:00", "2025-09-30T10:00", -5.0),
        ("2025-10-09T00:00", "2025-10-09T12:00", 0.5),
    ],
)
def test_working_days_between(a, b, expected):
    assert WorkingCalendar().working_days_between(at(a), at(b)) == expected


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [(-1, "hours", ">= 0"), (1, "weeks", "expected one of"), ("5", "hours", "expected a number"),
     (True, "hours", "expected a number"), (float("nan"), "hours", ">= 0")],
)
def test_duration_rejects_bad_values(amount, unit, message):
    with pytest.raises(ValueError, match=message):
        Duration(amount, unit)


def test_year_schedule_rejects_datetimes_in_place_of_dates():
    with pytest.raises(ValueError, match="expected dates"):
        YearSchedule(2027, frozenset({datetime(2027, 1, 1)}), frozenset())


# -- properties ------------------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2028, 6, 30),
                      timezones=st.sampled_from([SHANGHAI, UTC]))
working_day_amounts = st.one_of(st.integers(0, 20), st.floats(0, 20, allow_nan=False).map(lambda x: round(x, 3)))


@st.composite
def calendars(draw):
    """The default calendar, or one with a random (validated) 2027 schedule loaded."""
    if draw(st.booleans()):
        return WorkingCalendar()
    days = st.dates(date(2027, 1, 1), date(2027, 12, 31))
    holidays = draw(st.frozensets(days, max_size=30))
    weekends = draw(st.frozensets(days.filter(lambda d: d.weekday() >= 5), max_size=10))
    return WorkingCalendar([YearSchedule(2027, holidays, weekends - holidays)])


@settings(max_examples=300, deadline=None, database=None)
@given(calendar=calendars(), start=starts, amount=working_day_amounts)
def test_working_day_deadline_never_lands_on_a_non_working_day(calendar, start, amount):
    deadline = calendar.add(start, Duration(amount, "working_days"))
    assert calendar.is_working_day(calendar.local_date(deadline))
    assert deadline >= start


@settings(max_examples=200, deadline=None, database=None)
@given(calendar=calendars(), start=starts, amount=working_day_amounts)
def test_working_time_between_start_and_deadline_is_exactly_the_duration(calendar, start, amount):
    duration = Duration(amount, "working_days")
    assert calendar.working_time_between(start, calendar.add(start, duration)) == duration.as_timedelta()


@settings(max_examples=200, deadline=None, database=None)
@given(start=starts, n=st.integers(0, 15))
def test_integral_working_days_keep_the_time_of_day_from_a_working_day(start, n):
    calendar = WorkingCalendar()
    local = start.astimezone(SHANGHAI)
    if not calendar.is_working_day(local.date()):
        local = calendar.start_of_day(calendar.next_working_day(local.date()))
    deadline = calendar.add(start, Duration(n, "working_days")).astimezone(SHANGHAI)
    assert deadline.time() == local.time()
    assert deadline - local >= timedelta(days=n)
