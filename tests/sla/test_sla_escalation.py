"""Tests for sla.escalation: chase, overdue, supervise, criticise -- each due once."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.calendar import SHANGHAI, Duration, WorkingCalendar
from sla.escalation import LEVELS, EscalationSettings, chase_at, due_escalations, escalation_times

CALENDAR = WorkingCalendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# Started Monday 20 Oct 2025 08:00 with 5 working days: deadline Monday 27 Oct 08:00.
START, DEADLINE = at("2025-10-20T08:00"), at("2025-10-27T08:00")
ALL_BUT = lambda *missing: [level for level in LEVELS if level not in missing]  # noqa: E731


@pytest.mark.parametrize(
    ("now", "recorded", "expected"),
    [
        ("2025-10-25T13:59", [], []),
        ("2025-10-25T14:00", [], ["chase"]),  # 25 % of 168 h = 42 h before the deadline
        ("2025-10-27T07:59", ["chase"], []),
        ("2025-10-27T08:00", [], ["overdue"]),  # a chase missed before the deadline is dropped
        ("2025-10-27T08:00", ["chase"], ["overdue"]),
        ("2025-10-27T23:59", ["chase", "overdue"], []),
        ("2025-10-28T00:00", ["chase", "overdue"], ["supervise"]),
        ("2025-11-03T08:00", ALL_BUT("criticise"), []),  # exactly 5 working days overdue
        ("2025-11-03T08:01", ALL_BUT("criticise"), ["criticise"]),
        ("2025-11-10T00:00", [], ["overdue", "supervise", "criticise"]),
        ("2025-11-10T00:00", LEVELS, []),
    ],
)
def test_due_escalations_ladder(now, recorded, expected):
    due = due_escalations(started_at=START, deadline=DEADLINE, now=at(now), calendar=CALENDAR, recorded=recorded)
    assert [e.level for e in due] == expected


def test_supervise_and_criticise_skip_the_national_day_break():
    times = escalation_times(started_at=at("2025-09-23T10:00"), deadline=at("2025-09-30T10:00"), calendar=CALENDAR)
    assert times["supervise"] == at("2025-10-09T00:00")
    # 9, 10, 11 (make-up Saturday), 13, 14 October.
    assert times["criticise"] == at("2025-10-14T10:00")


@pytest.mark.parametrize(
    ("limit", "lead"),
    [
        (Duration(2, "hours"), timedelta(hours=1)),     # 4 h lead capped at half of 2 h
        (Duration(24, "hours"), timedelta(hours=6)),    # 25 % of 24 h beats 4 h
        (Duration(10, "hours"), timedelta(hours=4)),    # 4 h beats 25 % of 10 h
    ],
)
def test_chase_window_opens_at_whichever_lead_comes_first(limit, lead):
    start = at("2025-10-20T08:00")
    deadline = CALENDAR.add(start, limit)
    assert chase_at(start, deadline) == deadline - lead


def test_chase_settings_are_configurable():
    custom = EscalationSettings(chase_fraction=0.5, chase_lead=timedelta(0), criticise_after_working_days=1)
    times = escalation_times(started_at=START, deadline=DEADLINE, calendar=CALENDAR, settings=custom)
    assert times["chase"] == DEADLINE - timedelta(hours=84)
    assert times["criticise"] == at("2025-10-28T08:00")


def test_unknown_recorded_level_is_rejected():
    with pytest.raises(ValueError, match="unknown \\['escalate'\\]"):
        due_escalations(started_at=START, deadline=DEADLINE, now=DEADLINE, calendar=CALENDAR, recorded=["escalate"])


# -- properties ------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.sampled_from([SHANGHAI, timezone.utc]))
limits = st.one_of(
    st.builds(Duration, st.integers(1, 72), st.just("hours")),
    st.builds(Duration, st.integers(1, 15), st.just("working_days")),
)
scan_gaps = st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4)), max_size=25)


@settings(max_examples=200, deadline=None, database=None)
@given(start=moments, limit=limits, gaps=scan_gaps)
def test_each_escalation_level_fires_once_and_in_ladder_order(start, limit, gaps):
    deadline = CALENDAR.add(start, limit)
    recorded: list[str] = []
    now = start
    for gap in [*gaps, timedelta(days=60)]:  # the final scan is long after everything is due
        now += gap
        kwargs = dict(started_at=start, deadline=deadline, now=now, calendar=CALENDAR)
        due = [e.level for e in due_escalations(**kwargs, recorded=recorded)]
        assert not set(due) & set(recorded)
        recorded.extend(due)
        assert due_escalations(**kwargs, recorded=recorded) == []  # a re-run adds nothing
    assert recorded == [level for level in LEVELS if level in recorded]
    assert {"overdue", "supervise", "criticise"} <= set(recorded)
