"""Order numbers carry the centre's date (its time zone, HOTLINE_TIMEZONE), not UTC's."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from dispatch.config import Settings, get_settings
from dispatch.intake.flows import number_for, number_prefix

BEIJING = timezone(timedelta(hours=8))


@pytest.mark.parametrize("at,date", [
    (datetime(2026, 12, 6, 23, 48, tzinfo=UTC), "20261207"),     # 07:48 on 7 Dec in Beijing
    (datetime(2026, 12, 7, 7, 48, tzinfo=BEIJING), "20261207"),  # the same instant
    (datetime(2026, 12, 6, 15, 59, 59, tzinfo=UTC), "20261206"),  # 23:59:59 on 6 Dec
    (datetime(2026, 12, 6, 16, 0, tzinfo=UTC), "20261207"),      # midnight in Beijing
    (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "20270101"),     # a new year, 8 hours early
])
def test_an_order_is_numbered_by_the_centres_date(at, date):
    prefix = get_settings().order_prefix
    assert number_prefix(at) == f"{prefix}{date}"
    assert number_for(42, at) == f"{prefix}{date}0000042"


def test_another_centre_numbers_by_its_own_zone(monkeypatch):
    monkeypatch.setattr(get_settings(), "timezone", "Asia/Urumqi")   # UTC+6
    assert number_prefix(datetime(2026, 12, 6, 17, 30, tzinfo=UTC)).endswith("20261206")
    assert number_prefix(datetime(2026, 12, 6, 18, 0, tzinfo=UTC)).endswith("20261207")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Asia", "", "../etc/passwd"])
def test_an_unknown_time_zone_is_refused_at_start_up(zone):
    with pytest.raises(ValidationError, match="IANA time zone"):
        Settings(timezone=zone)


def test_intake_numbers_a_morning_call_by_beijings_date(session):
    import uuid

    import time_machine

    from dispatch.intake import flows
    from dispatch.intake.schemas import IntakeRequest

    req = IntakeRequest(channel="12345", external_id=f"morning-{uuid.uuid4().hex}",
                        content="早上七点多小区停水了")
    with time_machine.travel(datetime(2026, 12, 7, 7, 48, tzinfo=BEIJING), tick=False):
        result = flows.receive(session, req)
    assert result.number.startswith(f"{get_settings().order_prefix}20261207")
