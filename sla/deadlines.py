"""Deadlines for a new hop and their shifts, applying the pure `sla` modules to stored rows.

The closed loop asks through `dispatch.orders.deadlines`, which names this module by import path.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from dispatch.orders.deadlines import HopDeadlines
from sla import current
from sla.calendar import Duration, WorkingCalendar
from sla.clock import shift_deadline, warning_light
from sla.policy import Policy


def get_calendar() -> WorkingCalendar:
    """Official calendar with the administrator-loaded years (cached, reloaded on change)."""
    return current.calendar()


def current_policy() -> Policy:
    """The stored current policy version (cached, reloaded on change)."""
    return current.policy()


def hop_deadlines(*, now: datetime, request_type: str, urgency: str, category: str | None,
                  channel: str | None, cap: datetime | None = None) -> HopDeadlines:
    """Sign-for, return-window and handling deadlines for a hop dispatched at `now`.

    A hop passed down never gets more time than the hop above it (`cap`).
    """
    policy, cal = current_policy(), get_calendar()
    limits = policy.limits_for(request_type, urgency, category, channel)
    deadline = cal.add(now, limits.handling)
    if cap is not None and deadline > cap:
        deadline = cap
    return HopDeadlines(sign_deadline=min(cal.add(now, limits.sign_for), deadline),
                        return_deadline=cal.add(now, limits.return_window), deadline=deadline,
                        handling_unit=limits.handling.unit, policy_version=policy.version)


def extend(deadline: datetime, working_days: int) -> datetime:
    """An approved extension counts from the current deadline."""
    return get_calendar().add(deadline, Duration(working_days, "working_days"))


def after_pause(deadline: datetime, paused: timedelta, unit: str) -> datetime:
    return shift_deadline(deadline, paused, unit=unit, calendar=get_calendar())


def paused_amount(start: datetime, end: datetime, unit: str) -> timedelta:
    """The pause measured in the limit's kind of time (working time for working-day limits)."""
    if unit == "working_days":
        return get_calendar().working_time_between(start, end)
    return end - start


def light(now: datetime, started_at: datetime, deadline: datetime | None) -> str | None:
    return warning_light(now, started_at, deadline) if deadline else None
