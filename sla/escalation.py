"""Escalations of one assignment: chase (催办), overdue, supervise (督办), criticise (通报).

When each level is due (all times from the effective deadline; see ``sla.clock``):

* ``chase``: inside the chase window before the deadline. The window opens when the time left
  drops to ``max(chase_fraction × total, chase_lead)`` -- whichever comes first -- but the fixed
  lead is capped at half the total so a 2-hour order is not chased the moment it starts.
  A chase missed before the deadline is dropped: ``overdue`` supersedes it.
* ``overdue``: at the deadline.
* ``supervise``: from 00:00 of the next working day after the deadline's (local) date.
* ``criticise``: once more than ``criticise_after_working_days`` working days overdue.

Each level is due at most once: levels already recorded are never returned again, so a
scheduled job can re-run safely.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sla.calendar import WorkingCalendar, require_aware

Level = Literal["chase", "overdue", "supervise", "criticise"]
LEVELS: tuple[str, ...] = ("chase", "overdue", "supervise", "criticise")


@dataclass(frozen=True)
class EscalationSettings:
    """Thresholds for the escalation ladder."""

    chase_fraction: float = 0.25
    chase_lead: timedelta = timedelta(hours=4)
    criticise_after_working_days: float = 5

    def __post_init__(self) -> None:
        if not 0 <= self.chase_fraction <= 1:
            raise ValueError(f"chase_fraction: expected 0..1, got {self.chase_fraction}")
        if self.chase_lead < timedelta(0):
            raise ValueError(f"chase_lead: expected >= 0, got {self.chase_lead}")
        if not self.criticise_after_working_days >= 0:
            raise ValueError(f"criticise_after_working_days: expected >= 0, got {self.criticise_after_working_days}")


DEFAULT_SETTINGS = EscalationSettings()


@dataclass(frozen=True)
class Escalation:
    """A level that has become due, and since when."""

    level: Level
    due_at: datetime


def chase_at(started_at: datetime, deadline: datetime, settings: EscalationSettings = DEFAULT_SETTINGS) -> datetime:
    """When the chase window opens."""
    total = max(deadline - started_at, timedelta(0))
    lead = max(total * settings.chase_fraction, min(settings.chase_lead, total / 2))
    return deadline - lead


def escalation_times(
    *,
    started_at: datetime,
    deadline: datetime,
    calendar: WorkingCalendar,
    settings: EscalationSettings = DEFAULT_SETTINGS,
) -> dict[str, datetime]:
    """The moment each level becomes due (criticise: due strictly after its moment)."""
    require_aware(started_at, "started_at")
    require_aware(deadline, "deadline")
    next_day = calendar.next_working_day(calendar.local_date(deadline))
    overdue_limit = timedelta(days=settings.criticise_after_working_days)
    return {
        "chase": chase_at(started_at, deadline, settings),
        "overdue": deadline,
        "supervise": calendar.start_of_day(next_day).astimezone(deadline.tzinfo),
        "criticise": calendar.add_working_time(deadline, overdue_limit),
    }


def _is_due(level: str, when: datetime, now: datetime, deadline: datetime) -> bool:
    if level == "chase":
        return when <= now < deadline
    if level == "criticise":
        # "More than N working days overdue": strictly after N working days have elapsed.
        return now > when
    return now >= when


def due_escalations(
    *,
    started_at: datetime,
    deadline: datetime,
    now: datetime,
    calendar: WorkingCalendar,
    recorded: Iterable[str] = (),
    settings: EscalationSettings = DEFAULT_SETTINGS,
) -> list[Escalation]:
    """Levels due at ``now`` and not yet recorded, in ladder order."""
    require_aware(now, "now")
    done = set(recorded)
    unknown = sorted(done - set(LEVELS))
    if unknown:
        raise ValueError(f"recorded levels: unknown {unknown}; expected some of {', '.join(LEVELS)}")
    times = escalation_times(started_at=started_at, deadline=deadline, calendar=calendar, settings=settings)
    return [
        Escalation(level, times[level])  # type: ignore[arg-type]
        for level in LEVELS
        if level not in done and _is_due(level, times[level], now, deadline)
    ]
