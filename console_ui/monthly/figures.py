"""Collect a period's figures for the report: JSON only, so they can be stored and re-read.

Everything the document shows comes from here, read once: volume by channel and by day, the
rates by unit and by department with their rank, overdue and re-handled orders, the hot topics
with example orders, each set beside the previous period's. The rates are the KPI tables'
(sla/reports.py), so the report and the dashboard never disagree.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from classifiers.topics import Settings as TopicSettings
from dispatch.orders.models import Order
from dispatch.orders.service import reach_clause
from dispatch.orgs.models import OrgUnit
from classifiers.hot_topics import flows as topics
from sla import reports, service as sla_service
from sla.calendar import WorkingCalendar

RATES = ("closure_rate", "on_time_closure_rate", "effective_closure_rate", "satisfaction_rate")
LISTED = 20          # overdue and re-handled orders shown by name; the counts cover all
TOPICS = 5


def _rates(row: reports.KpiRow) -> dict[str, float | None]:
    by_code = {v.code: v.value for v in row.values}
    return {code: by_code.get(code) for code in RATES}


def _table(session: Session, scope: OrgUnit, group_by: str, period: reports.Period) -> reports.KpiTable:
    return reports.kpi_table(session, scope=scope, group_by=group_by, periods=[period],
                             weights=sla_service.kpi_weights(session))


def _summary(table: reports.KpiTable) -> dict:
    c = table.total.counts
    return {"received": c.received, "due_to_close": c.due_to_close, "closed": c.closed,
            "closed_on_time": c.closed_on_time, "rehandled": c.rehandled,
            "overdue": max(0, c.due_to_close - c.closed_on_time), **_rates(table.total)}


def _ranked(table: reports.KpiTable, previous: reports.KpiTable) -> list[dict]:
    """Rows with something in either period, ranked by closure rate then volume."""
    before = {r.key: r for r in previous.rows}
    rows = []
    for r in table.rows:
        p = before.get(r.key)
        if not (r.counts.received or r.counts.due_to_close or (p and p.counts.received)):
            continue
        rows.append({"label": r.label, "received": r.counts.received, "overdue":
                     max(0, r.counts.due_to_close - r.counts.closed_on_time), **_rates(r),
                     "previous_closure_rate": _rates(p)["closure_rate"] if p else None})
    rows.sort(key=lambda x: (-(x["closure_rate"] if x["closure_rate"] is not None else -1), -x["received"]))
    for i, row in enumerate(rows, 1):
        row["rank"] = i
    return rows


def _bounds(period: reports.Period, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(period.start, time(), tz), datetime.combine(period.end, time(), tz)


def _rehandled(session: Session, scope: OrgUnit, period: reports.Period, tz: ZoneInfo) -> dict:
    start, end = _bounds(period, tz)
    where = (col(Order.received_at) >= start, col(Order.received_at) < end, reach_clause(scope.path),
             col(Order.rehandle_count) > 0)
    count = session.exec(select(func.count()).select_from(Order).where(*where)).one()
    rows = session.exec(select(Order).where(*where).order_by(col(Order.rehandle_count).desc(),
                                                             col(Order.id)).limit(LISTED)).all()
    return {"count": int(count), "orders": [{"number": o.number, "title": o.title, "times": o.rehandle_count,
                                             "state": o.state} for o in rows]}


def _topics(session: Session, scope: OrgUnit, period: reports.Period, tz: ZoneInfo) -> list[dict]:
    start, end = _bounds(period, tz)
    found = topics.hot_topics(session, reach_path=scope.path, days=(period.end - period.start).days,
                              now=end, settings=TopicSettings(top=TOPICS))
    return [{"keywords": t.keywords, "size": t.size, "previous": t.previous, "emerging": t.emerging,
             "places": [p.name or p.code for p in t.places[:3]],
             "samples": [{"number": s.number, "title": s.title} for s in t.samples]} for t in found.topics]


def collect(session: Session, *, scope: OrgUnit, month: date, calendar: WorkingCalendar,
            now: datetime) -> dict:
    """The figures of the month containing ``month`` and of the month before, for ``scope``."""
    period = reports.period_containing("month", month)
    previous = reports.period_containing("month", period.start - timedelta(days=1))
    tz = calendar.tz
    tables = {(g, p.label): _table(session, scope, g, p) for g in ("unit", "department", "channel")
              for p in (period, previous)}
    days = reports.kpi_table(session, scope=scope, group_by="period", weights=sla_service.kpi_weights(session),
                             periods=reports.periods_ending("day", period.end - timedelta(days=1),
                                                            (period.end - period.start).days))
    channels_before = {r.key: r.counts.received for r in tables[("channel", previous.label)].rows}
    overdue = reports.overdue_list(session, scope=scope, now=now, calendar=calendar, limit=LISTED)
    return {
        "unit": {"id": scope.id, "name": scope.name},
        "period": period.label, "previous": previous.label,
        "start": period.start.isoformat(), "end": (period.end - timedelta(days=1)).isoformat(),
        "generated_at": now.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "summary": _summary(tables[("unit", period.label)]),
        "summary_previous": _summary(tables[("unit", previous.label)]),
        "channels": [{"key": r.key, "label": r.label, "received": r.counts.received,
                      "previous": channels_before.get(r.key, 0)} for r in tables[("channel", period.label)].rows],
        "trend": [{"day": r.key, "received": r.counts.received, "closed": r.counts.closed} for r in days.rows],
        "units": _ranked(tables[("unit", period.label)], tables[("unit", previous.label)]),
        "departments": _ranked(tables[("department", period.label)], tables[("department", previous.label)]),
        "overdue_now": [{"number": r["number"], "title": r["title"], "unit": r["unit_name"],
                         "deadline": r["deadline"], "days": r["overdue_working_days"]} for r in overdue],
        "rehandled": _rehandled(session, scope, period, tz),
        "topics": _topics(session, scope, period, tz),
    }
