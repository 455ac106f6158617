"""The hourly job that freezes the city's last month (sla/scheduled.py beats it): after a
month ends, its figures are stored as final before anyone asks for the report."""
from __future__ import annotations

import logging

from sqlmodel import Session, select

from dispatch.db import get_engine
from console_ui.monthly import flows
from console_ui.monthly.models import ReportSnapshot
from dispatch.orgs import service as orgs
from dispatch.sqltypes import utcnow
from sla import current

log = logging.getLogger(__name__)


def freeze_last_month() -> str | None:
    """Store the city's figures of the month before this one unless they are final already;
    returns the period frozen now, or None. Safe to re-run."""
    with Session(get_engine(), expire_on_commit=False) as session:
        city = orgs.city_platform(session)
        month = flows.month_of(None, current.today())
        label = f"{month:%Y-%m}"
        done = session.exec(select(ReportSnapshot.id).where(ReportSnapshot.unit_id == city.id,
                                                            ReportSnapshot.period == label,
                                                            ReportSnapshot.final)).first()
        if done is not None:
            return None
        flows.snapshot(session, scope=city, month=month, now=utcnow())
        log.info("monthly report: froze %s's figures of %s", city.name, label)
        return label
