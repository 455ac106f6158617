"""API schemas of the SLA endpoints and the small builders that fill them."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from dispatch.client_dates import ClientYear

from sla.calendar import Source, WorkingCalendar, YearSchedule
from sla.kpi import KpiValue, counts_as_dict
from sla.models import CalendarYear, Notification, PolicyVersion
from sla.reports import KpiRow, KpiTable

SOURCE_NOTES = {
    "loaded": "管理员导入的国务院办公厅放假安排(优先)",
    "chinese_calendar": "chinese_calendar 库内置的官方放假安排",
    "weekends_only": "无官方安排：仅按周一至周五上班计算(回退)，请导入当年放假安排",
}


class ScheduleIn(BaseModel):
    year: ClientYear
    holidays: list[str] = []
    workdays: list[str] = []
    note: str = ""


class CalendarYearPublic(BaseModel):
    year: int
    source: Source
    fallback: bool
    source_note: str
    holidays: list[date]
    workdays: list[date]
    loaded_at: datetime | None = None
    loaded_by: str | None = None
    note: str | None = None


def effective_schedule(calendar: WorkingCalendar, year: int) -> YearSchedule:
    """The days of ``year`` that differ from Mon-Fri under the library or the fallback."""
    day, holidays, workdays = date(year, 1, 1), set(), set()
    while day.year == year:
        weekday, working = day.weekday() < 5, calendar.is_working_day(day)
        if weekday and not working:
            holidays.add(day)
        elif working and not weekday:
            workdays.add(day)
        day += timedelta(days=1)
    return YearSchedule(year, frozenset(holidays), frozenset(workdays))


def year_public(calendar: WorkingCalendar, year: int, row: CalendarYear | None) -> CalendarYearPublic:
    source = calendar.source_for_year(year)
    schedule = calendar.schedules()[year] if source == "loaded" else effective_schedule(calendar, year)
    return CalendarYearPublic(
        year=year, source=source, fallback=source == "weekends_only", source_note=SOURCE_NOTES[source],
        holidays=sorted(schedule.holidays), workdays=sorted(schedule.workdays),
        loaded_at=row.loaded_at if row else None, loaded_by=row.loaded_by if row else None,
        note=row.note if row else None)


class ScheduleWanted(BaseModel):
    today: date
    years: list[int]          # empty: every year deadlines can reach now has its official days
    note: str


class DeadlinePreview(BaseModel):
    start: datetime
    amount: float
    unit: str
    deadline: datetime
    deadline_local: str
    sources: dict[int, Source]


class PolicyIn(BaseModel):
    rules: list[dict[str, Any]]
    extension: dict[str, Any] | None = None
    note: str = ""
    based_on: int | None = Field(None, description="the version edited; 409 if it is no longer current")


class PolicyPublic(BaseModel):
    version: int
    current: bool
    note: str
    created_by: str
    created_at: datetime
    body: dict[str, Any]


def policy_public(row: PolicyVersion, current_version: int) -> PolicyPublic:
    return PolicyPublic(version=row.version, current=row.version == current_version, note=row.note,
                        created_by=row.created_by, created_at=row.created_at, body=row.body)


class WeightsIn(BaseModel):
    response_rate: float
    resolution_rate: float
    satisfaction_rate: float


class KpiValuePublic(BaseModel):
    code: str
    name: str
    formula: str
    numerator: int | None
    denominator: int | None
    value: float | None
    display: str


class KpiRowPublic(BaseModel):
    key: str
    label: str
    counts: dict[str, int]
    kpis: list[KpiValuePublic]


class KpiTablePublic(BaseModel):
    unit_id: str
    unit_name: str
    group_by: str
    period: str
    periods: list[str]
    start: date
    end: date
    channel: str | None
    category: str | None
    weights: dict[str, float]
    rows: list[KpiRowPublic]
    total: KpiRowPublic


def _value(v: KpiValue) -> KpiValuePublic:
    return KpiValuePublic(code=v.code, name=v.name, formula=v.formula, numerator=v.numerator,
                          denominator=v.denominator, value=v.value, display=v.as_percent())


def _row(row: KpiRow) -> KpiRowPublic:
    return KpiRowPublic(key=row.key, label=row.label, counts=counts_as_dict(row.counts),
                        kpis=[_value(v) for v in row.values])


def table_public(table: KpiTable) -> KpiTablePublic:
    return KpiTablePublic(
        unit_id=table.scope.id, unit_name=table.scope.name, group_by=table.group_by,
        period=table.periods[0].kind, periods=[p.label for p in table.periods],
        start=table.periods[0].start, end=table.periods[-1].end - timedelta(days=1),
        channel=table.channel, category=table.category, weights=dict(table.weights),
        rows=[_row(r) for r in table.rows], total=_row(table.total))


class NotificationPublic(BaseModel):
    id: int
    recipient_path: str
    order_id: int
    hop_id: int
    level: str
    title: str
    body: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


def notification_public(row: Notification) -> NotificationPublic:
    return NotificationPublic(**row.model_dump())


class OverduePublic(BaseModel):
    order_id: int
    number: str | None
    title: str
    hop_id: int
    unit_id: str
    unit_name: str
    dispatched_at: str
    deadline: str
    overdue_working_days: float
    escalations: list[str]
    channel: str
    category: str | None
    urgency: str
    state: str
