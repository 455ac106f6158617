"""Plain reads and writes of the SLA tables (no notifications, no queue)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dispatch.errors import Conflict, Invalid
from dispatch.orders.enums import HopStatus
from dispatch.orders.models import Assignment, Order
from dispatch.sqltypes import starts_with, utcnow
from sla.calendar import YearSchedule, parse_schedule
from sla.kpi import DEFAULT_WEIGHTS, normalise_weights
from sla.models import CalendarYear, EscalationRecord, Notification, PolicyVersion, SlaState
from sla.policy import DEFAULT_POLICY, Policy

ESCALATING = (HopStatus.dispatched.value, HopStatus.handling.value,
              HopStatus.return_requested.value)


# -- configuration version -------------------------------------------------------------------

def insert_on_conflict(session: Session, table: Table):
    """An INSERT that takes ON CONFLICT clauses (PostgreSQL and SQLite spell them alike)."""
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)


def state(session: Session) -> SlaState:
    """The single state row (created race-free on first use)."""
    row = session.get(SlaState, 1)
    if row is None:
        session.execute(insert_on_conflict(session, SlaState.__table__)
                        .values(id=1, config_version=0, kpi_weights={}, updated_at=utcnow())
                        .on_conflict_do_nothing(index_elements=["id"]))
        row = session.get(SlaState, 1)
    return row


def bump_config(session: Session) -> None:
    """Every process reloads its calendar and policy when this number changes."""
    state(session)
    session.execute(update(SlaState).where(SlaState.id == 1)
                    .values(config_version=SlaState.config_version + 1, updated_at=utcnow()))


def _commit_or_conflict(session: Session, what: str) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"{what} was changed by someone else meanwhile; reload and retry") from None


# -- calendars -------------------------------------------------------------------------------

def calendar_years(session: Session) -> list[CalendarYear]:
    return list(session.exec(select(CalendarYear).order_by(CalendarYear.year)).all())


def loaded_schedules(session: Session) -> list[YearSchedule]:
    return [to_schedule(row) for row in calendar_years(session)]


def to_schedule(row: CalendarYear) -> YearSchedule:
    return parse_schedule({"year": row.year, "holidays": row.holidays, "workdays": row.workdays})


def save_schedule(session: Session, *, schedule: YearSchedule, note: str = "",
                  loaded_by: str = "") -> CalendarYear:
    """Install (or replace) a year's official schedule; it takes precedence from now on."""
    data = schedule.to_dict()
    row = session.get(CalendarYear, schedule.year) or CalendarYear(year=schedule.year)
    row.holidays, row.workdays = data["holidays"], data["workdays"]
    row.note, row.loaded_by, row.loaded_at = note, loaded_by, utcnow()
    session.add(row)
    bump_config(session)
    _commit_or_conflict(session, f"the {schedule.year} schedule")
    return row


def delete_schedule(session: Session, *, year: int) -> bool:
    row = session.get(CalendarYear, year)
    if row is None:
        return False
    session.delete(row)
    bump_config(session)
    session.commit()
    return True


# -- policies --------------------------------------------------------------------------------

def policy_versions(session: Session) -> list[PolicyVersion]:
    rows = list(session.exec(select(PolicyVersion).order_by(col(PolicyVersion.version))).all())
    if not any(r.version == DEFAULT_POLICY.version for r in rows):
        rows.insert(0, _builtin_row())
    return rows


def _builtin_row() -> PolicyVersion:
    return PolicyVersion(version=DEFAULT_POLICY.version, body=DEFAULT_POLICY.to_dict(),
                         note="内置默认时限", created_by="system",
                         created_at=datetime(2020, 1, 1).astimezone())


def current_policy(session: Session) -> Policy:
    row = session.exec(select(PolicyVersion).order_by(col(PolicyVersion.version).desc())).first()
    return Policy.from_dict(row.body) if row else DEFAULT_POLICY


def policy_at(session: Session, *, version: int) -> Policy | None:
    """The policy a hop was dispatched under (its ``policy_version``)."""
    if version == DEFAULT_POLICY.version and session.get(PolicyVersion, version) is None:
        return DEFAULT_POLICY
    row = session.get(PolicyVersion, version)
    return Policy.from_dict(row.body) if row else None


def save_policy(session: Session, *, body: Mapping[str, Any], based_on: int | None,
                note: str = "", created_by: str = "") -> PolicyVersion:
    """Store an edit as a new version (current + 1); 409 if ``based_on`` is not the current one."""
    current = current_policy(session)
    if based_on is not None and based_on != current.version:
        raise Conflict(f"the policy is at version {current.version}, not {based_on}; reload it",
                       {"current_version": current.version})
    try:
        policy = Policy.from_dict({**body, "version": current.version + 1})
    except (TypeError, ValueError) as exc:
        raise Invalid(str(exc)) from None
    if session.get(PolicyVersion, DEFAULT_POLICY.version) is None:
        session.add(_builtin_row())  # keep the built-in version in the stored history
    row = PolicyVersion(version=policy.version, body=policy.to_dict(), note=note,
                        created_by=created_by)
    session.add(row)
    bump_config(session)
    _commit_or_conflict(session, "the policy")
    return row


# -- KPI weights -----------------------------------------------------------------------------

def kpi_weights(session: Session) -> dict[str, float]:
    row = session.get(SlaState, 1)
    return dict(row.kpi_weights) if row and row.kpi_weights else dict(DEFAULT_WEIGHTS)


def save_kpi_weights(session: Session, *, weights: Mapping[str, float]) -> dict[str, float]:
    try:
        normalise_weights(weights)
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    row = state(session)
    row.kpi_weights = dict(weights)
    session.add(row)
    session.commit()
    return dict(weights)


# -- escalations and notifications -----------------------------------------------------------

def recorded_levels(session: Session, *, hop_id: int) -> set[str]:
    stmt = select(EscalationRecord.level).where(EscalationRecord.hop_id == hop_id)
    return set(session.exec(stmt).all())


def open_hops(session: Session, *, after_id: int = 0, limit: int = 2000) -> list[tuple]:
    """(id, dispatched_at, deadline, escalations) of hops whose clock runs, keyset by id."""
    stmt = (select(Assignment.id, Assignment.dispatched_at, Assignment.deadline,
                   Assignment.escalations)
            .where(col(Assignment.status).in_(ESCALATING), col(Assignment.deadline).is_not(None),
                   Assignment.id > after_id)
            .order_by(Assignment.id).limit(limit))
    return list(session.exec(stmt).all())


def lock_hop(session: Session, *, hop_id: int) -> Assignment | None:
    """The hop, write-locked for this transaction (a no-op update locks on SQLite and PostgreSQL)."""
    session.execute(update(Assignment).where(Assignment.id == hop_id)
                    .values(escalations=Assignment.escalations))
    return session.exec(select(Assignment).where(Assignment.id == hop_id)
                        .execution_options(populate_existing=True)).first()


def notifications(session: Session, *, under_path: str, unread_only: bool = False,
                  before_id: int | None = None, limit: int = 50) -> list[Notification]:
    stmt = select(Notification).where(starts_with(col(Notification.recipient_path), under_path))
    if unread_only:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    if before_id:
        stmt = stmt.where(col(Notification.id) < before_id)
    return list(session.exec(stmt.order_by(col(Notification.id).desc()).limit(limit)).all())


def mark_read(session: Session, *, notification_id: int, under_path: str) -> Notification | None:
    row = session.get(Notification, notification_id)
    if row is None or not row.recipient_path.startswith(under_path):
        return None
    row.read_at = row.read_at or utcnow()
    session.add(row)
    session.commit()
    return row


def overdue_hops(session: Session, *, under_path: str, now: datetime,
                 limit: int = 1000) -> list[tuple[Assignment, Order]]:
    """Open hops past their deadline inside a unit's reach, most overdue first."""
    stmt = (select(Assignment, Order).join(Order, Order.id == Assignment.order_id)
            .where(col(Assignment.status).in_(ESCALATING), col(Assignment.deadline) < now,
                   starts_with(col(Assignment.to_path), under_path))
            .order_by(col(Assignment.deadline)).limit(limit))
    return list(session.exec(stmt).all())


def year_range(first: int, last: int) -> range:
    if last < first or last - first > 50:
        raise Invalid(f"years: expected 0..50 years from {first}, got {first}..{last}")
    return range(first, last + 1)

