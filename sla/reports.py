"""KPI tables and trends read from the aggregates: by unit, level, department, channel, category, period.

A unit's numbers always include its whole subtree (reach = path prefix). Rows come from the
"*" roll-up rows unless the table is by channel or category, or filtered by one of them.
The total row is the sum of the rows shown.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import func, select as sa_select
from sqlmodel import Session, col, select

from dispatch.orgs.models import OrgUnit
from sla import service
from sla.aggregates import ALL
from sla.calendar import WorkingCalendar
from sla.counts import COUNT_FIELDS
from sla.kpi import KpiCounts, KpiValue, compute
from sla.models import kpi_aggregate as agg

PeriodKind = Literal["day", "week", "month"]
Grouping = Literal["unit", "level", "department", "channel", "category", "period"]
GROUPINGS: tuple[str, ...] = ("unit", "level", "department", "channel", "category", "period")
LEVEL_NAMES = {"city": "市级", "county": "县级", "township": "乡镇(街道)级", "village": "村(社区)级"}
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


@dataclass(frozen=True)
class UnitInfo:
    level: str
    kind: str
    dept_type: str | None
    short_name: str


_UNITS: dict[str, object] = {"at": float("-inf"), "index": {}}
UNIT_INDEX_TTL = 300.0


def unit_index(session: Session) -> dict[str, UnitInfo]:
    """path -> level/kind/department of every unit (the org tree rarely changes: cached briefly)."""
    if time.monotonic() - _UNITS["at"] > UNIT_INDEX_TTL:
        rows = session.exec(select(OrgUnit.path, OrgUnit.level, OrgUnit.kind, OrgUnit.dept_type,
                                   OrgUnit.short_name, OrgUnit.name)).all()
        _UNITS["index"] = {p: UnitInfo(lv, k, d, s or n) for p, lv, k, d, s, n in rows}
        _UNITS["at"] = time.monotonic()
    return _UNITS["index"]  # type: ignore[return-value]


def fetch(session: Session, *, prefix: str, periods: Sequence[Period], by_dims: bool,
          channel: str | None = None, category: str | None = None) -> list[tuple]:
    """Summed counts per (unit path, channel, category, period start) from the aggregates."""
    grain = "m" if periods[0].kind == "month" else "d"
    keys = [agg.c.unit_path, agg.c.channel, agg.c.category, agg.c.period_start]
    stmt = (sa_select(*keys, *[func.sum(agg.c[n]) for n in COUNT_FIELDS])
            .where(agg.c.grain == grain, agg.c.period_start >= periods[0].start,
                   agg.c.period_start < periods[-1].end,
                   agg.c.unit_path.startswith(prefix, autoescape=True))
            .group_by(*keys))
    if by_dims or channel is not None or category is not None:
        stmt = stmt.where(agg.c.channel != ALL)
        if channel is not None:
            stmt = stmt.where(agg.c.channel == channel)
        if category is not None:
            stmt = stmt.where(agg.c.category == ("" if category == UNCLASSIFIED else category))
    else:
        stmt = stmt.where(agg.c.channel == ALL, agg.c.category == ALL)
    return list(session.execute(stmt).all())


def _group_key(group_by: str, scope: OrgUnit, periods: Sequence[Period],
               units: Mapping[str, UnitInfo]):
    def by_unit(path, *_):
        rest = path[len(scope.path):]
        return scope.path + rest.split("/", 1)[0] + "/" if rest else OWN

    def by_level(path, *_):
        info = units.get(path)
        return info.level if info else None

    def by_department(path, *_):
        info = units.get(path)
        return info.dept_type if info and info.kind == "department" else None

    def by_period(_path, _channel, _category, start):
        return next((p.label for p in periods if p.start <= start < p.end), None)

    return {"unit": by_unit, "level": by_level, "department": by_department,
            "channel": lambda _p, ch, *_: ch, "category": lambda _p, _c, cat, _s: cat,
            "period": by_period}[group_by]


def _labels(session: Session, group_by: str, scope: OrgUnit, periods: Sequence[Period],
            units: Mapping[str, UnitInfo], keys: Iterable[str]) -> dict[str, str]:
    """Every row to show, in order, with its label (units and periods with no data included)."""
    if group_by == "unit":
        children = session.exec(select(OrgUnit).where(OrgUnit.parent_id == scope.id)
                                .order_by(col(OrgUnit.kind).desc(), col(OrgUnit.id))).all()
        return {OWN: f"{scope.name}(本级)", **{c.path: c.name for c in children}}
    if group_by == "period":
        return {p.label: p.label for p in periods}
    if group_by == "level":
        return {k: LEVEL_NAMES.get(k, k) for k in LEVEL_NAMES if k in set(keys)}
    if group_by == "department":
        names = {u.dept_type: u.short_name for u in units.values() if u.kind == "department"}
        return {k: names.get(k, k) for k in sorted(set(keys))}
    return {k: k or UNCLASSIFIED for k in sorted(set(keys))}


def kpi_table(session: Session, *, scope: OrgUnit, group_by: str, periods: Sequence[Period],
              weights: Mapping[str, float], channel: str | None = None,
              category: str | None = None) -> KpiTable:
    """One KPI row per group (with the formulas) and the total, for the periods given."""
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by: expected one of {', '.join(GROUPINGS)}, got {group_by!r}")
    units = unit_index(session) if group_by in ("level", "department") else {}
    key_of = _group_key(group_by, scope, periods, units)
    sums: dict[str, list[int]] = {}
    for path, ch, cat, start, *values in fetch(session, prefix=scope.path, periods=periods,
                                               by_dims=group_by in ("channel", "category"),
                                               channel=channel, category=category):
        key = key_of(path, ch, cat, start)
        if key is None:
            continue
        acc = sums.get(key)
        sums[key] = list(values) if acc is None else [a + int(v) for a, v in zip(acc, values)]
    if group_by in DATA_DRIVEN:  # a group whose counts were all retracted is not shown
        sums = {k: v for k, v in sums.items() if any(v)}
    table = KpiTable(scope, group_by, list(periods), channel, category, weights)
    for key, label in _labels(session, group_by, scope, periods, units, sums).items():
        table.rows.append(make_row(key, label, sums.get(key), weights))
    overall = [sum(col_) for col_ in zip(*sums.values())] if sums else None
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
