"""SLA tables: loaded calendars, policy versions, escalations, notifications and KPI aggregates."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (JSON, Column, Date, Index, Integer, PrimaryKeyConstraint, String, Table,
                        UniqueConstraint)
from sqlmodel import Field, SQLModel

from dispatch.sqltypes import PathString, dt_field, json_field, path_string
from sla.counts import COUNT_FIELDS


class CalendarYear(SQLModel, table=True):
    """An administrator-loaded official schedule (节假日 + 调休上班) for one year."""
    __tablename__ = "sla_calendar_year"
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    holidays: list[str] = json_field(list)      # ISO dates
    workdays: list[str] = json_field(list)      # make-up working days (调休上班)
    note: str = ""
    loaded_by: str = ""
    loaded_at: datetime = dt_field(nullable=False, default_now=True)


class PolicyVersion(SQLModel, table=True):
    """One saved version of the time-limit policy; the highest version is current."""
    __tablename__ = "sla_policy_version"
    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    body: dict[str, Any] = json_field(dict)     # sla.policy.Policy.to_dict()
    note: str = ""
    created_by: str = ""
    created_at: datetime = dt_field(nullable=False, default_now=True)


class SlaState(SQLModel, table=True):
    """A single row: the configuration version every process compares to reload its caches."""
    __tablename__ = "sla_state"
    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    config_version: int = 0
    kpi_weights: dict[str, float] = json_field(dict)
    updated_at: datetime = dt_field(nullable=False, default_now=True)


class EscalationRecord(SQLModel, table=True):
    """Each level is recorded once per hop: the unique key is what stops a repeat."""
    __tablename__ = "sla_escalation"
    __table_args__ = (UniqueConstraint("hop_id", "level", name="uq_sla_escalation_hop_level"),)
    id: int | None = Field(default=None, primary_key=True)
    hop_id: int = Field(index=True)
    order_id: int = Field(index=True)
    level: str
    unit_path: str = Field(index=True)
    due_at: datetime = dt_field(nullable=False)
    recorded_at: datetime = dt_field(nullable=False, default_now=True)


class Notification(SQLModel, table=True):
    """An escalation notice to one unit (the handling unit, whoever assigned it, the platform)."""
    __tablename__ = "sla_notification"
    __table_args__ = (Index("ix_sla_notification_recipient_id", "recipient_path", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    recipient_path: str = Field(sa_type=PathString)
    order_id: int = Field(index=True)
    hop_id: int
    level: str
    title: str
    body: dict[str, Any] = json_field(dict)
    created_at: datetime = dt_field(nullable=False, default_now=True)
    read_at: datetime | None = dt_field()


class KpiFact(SQLModel, table=True):
    """What one order currently adds to the aggregates (see sla.counts), to retract on change.

    ``final`` orders (closed, refused, merged, handed over) never change again; their buckets
    are dropped once applied.
    """
    __tablename__ = "sla_kpi_fact"
    order_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = -1
    final: bool = False
    channel: str = ""
    category: str = ""
    buckets: list[Any] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    updated_at: datetime = dt_field(nullable=False, default_now=True)


def _aggregate_table(name: str, dims: tuple[str, ...]) -> Table:
    """Sums of sla.counts per key; the primary key carries the counts (INCLUDE) on PostgreSQL,
    so a period's rows for a subtree are read by one index-only range scan."""
    key = ("grain", "period_start", "unit_path", *dims)
    return Table(
        name, SQLModel.metadata,
        Column("grain", String(1), nullable=False),              # "d" local day, "m" month
        Column("period_start", Date, nullable=False),            # the day, or the 1st of the month
        Column("unit_path", path_string(255), nullable=False),   # a subtree is one key range
        *[Column(d, String(64), nullable=False) for d in dims],  # "" = not classified
        *[Column(n, Integer, nullable=False, default=0) for n in COUNT_FIELDS],
        PrimaryKeyConstraint(*key, name=f"pk_{name}", postgresql_include=list(COUNT_FIELDS)),
    )


# Per (day|month, unit, channel, category), and the same summed over channel and category
# (one row per unit and period: what unit, level and department tables read).
kpi_aggregate = _aggregate_table("sla_kpi_aggregate", ("channel", "category"))
kpi_unit_aggregate = _aggregate_table("sla_kpi_unit_aggregate", ())

# A bulk import's day buckets, written with its orders in each batch's transaction and added to
# the two tables above later, all at once (``sla.aggregates.fold_import_stage``): far fewer rows
# to upsert than batch by batch. Rows are only appended here, and moved out by the fold.
kpi_import_stage = Table(
    "sla_kpi_import_stage", SQLModel.metadata,
    Column("day", Date, nullable=False),
    Column("unit_path", path_string(255), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("category", String(64), nullable=False),
    *[Column(n, Integer, nullable=False, default=0) for n in COUNT_FIELDS],
)
