"""Deadlines of an order's hops: the closed loop asks, the SLA domain answers.

The working calendar and the time-limit policy belong to `sla`, which is built on the core. The
module that answers is named by import path in `DEADLINES` (as `dispatch.hooks` names the
listeners), so the core never imports `sla` (docs/architecture.md): `sla.deadlines`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

DEADLINES = "sla.deadlines"


@dataclass(frozen=True)
class HopDeadlines:
    sign_deadline: datetime
    return_deadline: datetime
    deadline: datetime
    handling_unit: str
    policy_version: int


@lru_cache
def _answering():
    return importlib.import_module(DEADLINES)


def hop_deadlines(*, now: datetime, request_type: str, urgency: str, category: str | None,
                  channel: str | None, cap: datetime | None = None) -> HopDeadlines:
    """Sign-for, return-window and handling deadlines for a hop dispatched at `now`; a hop
    passed down never gets more time than the hop above it (`cap`)."""
    return _answering().hop_deadlines(now=now, request_type=request_type, urgency=urgency,
                                      category=category, channel=channel, cap=cap)


def extend(deadline: datetime, working_days: int) -> datetime:
    """An approved extension counts from the current deadline."""
    return _answering().extend(deadline, working_days)


def after_pause(deadline: datetime, paused: timedelta, unit: str) -> datetime:
    return _answering().after_pause(deadline, paused, unit)


def paused_amount(start: datetime, end: datetime, unit: str) -> timedelta:
    """The pause measured in the limit's kind of time (working time for working-day limits)."""
    return _answering().paused_amount(start, end, unit)


def light(now: datetime, started_at: datetime, deadline: datetime | None) -> str | None:
    return _answering().light(now, started_at, deadline)
