"""SLA endpoints: calendars, policies, KPIs (+ Excel), overdue list, escalation notices."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, UploadFile
from sqlmodel import Session

from dispatch.client_dates import ClientDate, ClientMoment, YearPath, YearQuery
from dispatch.deps import CentreAdminDep, CurrentPrincipal, Principal, SessionDep, require_roles
from dispatch.errors import Forbidden, Invalid, NotFound
from dispatch.orders.enums import Role
from dispatch.orgs.models import OrgUnit
from dispatch.sqltypes import utcnow
from sla import aggregates, current, export, reports, scheduled, service
from sla.calendar import UNITS, Duration, parse_schedule
from sla.counts import COUNT_DEFINITIONS
from sla.kpi import DEFINITIONS, THREE_RATES
from sla.models import CalendarYear
from sla.schedule_files import parse_schedule_file
from sla.schemas import (CalendarYearPublic, DeadlinePreview, KpiTablePublic, NotificationPublic,
                         OverduePublic, PolicyIn, PolicyPublic, ScheduleIn, ScheduleWanted,
                         SOURCE_NOTES, WeightsIn, notification_public, policy_public, table_public, year_public)

router = APIRouter(prefix="/sla", tags=["sla"])
Admin = CentreAdminDep        # calendars, policies, weights and jobs serve every county
Analyst = Annotated[Principal, Depends(require_roles(Role.supervisor, Role.dispatcher, Role.admin))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_RESPONSE = {200: {"description": "an Excel workbook",
                       "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}}


def _actor_name(p: Principal) -> str:
    return p.user.full_name or p.user.username


# -- calendar --------------------------------------------------------------------------------

@router.get("/calendar/years", response_model=list[CalendarYearPublic])
def calendar_years(session: SessionDep, _: CurrentPrincipal, first: YearQuery = None,
                   last: YearQuery = None) -> list[CalendarYearPublic]:
    """Each year's source: loaded (admin), chinese_calendar, or the weekends-only fallback."""
    rows = {r.year: r for r in service.calendar_years(session)}
    this_year = current.today().year
    years = service.year_range(first or min([this_year - 1, *rows]), last or max([this_year + 1, *rows]))
    return [year_public(current.calendar(), y, rows.get(y)) for y in years]


@router.get("/calendar/missing", response_model=ScheduleWanted)
def calendar_missing(_: CurrentPrincipal) -> ScheduleWanted:
    """The years whose official holidays are wanted now and not known: this year and, from 60
    days before it begins, the next one. Their deadlines count holidays as working days until
    an admin loads the State Council's schedule (``POST /sla/calendar/upload``)."""
    return ScheduleWanted(today=current.today(), years=current.years_needing_schedule(),
                          note=SOURCE_NOTES["weekends_only"])


@router.get("/calendar/years/{year}", response_model=CalendarYearPublic)
def calendar_year(year: YearPath, session: SessionDep, _: CurrentPrincipal) -> CalendarYearPublic:
    return year_public(current.calendar(), year, session.get(CalendarYear, year))


def _saved(session: Session, schedules, principal: Principal, note: str = "") -> list[CalendarYearPublic]:
    rows = [service.save_schedule(session, schedule=s, note=note, loaded_by=_actor_name(principal))
            for s in schedules]
    current.invalidate()
    return [year_public(current.calendar(), r.year, r) for r in rows]


@router.post("/calendar/years", response_model=CalendarYearPublic, status_code=201)
def load_year(body: ScheduleIn, session: SessionDep, principal: Admin) -> CalendarYearPublic:
    """Load (or replace) a year's official holidays and make-up working days (调休)."""
    try:
        schedule = parse_schedule(body.model_dump(exclude={"note"}))
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    return _saved(session, [schedule], principal, body.note)[0]


@router.post("/calendar/upload", response_model=list[CalendarYearPublic], status_code=201)
async def upload_years(file: UploadFile, session: SessionDep, principal: Admin) -> list[CalendarYearPublic]:
    """Upload a JSON (one year or a list) or CSV (date,type) schedule file."""
    try:
        schedules = parse_schedule_file(file.filename or "", await file.read(1_000_001))
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    return _saved(session, schedules, principal, f"uploaded {file.filename}")


@router.delete("/calendar/years/{year}", status_code=204)
def unload_year(year: YearPath, session: SessionDep, _: Admin) -> Response:
    if not service.delete_schedule(session, year=year):
        raise NotFound(f"no loaded schedule for {year}")
    current.invalidate()
    return Response(status_code=204)


@router.get("/calendar/deadline", response_model=DeadlinePreview)
def preview_deadline(start: ClientMoment, amount: Annotated[float, Query(ge=0, le=1000)],
                     _: CurrentPrincipal, unit: str = "working_days") -> DeadlinePreview:
    """The deadline ``amount`` ``unit`` after ``start`` on the current calendar."""
    try:
        duration = Duration(amount, unit)  # type: ignore[arg-type]
    except ValueError as exc:
        raise Invalid(f"{exc}; units: {', '.join(UNITS)}") from None
    cal = current.calendar()
    deadline = cal.add(start, duration)
    years = range(cal.local_date(start).year, cal.local_date(deadline).year + 1)
    return DeadlinePreview(start=start, amount=amount, unit=unit, deadline=deadline,
                           deadline_local=deadline.astimezone(cal.tz).isoformat(),
                           sources={y: cal.source_for_year(y) for y in years})


# -- policies --------------------------------------------------------------------------------

@router.get("/policies", response_model=list[PolicyPublic])
def policies(session: SessionDep, _: CurrentPrincipal) -> list[PolicyPublic]:
    rows = service.policy_versions(session)
    return [policy_public(r, rows[-1].version) for r in rows]


@router.get("/policies/current", response_model=PolicyPublic)
def policy_current(session: SessionDep, _: CurrentPrincipal) -> PolicyPublic:
    row = service.policy_versions(session)[-1]
    return policy_public(row, row.version)


@router.get("/policies/{version}", response_model=PolicyPublic)
def policy_version(version: int, session: SessionDep, _: CurrentPrincipal) -> PolicyPublic:
    """Any version, e.g. the one a hop was dispatched under (its policy_version)."""
    rows = {r.version: r for r in service.policy_versions(session)}
    if version not in rows:
        raise NotFound(f"policy version {version} not found")
    return policy_public(rows[version], max(rows))


@router.post("/policies", response_model=PolicyPublic, status_code=201)
def edit_policy(body: PolicyIn, session: SessionDep, principal: Admin) -> PolicyPublic:
    """Save an edit as a new version; hops already dispatched keep theirs."""
    data = {"rules": body.rules, **({"extension": body.extension} if body.extension else {})}
    row = service.save_policy(session, body=data, based_on=body.based_on, note=body.note,
                              created_by=_actor_name(principal))
    current.invalidate()
    return policy_public(row, row.version)


# -- KPIs ------------------------------------------------------------------------------------

def _scope(session: Session, principal: Principal, unit_id: str | None) -> OrgUnit:
    unit = session.get(OrgUnit, unit_id) if unit_id else principal.unit
    if unit is None:
        raise NotFound(f"unit {unit_id} not found")
    if not principal.reaches(unit.path):
        raise Forbidden(f"unit {unit.id} is outside your reach")
    return unit


def _weights(session: Session, w_response: float | None, w_resolution: float | None,
             w_satisfaction: float | None) -> dict[str, float]:
    given = (w_response, w_resolution, w_satisfaction)
    if all(w is None for w in given):
        return service.kpi_weights(session)
    if any(w is None for w in given):
        raise Invalid("weights: give all three of w_response, w_resolution, w_satisfaction")
    return dict(zip(THREE_RATES, given))


class KpiQuery:
    """The parameters every KPI table and export shares."""

    def __init__(self, unit_id: str | None = None, group_by: str = "unit", period: str = "month",
                 at: ClientDate | None = None, count: Annotated[int, Query(ge=1, le=60)] = 1,
                 channel: str | None = None, category: str | None = None,
                 w_response: float | None = None, w_resolution: float | None = None,
                 w_satisfaction: float | None = None) -> None:
        self.unit_id, self.group_by, self.period, self.at, self.count = unit_id, group_by, period, at, count
        self.channel, self.category = channel, category
        self.w = (w_response, w_resolution, w_satisfaction)

    def table(self, session: Session, principal: Principal) -> reports.KpiTable:
        try:
            periods = reports.periods_ending(self.period, self.at or current.today(), self.count)
            return reports.kpi_table(session, scope=_scope(session, principal, self.unit_id),
                                     group_by=self.group_by, periods=periods,
                                     weights=_weights(session, *self.w), channel=self.channel,
                                     category=self.category)
        except ValueError as exc:
            raise Invalid(str(exc)) from None


@router.get("/kpi/definitions")
def kpi_definitions(_: CurrentPrincipal) -> dict:
    """Every KPI's formula and every count's exact derivation from orders and hops."""
    return {"kpis": [{"code": d.code, "name": d.name, "formula": d.formula} for d in DEFINITIONS],
            "counts": [{"code": c, "name": n, "definition": t} for c, (n, t) in COUNT_DEFINITIONS.items()]}


@router.get("/kpi", response_model=KpiTablePublic)
def kpi(session: SessionDep, principal: Analyst, q: Annotated[KpiQuery, Depends()]) -> KpiTablePublic:
    """KPIs of a unit (with its subtree) grouped by unit, level, department, channel, category or
    period; ``count`` > 1 covers that many periods ending with the one containing ``at`` (trend:
    group_by=period)."""
    return table_public(q.table(session, principal))


@router.get("/kpi.xlsx", response_class=Response, responses=XLSX_RESPONSE)
def kpi_xlsx(session: SessionDep, principal: Analyst, q: Annotated[KpiQuery, Depends()]) -> Response:
    table = q.table(session, principal)
    span = table.periods[0].label + (f"~{table.periods[-1].label}" if len(table.periods) > 1 else "")
    title = f"{table.scope.name} {span} 考核指标（按{reports.GROUP_NAMES[q.group_by]}）"
    return _xlsx(export.kpi_workbook(table, title=title), f"kpi-{table.scope.id}-{span}.xlsx")


def _xlsx(content: bytes, filename: str) -> Response:
    return Response(content, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/kpi/weights", response_model=WeightsIn)
def kpi_weights(session: SessionDep, _: Analyst) -> WeightsIn:
    return WeightsIn(**service.kpi_weights(session))


@router.put("/kpi/weights", response_model=WeightsIn)
def set_kpi_weights(body: WeightsIn, session: SessionDep, _: Admin) -> WeightsIn:
    """Default weights of the three-rates composite (each request may override them)."""
    return WeightsIn(**service.save_kpi_weights(session, weights=body.model_dump()))


@router.post("/kpi/rebuild")
def kpi_rebuild(session: SessionDep, _: Admin) -> dict[str, int]:
    """Recompute every aggregate from the orders (repair; slow on a large database)."""
    return {"orders": aggregates.rebuild(session)}


# -- overdue, escalations, notices -----------------------------------------------------------

def _overdue(session: Session, principal: Principal, unit_id: str | None, limit: int) -> tuple:
    scope = _scope(session, principal, unit_id)
    return scope, reports.overdue_list(session, scope=scope, now=utcnow(),
                                       calendar=current.calendar(), limit=limit)


@router.get("/overdue", response_model=list[OverduePublic])
def overdue(session: SessionDep, principal: Analyst, unit_id: str | None = None,
            limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[OverduePublic]:
    return [OverduePublic(**row) for row in _overdue(session, principal, unit_id, limit)[1]]


@router.get("/overdue.xlsx", response_class=Response, responses=XLSX_RESPONSE)
def overdue_xlsx(session: SessionDep, principal: Analyst, unit_id: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=20000)] = 5000) -> Response:
    scope, rows = _overdue(session, principal, unit_id, limit)
    title = f"{scope.name} 超期工单（导出于 {utcnow().astimezone(current.calendar().tz):%Y-%m-%d %H:%M}）"
    return _xlsx(export.overdue_workbook(rows, title=title), f"overdue-{scope.id}.xlsx")


@router.post("/escalations/run")
def run_escalations(_: Admin) -> dict[str, int]:
    """Run the escalation job now (it also runs every minute)."""
    return scheduled.run_escalations()


@router.get("/notifications", response_model=list[NotificationPublic])
def notifications(session: SessionDep, principal: CurrentPrincipal, unread: bool = False,
                  before_id: int | None = None,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[NotificationPublic]:
    """Escalation notices to the caller's unit and the units below it."""
    rows = service.notifications(session, under_path=principal.unit.path, unread_only=unread,
                                 before_id=before_id, limit=limit)
    return [notification_public(r) for r in rows]


@router.post("/notifications/{notification_id}/read", response_model=NotificationPublic)
def read_notification(notification_id: int, session: SessionDep,
                      principal: CurrentPrincipal) -> NotificationPublic:
    row = service.mark_read(session, notification_id=notification_id, under_path=principal.unit.path)
    if row is None:
        raise NotFound(f"notification {notification_id} not found")
    return notification_public(row)
