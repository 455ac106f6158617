"""What each export kind accepts; the order filters are the order list's, with the same reach."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from dispatch.client_dates import ClientDate
from dispatch.deps import Principal
from dispatch.orders.enums import Role, State
from dispatch.orders.service import OrderFilter
from dispatch.orgs.models import OrgUnit

ANALYSTS = (Role.supervisor, Role.dispatcher, Role.admin)   # as for the KPI endpoints


class OrderExportFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: list[State] | None = None
    unit_id: str | None = Field(default=None, max_length=64)
    channel: str | None = Field(default=None, max_length=32)
    category: str | None = Field(default=None, max_length=64)
    overdue: bool | None = None
    q: str | None = Field(default=None, max_length=100)

    def order_filter(self, session: Session, principal: Principal) -> OrderFilter:
        unit = session.get(OrgUnit, self.unit_id) if self.unit_id else None
        return OrderFilter(state=[s.value for s in self.state] if self.state else None,
                           unit_path=unit.path if unit else None, channel=self.channel,
                           category=self.category, overdue=self.overdue, q=self.q)


class KpiExportFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: str | None = Field(default=None, max_length=64)
    group_by: str = Field(default="unit", max_length=16)
    period: str = Field(default="month", max_length=16)
    at: ClientDate | None = None
    count: int = Field(default=1, ge=1, le=60)
    channel: str | None = Field(default=None, max_length=32)
    category: str | None = Field(default=None, max_length=64)


class OverdueExportFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: str | None = Field(default=None, max_length=64)
    limit: int = Field(default=100_000, ge=1, le=1_000_000)


class ReportExportFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: str | None = Field(default=None, max_length=64)
    month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                              description="YYYY-MM; none: the month before this one")


FILTERS: dict[str, type[BaseModel]] = {"orders": OrderExportFilters, "kpi": KpiExportFilters,
                                       "overdue": OverdueExportFilters, "report": ReportExportFilters}
ROLES: dict[str, tuple[Role, ...] | None] = {"orders": None, "kpi": ANALYSTS, "overdue": ANALYSTS,
                                             "report": ANALYSTS}
