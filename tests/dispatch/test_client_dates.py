"""Every date a client sends lies between 2000 and 2100, or the request is a 422 with the reason:
year 1 or 9999 overflowed the working calendar into a 500."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from dispatch.client_dates import ClientDate, ClientMoment
from tests.helpers import auth

MOMENT = TypeAdapter(ClientMoment)
DAY = TypeAdapter(ClientDate)


@pytest.mark.parametrize("text, ok", [
    ("2000-01-01T00:00:00+08:00", True),
    ("2026-12-07T07:48:00+08:00", True),
    ("2100-12-31T23:59:59-12:00", True),
    ("1999-12-31T23:59:59+08:00", False),
    ("2101-01-01T00:00:00+00:00", False),
    ("0001-01-01T00:00:00+08:00", False),    # converting it to UTC overflowed
    ("9999-12-31T23:00:00-08:00", False),    # so did this one
])
def test_client_moments_are_bounded_without_overflowing(text, ok):
    if ok:
        assert MOMENT.validate_python(text) == datetime.fromisoformat(text)
    else:
        with pytest.raises(ValidationError, match="between 2000-01-01 and 2100-12-31"):
            MOMENT.validate_python(text)


def test_a_client_moment_needs_its_time_zone():
    with pytest.raises(ValidationError, match="timezone"):
        MOMENT.validate_python("2026-12-07T07:48:00")


@pytest.mark.parametrize("day, ok", [(date(2000, 1, 1), True), (date(2100, 12, 31), True),
                                     (date(1, 1, 1), False), (date(9999, 12, 31), False)])
def test_client_dates_are_bounded(day, ok):
    if ok:
        assert DAY.validate_python(day) == day
    else:
        with pytest.raises(ValidationError, match="between 2000-01-01 and 2100-12-31"):
            DAY.validate_python(day)


def _refused(r) -> str:
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid"
    return r.json()["message"]


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:00:00-08:00",
                                   "9999-12-31T00:00:00+00:00", "1900-01-01T00:00:00+08:00"])
def test_deadline_preview_refuses_a_start_far_from_today(client, tokens, start):
    r = client.get("/api/v1/sla/calendar/deadline", headers=auth(tokens["county_dispatcher"]),
                   params={"start": start, "amount": 5, "unit": "working_days"})
    assert "between 2000-01-01 and 2100-12-31" in _refused(r)


def test_intake_refuses_a_received_at_in_year_9999(client, tokens):
    r = client.post("/api/v1/intake", headers=auth(tokens["county_operator"]),
                    json={"channel": "12345", "external_id": "far-future-9999",
                          "received_at": "9999-12-31T00:00:00+08:00", "content": "路灯坏了"})
    assert "between 2000-01-01 and 2100-12-31" in _refused(r)


@pytest.mark.parametrize("path, params", [
    ("/api/v1/sla/kpi", {"at": "0001-01-01"}),
    ("/api/v1/sla/kpi", {"at": "9999-12-31", "period": "week", "count": 2}),
    ("/api/v1/sla/calendar/years/1900", {}),
    ("/api/v1/sla/calendar/years", {"first": 1, "last": 9999}),
])
def test_sla_queries_refuse_dates_far_from_today(client, tokens, path, params):
    _refused(client.get(path, params=params, headers=auth(tokens["admin"])))


def test_loading_a_schedule_for_a_far_year_is_refused(client, tokens):
    r = client.post("/api/v1/sla/calendar/years", headers=auth(tokens["admin"]),
                    json={"year": 9999, "holidays": ["9999-12-31"]})
    _refused(r)
    r = client.post("/api/v1/sla/calendar/upload", headers=auth(tokens["admin"]),
                    files={"file": ("far.csv", b"date,type\n9999-12-31,holiday\n", "text/csv")})
    assert "between 2000-01-01 and 2100-12-31" in _refused(r)


def test_a_kpi_export_refuses_a_date_far_from_today(client, tokens):
    r = client.post("/api/v1/exports", headers=auth(tokens["city_supervisor"]),
                    json={"kind": "kpi", "filters": {"at": "0001-01-01"}})
    assert r.status_code == 422, r.text
