"""The SLA clock of one assignment: pauses (挂起), extensions (延期), time left and warning light.

How the deadline moves:

* A pause moves the deadline by exactly the paused time, measured in the limit's own kind of
  time: wall-clock time for ``hours`` and ``calendar_days`` limits, working time for
  ``working_days`` limits (a pause over a weekend costs nothing, because the weekend was not
  counted in the first place). An open pause (no end yet) counts up to ``now``.
* An approved extension extends from the current deadline, i.e. after the pauses.
  Pauses are applied before extensions; for limits and extensions of the same kind of time
  the order makes no difference, because both are plain additions of that kind of time.
* Every recorded pause counts. Whether a suspension may start after the deadline is a
  guard for the workflow, not for this arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from sla.calendar import Duration, Unit, WorkingCalendar, require_aware

Light = Literal["green", "yellow", "red"]
Pause = tuple[datetime, "datetime | None"]

DEFAULT_YELLOW_BELOW = 0.5
DEFAULT_RED_BELOW = 0.2


def validate_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    """Pauses sorted by start; raises ValueError if they overlap or are malformed."""
    ordered = sorted(pauses, key=lambda p: p[0])
    for index, (start, end) in enumerate(ordered):
        require_aware(start, "pause start")
        if end is not None and require_aware(end, "pause end") < start:
            raise ValueError(f"pause ending {end.isoformat()} before it starts {start.isoformat()}")
        if index + 1 < len(ordered):
            if end is None:
                raise ValueError(f"only the last pause may be open; pause from {start.isoformat()} is not")
            if ordered[index + 1][0] < end:
                raise ValueError(f"pauses overlap at {ordered[index + 1][0].isoformat()}")
    return ordered


def paused_time(pauses: Iterable[Pause], *, now: datetime, unit: Unit, calendar: WorkingCalendar) -> timedelta:
    """Total paused time up to ``now``, in wall-clock or working time according to ``unit``."""
    require_aware(now, "now")
    total = timedelta(0)
    for start, end in validate_pauses(pauses):
        stop = end if end is not None else max(now, start)
        if unit == "working_days":
            total += calendar.working_time_between(start, stop)
        else:
            total += stop - start
    return total


def shift_deadline(deadline: datetime, amount: timedelta, *, unit: Unit, calendar: WorkingCalendar) -> datetime:
    """Move ``deadline`` later by ``amount`` of the limit's kind of time."""
    if unit == "working_days":
        return calendar.add_working_time(deadline, amount)
    return deadline + amount


def deadline_after_pauses_and_extensions(
    deadline: datetime,
    *,
    unit: Unit,
    pauses: Iterable[Pause] = (),
    extensions: Iterable[Duration] = (),
    now: datetime,
    calendar: WorkingCalendar,
) -> datetime:
    """The effective deadline: the original one moved by the pauses, then by each extension."""
    require_aware(deadline, "deadline")
    current = shift_deadline(deadline, paused_time(pauses, now=now, unit=unit, calendar=calendar),
                             unit=unit, calendar=calendar)
    for extension in extensions:
        current = calendar.add(current, extension)
    return current


def warning_light(
    now: datetime,
    started_at: datetime,
    deadline: datetime,
    *,
    yellow_below: float = DEFAULT_YELLOW_BELOW,
    red_below: float = DEFAULT_RED_BELOW,
) -> Light:
    """Red when overdue or less than ``red_below`` of the total is left; yellow under ``yellow_below``."""
    if not 0 <= red_below <= yellow_below <= 1:
        raise ValueError(f"thresholds: expected 0 <= red_below <= yellow_below <= 1, got {red_below}, {yellow_below}")
    for name, value in (("now", now), ("started_at", started_at), ("deadline", deadline)):
        require_aware(value, name)
    left = deadline - now
    total = deadline - started_at
    if left <= timedelta(0) or total <= timedelta(0):
        return "red"
    fraction = left / total
    if fraction < red_below:
        return "red"
    if fraction < yellow_below:
        return "yellow"
    return "green"


@dataclass(frozen=True)
class AssignmentClock:
    """One assignment's clock: when it started, its original deadline, pauses and extensions."""

    started_at: datetime
    deadline: datetime
    unit: Unit
    pauses: Sequence[Pause] = ()
    extensions: Sequence[Duration] = ()
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar, compare=False, repr=False)

    def __post_init__(self) -> None:
        require_aware(self.started_at, "started_at")
        require_aware(self.deadline, "deadline")
        if self.deadline < self.started_at:
            raise ValueError(f"deadline {self.deadline.isoformat()} is before start {self.started_at.isoformat()}")
        object.__setattr__(self, "pauses", tuple(validate_pauses(self.pauses)))
        object.__setattr__(self, "extensions", tuple(self.extensions))

    @classmethod
    def start(cls, started_at: datetime, limit: Duration, calendar: WorkingCalendar) -> AssignmentClock:
        """A fresh clock whose deadline is ``limit`` after ``started_at``."""
        return cls(started_at, calendar.add(started_at, limit), limit.unit, calendar=calendar)

    def paused(self, at: datetime) -> AssignmentClock:
        """A copy with a pause opened at ``at``."""
        if self.is_paused:
            raise ValueError("expected a running clock, got one already paused")
        return self._replace(pauses=(*self.pauses, (at, None)))

    def resumed(self, at: datetime) -> AssignmentClock:
        """A copy with the open pause closed at ``at``."""
        if not self.is_paused:
            raise ValueError("expected a paused clock, got one running")
        start, _ = self.pauses[-1]
        return self._replace(pauses=(*self.pauses[:-1], (start, at)))

    def extended(self, extension: Duration) -> AssignmentClock:
        """A copy with an approved extension added."""
        return self._replace(extensions=(*self.extensions, extension))

    @property
    def is_paused(self) -> bool:
        """True while the last pause is open."""
        return bool(self.pauses) and self.pauses[-1][1] is None

    def effective_deadline(self, now: datetime) -> datetime:
        """The deadline after pauses (open ones counted up to ``now``) and extensions."""
        return deadline_after_pauses_and_extensions(
            self.deadline, unit=self.unit, pauses=self.pauses, extensions=self.extensions,
            now=now, calendar=self.calendar,
        )

    def time_left(self, now: datetime) -> timedelta:
        """Wall-clock time until the effective deadline (negative when overdue)."""
        return self.effective_deadline(now) - now

    def is_overdue(self, now: datetime) -> bool:
        """True from the effective deadline on."""
        return self.time_left(now) <= timedelta(0)

    def warning_light(self, now: datetime, *, yellow_below: float = DEFAULT_YELLOW_BELOW,
                      red_below: float = DEFAULT_RED_BELOW) -> Light:
        """Warning light against the effective deadline."""
        return warning_light(now, self.started_at, self.effective_deadline(now),
                             yellow_below=yellow_below, red_below=red_below)

    def _replace(self, **changes: object) -> AssignmentClock:
        return replace(self, **changes)
