"""KPI tables and trends read from the aggregates: by unit, level, department, channel, category, period.

A unit's numbers always include its whole subtree (reach = path prefix). Rows come from the
per-unit roll-up unless the table is by channel or category, or filtered by one of them.
The total row is the sum of the rows shown.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import Table, case, func, literal, select as sa_select
from sqlmodel import Session, col, select

from dispatch.orders.enums import CHANNEL_NAMES
from dispatch.orgs.models import OrgUnit
from sla import service
from sla.calendar import WorkingCalendar
from sla.counts import COUNT_FIELDS
from sla.kpi import KpiCounts, KpiValue, compute
from sla.models import kpi_aggregate, kpi_unit_aggregate

PeriodKind = Literal["day", "week", "month"]
Grouping = Literal["unit", "level", "department", "channel", "category", "period"]
GROUPINGS: tuple[str, ...] = ("unit", "level", "department", "channel", "category", "period")
LEVEL_NAMES = {"province": "省级", "city": "市级", "county": "县级", "township": "乡镇(街道)级", "village": "村(社区)级"}
GROUP_NAMES = {"unit": "单位", "level": "层级", "department": "部门", "channel": "渠道",
               "category": "类别", "period": "时段"}
DATA_DRIVEN = ("level", "department", "channel", "category")   # rows only where there is data
OWN = "本级"
UNCLASSIFIED = "未分类"


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date                      # exclusive

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "week":
            iso = self.start.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        return self.start.isoformat()


def period_containing(kind: str, day: date) -> Period:
    """The day, ISO week (Monday first) or month that contains ``day``."""
    if kind == "day":
        return Period(kind, day, day + timedelta(days=1))
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=7))
    if kind == "month":
        start = day.replace(day=1)
        return Period(kind, start, (start + timedelta(days=32)).replace(day=1))
    raise ValueError(f"period: expected day, week or month, got {kind!r}")


def periods_ending(kind: str, day: date, count: int) -> list[Period]:
    """``count`` consecutive periods, the last one containing ``day`` (oldest first)."""
    out = [period_containing(kind, day)]
    while len(out) < count:
        out.insert(0, period_containing(kind, out[0].start - timedelta(days=1)))
    return out


@dataclass
class KpiRow:
    key: str
    label: str
    counts: KpiCounts
    values: list[KpiValue]


@dataclass
class KpiTable:
    scope: OrgUnit
    group_by: str
    periods: list[Period]
    channel: str | None
    category: str | None
    weights: Mapping[str, float]
    rows: list[KpiRow] = field(default_factory=list)
    total: KpiRow | None = None


def _grouping(session: Session, group_by: str, scope: OrgUnit, agg: Table):
    """(SQL key expression, joined org table or None) for a grouping."""
    if group_by == "unit":   # the path segment right below the scope ("" = the scope itself)
        rest = func.substr(agg.c.unit_path, len(scope.path) + 1)
        if session.get_bind().dialect.name == "postgresql":
            return func.split_part(rest, "/", 1), None
        cut = func.instr(rest, "/")
        return case((cut == 0, rest), else_=func.substr(rest, 1, cut - 1)), None
    if group_by in ("level", "department"):
        org = OrgUnit.__table__
        return (org.c.level if group_by == "level" else org.c.dept_type), org
    return agg.c["period_start" if group_by == "period" else group_by], None


def period_starts(periods: Sequence[Period]) -> tuple[str, list[date]]:
    """The grain to read and every period_start it covers (an IN list keeps index scans tight)."""
    if periods[0].kind == "month":
        return "m", [p.start for p in periods]
    return "d", [p.start + timedelta(days=i) for p in periods for i in range((p.end - p.start).days)]


def subtree(column, path: str):
    """``column`` is ``path`` or below it: one key range in byte order ('/' + 1 = '0')."""
    return (column >= path) & (column < path[:-1] + "0")


def fetch(session: Session, *, scope: OrgUnit, group_by: str, periods: Sequence[Period],
          channel: str | None = None, category: str | None = None) -> list[tuple]:
    """(group key, label or None, summed counts...) per group, summed by the database."""
    by_dims = group_by in ("channel", "category") or channel is not None or category is not None
    agg = kpi_aggregate if by_dims else kpi_unit_aggregate
    grain, starts = period_starts(periods)
    key, org = _grouping(session, group_by, scope, agg)
    label = func.max(org.c.short_name) if group_by == "department" else literal(None)
    source = agg.join(org, org.c.path == agg.c.unit_path) if org is not None else agg
    stmt = (sa_select(key, label, *[func.sum(agg.c[n]) for n in COUNT_FIELDS]).select_from(source)
            .where(agg.c.grain == grain, agg.c.period_start.in_(starts), subtree(agg.c.unit_path, scope.path))
            .group_by(key))
    if group_by == "department":
        stmt = stmt.where(org.c.kind == "department")
    if channel is not None:
        stmt = stmt.where(agg.c.channel == channel)
    if category is not None:
        stmt = stmt.where(agg.c.category == ("" if category == UNCLASSIFIED else category))
    return list(session.execute(stmt).all())


def _row_key(group_by: str, scope: OrgUnit, periods: Sequence[Period], key) -> str:
    if group_by == "unit":
        return f"{scope.path}{key}/" if key else OWN
    if group_by == "period":
        return next(p.label for p in periods if p.start <= key < p.end)
    return key if key is not None else ""


def _labels(session: Session, group_by: str, scope: OrgUnit, periods: Sequence[Period],
            found: Mapping[str, str | None]) -> dict[str, str]:
    """Every row to show, in order, with its label (units and periods with no data included)."""
    if group_by == "unit":
        children = session.exec(select(OrgUnit.path, OrgUnit.name).where(OrgUnit.parent_id == scope.id)
                                .order_by(col(OrgUnit.kind).desc(), col(OrgUnit.id))).all()
        return {OWN: f"{scope.name}(本级)", **dict(children)}
    if group_by == "period":
        return {p.label: p.label for p in periods}
    if group_by == "level":
        return {k: name for k, name in LEVEL_NAMES.items() if k in found}
    if group_by == "department":
        return {k: found[k] or k for k in sorted(found)}
    if group_by == "channel":
        return {k: CHANNEL_NAMES.get(k, k) for k in sorted(found)}
    return {k: k or UNCLASSIFIED for k in sorted(found)}


def kpi_table(session: Session, *, scope: OrgUnit, group_by: str, periods: Sequence[Period],
              weights: Mapping[str, float], channel: str | None = None,
              category: str | None = None) -> KpiTable:
    """One KPI row per group (with the formulas) and the total, for the periods given."""
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by: expected one of {', '.join(GROUPINGS)}, got {group_by!r}")
    sums: dict[str, list[int]] = {}
    found: dict[str, str | None] = {}
    for key, label, *values in fetch(session, scope=scope, group_by=group_by, periods=periods,
                                     channel=channel, category=category):
        if group_by in DATA_DRIVEN and not any(values):
            continue   # a group whose counts were all retracted is not shown
        row_key = _row_key(group_by, scope, periods, key)
        found[row_key] = label
        acc = sums.get(row_key)
        sums[row_key] = [int(v) for v in values] if acc is None else [a + int(v) for a, v in zip(acc, values)]
    table = KpiTable(scope, group_by, list(periods), channel, category, weights)
    for key, label in _labels(session, group_by, scope, periods, found).items():
        table.rows.append(make_row(key, label, sums.get(key), weights))
    overall = [sum(column) for column in zip(*sums.values())] if sums else None
    table.total = make_row("total", "合计", overall, weights)
    return table


def make_row(key: str, label: str, values: Sequence[int] | None,
             weights: Mapping[str, float]) -> KpiRow:
    counts = KpiCounts(**dict(zip(COUNT_FIELDS, map(int, values)))) if values else KpiCounts()
    return KpiRow(key, label, counts, compute(counts, weights))


def _local(moment: datetime, calendar: WorkingCalendar) -> str:
    return moment.astimezone(calendar.tz).strftime("%Y-%m-%d %H:%M")


def overdue_list(session: Session, *, scope: OrgUnit, now: datetime, calendar: WorkingCalendar,
                 limit: int = 1000) -> list[dict]:
    """Open hops past their deadline inside the scope, most overdue first (times in local time)."""
    pairs = service.overdue_hops(session, under_path=scope.path, now=now, limit=limit)
    ids = {hop.to_unit_id for hop, _ in pairs}
    names = dict(session.exec(select(OrgUnit.id, OrgUnit.name).where(col(OrgUnit.id).in_(ids))).all()) \
        if ids else {}
    return [{"order_id": order.id, "number": order.number, "title": order.title, "hop_id": hop.id,
             "unit_id": hop.to_unit_id, "unit_name": names.get(hop.to_unit_id, hop.to_unit_id),
             "dispatched_at": _local(hop.dispatched_at, calendar),
             "deadline": _local(hop.deadline, calendar),
             "overdue_working_days": round(calendar.working_days_between(hop.deadline, now), 2),
             "escalations": list(hop.escalations), "channel": order.channel,
             "category": order.category, "urgency": order.urgency, "state": order.state}
            for hop, order in pairs]
