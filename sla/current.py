"""The working calendar and policy this process uses, reloaded when an administrator changes them.

API processes, RQ workers and the sweeper each keep a copy. A copy is trusted for ``TTL``
seconds, then one cheap query compares the stored configuration version; only a changed
version reloads the schedules and the policy. The process that made the change calls
``invalidate`` so it sees the change at once.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import date

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from dispatch.db import get_engine
from dispatch.sqltypes import utcnow
from sla import service
from sla.calendar import WorkingCalendar
from sla.policy import DEFAULT_POLICY, Policy

log = logging.getLogger(__name__)
TTL = 1.0


class Current:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.version: int | None = None
        self.checked = float("-inf")
        self.calendar = WorkingCalendar()
        self.policy: Policy = DEFAULT_POLICY

    def invalidate(self) -> None:
        self.checked = float("-inf")

    def refresh(self) -> None:
        if time.monotonic() - self.checked < TTL:
            return
        with self._lock:
            if time.monotonic() - self.checked < TTL:
                return
            try:
                version = _stored_version()
                if version != self.version:
                    self._load(version)
            except SQLAlchemyError as exc:  # tables not there yet, or the database is away
                log.warning("SLA configuration not reloaded (%s); keeping version %s",
                            exc.__class__.__name__, self.version)
            self.checked = time.monotonic()

    def _load(self, version: int) -> None:
        with Session(get_engine()) as session:
            schedules = service.loaded_schedules(session)
            policy = service.current_policy(session)
        self.calendar, self.policy, self.version = WorkingCalendar(schedules), policy, version
        log.info("SLA configuration v%s: policy v%s, loaded years %s", version, policy.version,
                 [s.year for s in schedules])


def _stored_version() -> int:
    with get_engine().connect() as conn:
        value = conn.execute(text("SELECT config_version FROM sla_state WHERE id = 1")).scalar()
    return int(value or 0)


_current = Current()


def calendar() -> WorkingCalendar:
    _current.refresh()
    return _current.calendar


def policy() -> Policy:
    _current.refresh()
    return _current.policy


def today() -> date:
    """Today in the calendar's time zone (Beijing), not the UTC date."""
    return calendar().local_date(utcnow())


def years_needing_schedule() -> list[int]:
    """This year and, near its end, the next one, where only the weekends-only fallback
    decides working days (``WorkingCalendar.years_needing_schedule``)."""
    return calendar().years_needing_schedule(today())


def invalidate() -> None:
    _current.invalidate()
