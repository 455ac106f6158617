"""Tests for sla.clock: pauses, extensions, time left and the warning light."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sla.calendar import SHANGHAI, Duration, WorkingCalendar
from sla.clock import AssignmentClock, deadline_after_pauses_and_extensions, warning_light

CALENDAR = WorkingCalendar()
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_clock_start_computes_deadline_from_the_limit():
    clock = AssignmentClock.start(at("2025-09-30T10:00"), Duration(5, "working_days"), CALENDAR)
    assert clock.deadline == at("2025-10-14T10:00")
    assert clock.unit == "working_days"


def test_working_day_pause_moves_deadline_by_paused_working_time_only():
    clock = AssignmentClock.start(at("2025-09-30T10:00"), Duration(5, "working_days"), CALENDAR)
    # 30 Sep 12:00 -> 9 Oct 12:00 spans the National Day break: only 24 h of working time.
    paused = clock.paused(at("2025-09-30T12:00")).resumed(at("2025-10-09T12:00"))
    assert paused.effective_deadline(at("2025-10-10T00:00")) == at("2025-10-15T10:00")


def test_pause_over_a_plain_weekend_costs_nothing_for_working_days_but_counts_for_hours():
    pause = [(at("2025-10-18T09:00"), at("2025-10-19T09:00"))]  # Saturday -> Sunday
    now = at("2025-10-20T00:00")
    working = deadline_after_pauses_and_extensions(at("2025-10-21T10:00"), unit="working_days",
                                                   pauses=pause, now=now, calendar=CALENDAR)
    hours = deadline_after_pauses_and_extensions(at("2025-10-21T10:00"), unit="hours",
                                                 pauses=pause, now=now, calendar=CALENDAR)
    assert working == at("2025-10-21T10:00")
    assert hours == at("2025-10-22T10:00")


def test_open_pause_counts_up_to_now_and_freezes_time_left():
    clock = AssignmentClock.start(at("2025-10-20T08:00"), Duration(24, "hours"), CALENDAR).paused(at("2025-10-20T10:00"))
    assert clock.is_paused
    assert clock.time_left(at("2025-10-20T10:00")) == timedelta(hours=22)
    assert clock.time_left(at("2025-10-25T10:00")) == timedelta(hours=22)


def test_extension_extends_from_the_current_deadline():
    clock = AssignmentClock.start(at("2025-10-20T08:00"), Duration(2, "working_days"), CALENDAR)
    clock = clock.paused(at("2025-10-20T12:00")).resumed(at("2025-10-21T12:00")).extended(Duration(3, "working_days"))
    # 22 Oct 08:00 + 1 paused working day + 3 extension working days.
    assert clock.effective_deadline(at("2025-10-22T00:00")) == at("2025-10-27T08:00")


@pytest.mark.parametrize(
    ("now", "light"),
    [
        ("2025-10-20T00:00", "green"),
        ("2025-10-20T05:00", "green"),   # exactly 50 % left is not yet yellow
        ("2025-10-20T05:01", "yellow"),
        ("2025-10-20T08:00", "yellow"),  # exactly 20 % left is not yet red
        ("2025-10-20T08:01", "red"),
        ("2025-10-20T10:00", "red"),     # at the deadline
        ("2025-10-21T10:00", "red"),     # overdue
    ],
)
def test_warning_light_thresholds(now, light):
    assert warning_light(at(now), at("2025-10-20T00:00"), at("2025-10-20T10:00")) == light


def test_warning_light_thresholds_are_parameters():
    start, deadline = at("2025-10-20T00:00"), at("2025-10-20T10:00")
    assert warning_light(at("2025-10-20T02:00"), start, deadline, yellow_below=0.9, red_below=0.75) == "yellow"
    assert warning_light(at("2025-10-20T02:00"), start, deadline, yellow_below=0.9, red_below=0.81) == "red"
    with pytest.raises(ValueError, match="red_below <= yellow_below"):
        warning_light(at("2025-10-20T02:00"), start, deadline, yellow_below=0.1, red_below=0.5)


def test_clock_light_and_overdue_use_the_effective_deadline():
    clock = AssignmentClock.start(at("2025-10-20T00:00"), Duration(10, "hours"), CALENDAR)
    assert clock.warning_light(at("2025-10-20T09:00")) == "red"
    assert clock.is_overdue(at("2025-10-20T10:00"))
    extended = clock.extended(Duration(10, "hours"))
    assert extended.warning_light(at("2025-10-20T12:00")) == "yellow"  # 8 of 20 h left
    assert not extended.is_overdue(at("2025-10-20T10:00"))


@pytest.mark.parametrize(
    ("pauses", "message"),
    [
        ([(at("2025-10-20T10:00"), at("2025-10-20T09:00"))], "before it starts"),
        ([(at("2025-10-20T10:00"), None), (at("2025-10-21T10:00"), at("2025-10-21T11:00"))], "only the last pause"),
        ([(at("2025-10-20T10:00"), at("2025-10-20T12:00")), (at("2025-10-20T11:00"), None)], "overlap"),
        ([(datetime(2025, 10, 20, 10), None)], "timezone-aware"),
    ],
)
def test_malformed_pauses_are_rejected(pauses, message):
    with pytest.raises(ValueError, match=message):
        AssignmentClock(at("2025-10-20T00:00"), at("2025-10-21T00:00"), "hours", pauses)


def test_pause_and_resume_must_alternate():
    clock = AssignmentClock.start(at("2025-10-20T00:00"), Duration(10, "hours"), CALENDAR)
    with pytest.raises(ValueError, match="expected a paused clock"):
        clock.resumed(at("2025-10-20T01:00"))
    with pytest.raises(ValueError, match="already paused"):
        clock.paused(at("2025-10-20T01:00")).paused(at("2025-10-20T02:00"))


# -- properties ------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.sampled_from([SHANGHAI, timezone.utc]))
limits = st.one_of(
    st.builds(Duration, st.integers(1, 72), st.just("hours")),
    st.builds(Duration, st.integers(1, 10), st.just("calendar_days")),
    st.builds(Duration, st.integers(1, 15), st.just("working_days")),
)
gaps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))


def _measure(clock: AssignmentClock, a: datetime, b: datetime) -> timedelta:
    """Time from a to b in the clock's own kind of time."""
    return CALENDAR.working_time_between(a, b) if clock.unit == "working_days" else b - a


@PROPERTY
@given(start=moments, limit=limits, before=gaps, length=gaps)
def test_pausing_then_resuming_adds_exactly_the_pause(start, limit, before, length):
    clock = AssignmentClock.start(start, limit, CALENDAR)
    pause_start = start + before
    resumed = clock.paused(pause_start).resumed(pause_start + length)
    later = pause_start + length + timedelta(days=1)
    moved = _measure(clock, clock.effective_deadline(later), resumed.effective_deadline(later))
    assert moved == _measure(clock, pause_start, pause_start + length)


@PROPERTY
@given(start=moments, limit=limits, lengths=st.lists(gaps, min_size=1, max_size=4), spacing=gaps)
def test_several_pauses_add_up(start, limit, lengths, spacing):
    clock = AssignmentClock.start(start, limit, CALENDAR)
    cursor, expected = start, timedelta(0)
    for length in lengths:
        cursor += spacing
        clock = clock.paused(cursor).resumed(cursor + length)
        expected += _measure(clock, cursor, cursor + length)
        cursor += length
    assert _measure(clock, clock.deadline, clock.effective_deadline(cursor)) == expected


@PROPERTY
@given(start=moments, limit=limits, before=gaps, length=gaps, extension=limits, now_offset=gaps)
def test_extension_extends_from_the_current_deadline(start, limit, before, length, extension, now_offset):
    clock = AssignmentClock.start(start, limit, CALENDAR)
    clock = clock.paused(start + before).resumed(start + before + length)
    now = start + now_offset
    current = clock.effective_deadline(now)
    assert clock.extended(extension).effective_deadline(now) == CALENDAR.add(current, extension)


@PROPERTY
@given(start=moments, limit=limits, before=gaps, wait=gaps)
def test_remaining_time_does_not_run_while_paused(start, limit, before, wait):
    clock = AssignmentClock.start(start, limit, CALENDAR)
    pause_start = start + before
    assume(pause_start < clock.deadline)
    paused = clock.paused(pause_start)
    later = pause_start + wait
    remaining_then = _measure(clock, pause_start, clock.deadline)
    assert _measure(clock, later, paused.effective_deadline(later)) == remaining_then
