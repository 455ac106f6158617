"""The report's figures, frozen once the month is over, and the report written from them.

A month still running is read afresh on every request (a progress report); the first request
after its end stores the figures as final, and every later run renders from them: the same
document, whatever has happened to the orders since. The hourly beat freezes the city's last
month by itself (scheduled.py), so the month-end report exists before anyone asks for it.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from console_ui.monthly import figures
from console_ui.monthly.models import ReportSnapshot
from dispatch.orgs.models import OrgUnit
from sla import current
from sla.reports import period_containing


def month_of(text: str | None, today: date) -> date:
    """'2026-11' → its first day; None → the first day of the month before ``today``'s."""
    if not text:
        return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    try:
        year, month = (int(x) for x in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ValueError(f"month: expected YYYY-MM, got {text!r}") from None


def snapshot(session: Session, *, scope: OrgUnit, month: date, now: datetime) -> ReportSnapshot:
    """The stored figures of the month for ``scope``: reused when final, (re)read otherwise."""
    period = period_containing("month", month)
    today = current.calendar().local_date(now)
    if period.start > today:
        raise ValueError(f"month {period.label} has not begun")
    row = session.exec(select(ReportSnapshot).where(ReportSnapshot.unit_id == scope.id,
                                                    ReportSnapshot.period == period.label)).first()
    if row is not None and row.final:
        return row
    data = figures.collect(session, scope=scope, month=period.start, calendar=current.calendar(), now=now)
    row = row or ReportSnapshot(unit_id=scope.id, period=period.label)
    row.figures, row.final = data, today >= period.end
    session.add(row)
    try:
        session.commit()
    except IntegrityError:      # another run stored it first: theirs stands
        session.rollback()
        row = session.exec(select(ReportSnapshot).where(ReportSnapshot.unit_id == scope.id,
                                                        ReportSnapshot.period == period.label)).one()
    session.refresh(row)
    return row
