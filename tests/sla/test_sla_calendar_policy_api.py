"""Admin-loaded year schedules and versioned policies through the API, and their effect on deadlines."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from sla import deadlines
from tests.helpers import act, auth, new_call, wait_state

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A made-up 2027 schedule (the State Council has not published it): National Day week off,
# two make-up working weekend days around it.
SCHEDULE_2027 = {"year": 2027, "note": "测试用安排",
                 "holidays": [f"2027-10-0{d}" for d in range(1, 8)],
                 "workdays": ["2027-09-26", "2027-10-09"]}
START = datetime(2027, 9, 30, 9, 0, tzinfo=SHANGHAI)   # a Thursday


def years(client, token, **params):
    r = client.get("/api/v1/sla/calendar/years", params=params, headers=auth(token))
    assert r.status_code == 200, r.text
    return {y["year"]: y for y in r.json()}


def preview(client, token, start=START, amount=5):
    r = client.get("/api/v1/sla/calendar/deadline", headers=auth(token),
                   params={"start": start.isoformat(), "amount": amount, "unit": "working_days"})
    assert r.status_code == 200, r.text
    return r.json()


def handling_deadline(category=None, at=START):
    return deadlines.hop_deadlines(now=at, request_type="complaint", urgency="normal",
                                   category=category, channel="12345")


@pytest.fixture
def unload_2027(client, tokens):
    yield
    client.delete("/api/v1/sla/calendar/years/2027", headers=auth(tokens["admin"]))


def test_loading_2027_replaces_the_fallback_and_moves_deadlines(client, tokens, unload_2027):
    before = years(client, tokens["county_supervisor"], first=2026, last=2027)
    assert before[2026]["source"] == "chinese_calendar" and not before[2026]["fallback"]
    assert before[2027]["source"] == "weekends_only" and before[2027]["fallback"]
    assert "回退" in before[2027]["source_note"]
    # weekends only: Oct 1, 4, 5, 6, 7 are the five working days after Thursday Sep 30
    assert preview(client, tokens["admin"])["deadline_local"] == "2027-10-07T09:00:00+08:00"
    assert handling_deadline().deadline == datetime(2027, 10, 7, 9, tzinfo=SHANGHAI)

    r = client.post("/api/v1/sla/calendar/years", json=SCHEDULE_2027, headers=auth(tokens["admin"]))
    assert r.status_code == 201, r.text
    loaded = r.json()
    assert loaded["source"] == "loaded" and loaded["loaded_by"] == "系统管理员"
    assert loaded["workdays"] == ["2027-09-26", "2027-10-09"]

    # Oct 1-7 off; Oct 8 (Fri), Oct 9 (make-up Saturday), Oct 11, 12, 13
    shown = preview(client, tokens["admin"])
    assert shown["deadline_local"] == "2027-10-13T09:00:00+08:00"
    assert shown["sources"] == {"2027": "loaded"}
    assert handling_deadline().deadline == datetime(2027, 10, 13, 9, tzinfo=SHANGHAI)
    assert years(client, tokens["admin"], first=2027, last=2027)[2027]["source"] == "loaded"


def test_library_years_report_their_holidays_and_make_up_days(client, tokens):
    y2026 = years(client, tokens["admin"], first=2026, last=2026)[2026]
    assert "2026-10-01" in y2026["holidays"] and y2026["loaded_at"] is None
    assert y2026["workdays"]   # chinese_calendar knows 2026's 调休 weekends


def test_csv_upload_loads_every_year_it_contains_and_delete_restores_the_fallback(client, tokens):
    csv_text = "date,type,name\n2029-01-01,holiday,元旦\n2029-02-12,休,春节\n2029-02-04,班,春节调休\n" \
               "2030-01-01,holiday,元旦\n"
    r = client.post("/api/v1/sla/calendar/upload", headers=auth(tokens["admin"]),
                    files={"file": ("2029.csv", csv_text.encode(), "text/csv")})
    assert r.status_code == 201, r.text
    got = {y["year"]: y for y in r.json()}
    assert got[2029]["holidays"] == ["2029-01-01", "2029-02-12"]
    assert got[2029]["workdays"] == ["2029-02-04"] and got[2030]["source"] == "loaded"
    for year in (2029, 2030):
        assert client.delete(f"/api/v1/sla/calendar/years/{year}",
                             headers=auth(tokens["admin"])).status_code == 204
    assert years(client, tokens["admin"], first=2029, last=2029)[2029]["source"] == "weekends_only"


def test_years_without_their_official_holidays_are_reported_until_loaded(client, tokens, monkeypatch):
    """In December next year's holidays are wanted too: the console warns and /metrics alerts
    until an admin uploads them."""
    monkeypatch.setattr("sla.current.today", lambda: date(2092, 12, 15))

    def missing(token):
        r = client.get("/api/v1/sla/calendar/missing", headers=auth(token))
        assert r.status_code == 200, r.text
        return r.json()["years"]

    def alerting():
        return sorted(int(line.split('"')[1]) for line in client.get("/metrics").text.splitlines()
                      if line.startswith("hotline_calendar_schedule_missing{"))

    assert missing(tokens["city_dispatcher"]) == [2092, 2093] and alerting() == [2092, 2093]
    r = client.post("/api/v1/sla/calendar/upload", headers=auth(tokens["admin"]),
                    files={"file": ("2093.csv", b"date,type\n2093-01-01,holiday\n", "text/csv")})
    assert r.status_code == 201, r.text
    assert missing(tokens["county_supervisor"]) == [2092] and alerting() == [2092]
    client.post("/api/v1/sla/calendar/years", headers=auth(tokens["admin"]),
                json={"year": 2092, "holidays": ["2092-10-01"]})
    assert missing(tokens["township_handler"]) == [] and alerting() == []
    for year in (2092, 2093):
        client.delete(f"/api/v1/sla/calendar/years/{year}", headers=auth(tokens["admin"]))


def test_json_upload_of_a_list_of_years(client, tokens):
    body = b'[{"year": 2031, "holidays": ["2031-05-01"], "workdays": []}]'
    r = client.post("/api/v1/sla/calendar/upload", headers=auth(tokens["admin"]),
                    files={"file": ("2031.json", body, "application/json")})
    assert r.status_code == 201 and r.json()[0]["holidays"] == ["2031-05-01"]
    client.delete("/api/v1/sla/calendar/years/2031", headers=auth(tokens["admin"]))


@pytest.mark.parametrize(("body", "message"), [
    ({"year": 2032, "holidays": ["2033-01-01"]}, "outside year 2032"),
    ({"year": 2032, "holidays": ["2032-13-01"]}, "expected YYYY-MM-DD"),
    ({"year": 2032, "holidays": ["2032-10-01"], "workdays": ["2032-10-01"]}, "both holiday and workday"),
])
def test_invalid_schedules_are_refused_with_the_reason(client, tokens, body, message):
    r = client.post("/api/v1/sla/calendar/years", json=body, headers=auth(tokens["admin"]))
    assert r.status_code == 422
    assert r.json()["code"] == "invalid" and message in r.json()["message"]


def test_bad_csv_line_is_reported(client, tokens):
    r = client.post("/api/v1/sla/calendar/upload", headers=auth(tokens["admin"]),
                    files={"file": ("x.csv", b"date,type\n2032-01-01,maybe\n", "text/csv")})
    assert r.status_code == 422 and "line 2" in r.json()["message"]


@pytest.mark.parametrize("content", [b"date,type\n2032-01-01\r,holiday\n",
                                     b"date,type\n" + b"9" * 200_000 + b",holiday\n"])
def test_a_csv_the_csv_module_cannot_read_is_a_422_naming_the_line(client, tokens, content):
    r = client.post("/api/v1/sla/calendar/upload", headers=auth(tokens["admin"]),
                    files={"file": ("x.csv", content, "text/csv")})
    assert r.status_code == 422 and "schedule CSV line 2" in r.json()["message"], r.text


def test_only_admins_load_schedules_or_edit_policies(client, tokens):
    r = client.post("/api/v1/sla/calendar/years", json=SCHEDULE_2027, headers=auth(tokens["county_supervisor"]))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = client.post("/api/v1/sla/policies", json={"rules": []}, headers=auth(tokens["city_dispatcher"]))
    assert r.status_code == 403


def _rules(test_days: int) -> list[dict]:
    from sla.policy import DEFAULT_POLICY

    extra = {"match": {"category": "SLA测试类"}, "note": "测试类别",
             "limits": {"handling": {"amount": test_days, "unit": "working_days"}}}
    return [r.to_dict() for r in DEFAULT_POLICY.rules] + [extra]


def _post_policy(client, tokens, days, based_on, expect=201):
    r = client.post("/api/v1/sla/policies", headers=auth(tokens["admin"]),
                    json={"rules": _rules(days), "based_on": based_on, "note": f"测试类别{days}天"})
    assert r.status_code == expect, r.text
    return r.json()


def test_each_policy_edit_is_a_new_version_and_a_hop_keeps_the_one_it_was_dispatched_under(
        client, tokens, seeded, session):
    t = tokens
    current = client.get("/api/v1/sla/policies/current", headers=auth(t["admin"])).json()["version"]
    v_a = _post_policy(client, t, 3, based_on=current)
    assert v_a["version"] == current + 1 and v_a["current"]
    stale = _post_policy(client, t, 4, based_on=current, expect=409)
    assert stale["code"] == "conflict" and stale["details"]["current_version"] == v_a["version"]
    assert deadlines.current_policy().version == v_a["version"]
    d = handling_deadline(category="SLA测试类", at=datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))
    assert (d.deadline, d.policy_version) == (datetime(2026, 3, 5, 9, tzinfo=SHANGHAI), v_a["version"])

    oid = new_call(client, t["county_operator"])["order_id"]
    wait_state(client, t["county_dispatcher"], oid, "pending_dispatch")
    act(client, t["county_dispatcher"], oid, "dispatch", target_unit_id=seeded.township.id)
    hop = _hops(session, oid)[-1]
    assert hop.policy_version == v_a["version"]

    v_b = _post_policy(client, t, 10, based_on=v_a["version"])
    again = _hops(session, oid)[-1]
    assert (again.policy_version, again.deadline) == (v_a["version"], hop.deadline)
    kept = client.get(f"/api/v1/sla/policies/{v_a['version']}", headers=auth(t["county_dispatcher"])).json()
    assert kept["body"]["rules"][-1]["limits"]["handling"]["amount"] == 3 and not kept["current"]
    listed = client.get("/api/v1/sla/policies", headers=auth(t["admin"])).json()
    assert [p["version"] for p in listed][-2:] == [v_a["version"], v_b["version"]]
    assert listed[0]["version"] == 1 and listed[-1]["current"]
    assert handling_deadline(category="SLA测试类").policy_version == v_b["version"]


def _hops(session, order_id):
    from sqlmodel import select

    from dispatch.orders.models import Assignment

    stmt = select(Assignment).where(Assignment.order_id == order_id).order_by(Assignment.id)
    return [h.model_copy() for h in session.exec(stmt.execution_options(populate_existing=True))]


def test_invalid_policy_is_refused(client, tokens):
    r = client.post("/api/v1/sla/policies", headers=auth(tokens["admin"]),
                    json={"rules": [{"match": {"urgency": "normal"}, "limits": {"handling": {"amount": 1, "unit": "working_days"}}}]})
    assert r.status_code == 422 and "needs a rule with no match fields" in r.json()["message"]
