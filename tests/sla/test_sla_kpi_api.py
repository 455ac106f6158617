"""KPIs through the API on a hand-built data set (March 2001, the demo county), checked by hand.

Twelve orders (O1-O12) with explicit times; every expected number below is worked out from
the definitions in sla.counts, order by order, in the comments.
"""
from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from tests.helpers import auth
from tests.sla.conftest import Builder

AT = "2001-03-15"
GOOD = {"reached": True, "contacted": True, "solved": True, "satisfied": True}


@pytest.fixture(scope="module")
def march(seeded):
    """Build O1-O12; some go through an earlier state first, so retraction is exercised too."""
    from dispatch.db import get_engine

    u = seeded
    with Session(get_engine(), expire_on_commit=False) as session:
        b = Builder(session, u.county)
        o = {}
        # O1 town, closed on time, satisfied. First stored while handling, then closed.
        o[1] = b.order(received="2001-03-05 08:00", state="handling")
        h = b.hop(o[1], u.township, dispatched="2001-03-05 09:00", sign_deadline="2001-03-06 09:00",
                  signed="2001-03-05 10:00", deadline="2001-03-12 09:00", status="handling")
        b.refresh(o[1])
        o[1].state, o[1].close_kind, o[1].closed_at = "closed", "dispatched", b_local("2001-03-10 11:00")
        o[1].callback = {**GOOD, "at": b_local("2001-03-10 10:00").isoformat()}
        h.status, h.reported_at = "done", b_local("2001-03-09 15:00")
        o[1].version += 1
        # O2 wechat/环境保护, town passes down to the village; town reports late; unsatisfied.
        o[2] = b.order(received="2001-03-06 08:00", state="closed", channel="wechat", category="环境保护",
                       close_kind="dispatched", closed="2001-03-17 11:00",
                       callback={**GOOD, "solved": False, "satisfied": False, "at": "2001-03-17 10:00"})
        top = b.hop(o[2], u.township, dispatched="2001-03-06 09:00", sign_deadline="2001-03-07 09:00",
                    signed="2001-03-06 12:00", deadline="2001-03-15 09:00", reported="2001-03-16 10:00")
        b.hop(o[2], u.village, dispatched="2001-03-06 14:00", sign_deadline="2001-03-07 14:00",
              signed="2001-03-08 09:00", deadline="2001-03-14 09:00", reported="2001-03-15 08:00",
              from_platform=False, parent=top)
        # O3 department, rehandled once after an unsatisfied callback, then closed on time.
        o[3] = b.order(received="2001-03-07 08:00", state="closed", close_kind="dispatched",
                       closed="2001-03-22 11:00", rehandle_count=1, callback={**GOOD, "at": "2001-03-22 10:00"})
        b.hop(o[3], u.county_dept, dispatched="2001-03-07 09:00", sign_deadline="2001-03-08 09:00",
              signed="2001-03-07 09:30", deadline="2001-03-14 09:00", reported="2001-03-13 10:00")
        b.hop(o[3], u.county_dept, dispatched="2001-03-15 09:00", sign_deadline="2001-03-16 09:00",
              signed="2001-03-15 10:00", deadline="2001-03-22 09:00", reported="2001-03-21 10:00")
        # O4 110, the town returns it unsigned, the department handles it; citizen not contacted.
        o[4] = b.order(received="2001-03-08 08:00", state="closed", channel="110", close_kind="dispatched",
                       closed="2001-03-16 11:00", return_count=1,
                       callback={**GOOD, "contacted": False, "at": "2001-03-16 10:00"})
        b.hop(o[4], u.township, dispatched="2001-03-08 09:00", sign_deadline="2001-03-09 09:00",
              deadline="2001-03-15 09:00", status="returned")
        b.hop(o[4], u.county_dept, dispatched="2001-03-09 09:00", sign_deadline="2001-03-10 09:00",
              signed="2001-03-09 10:00", deadline="2001-03-16 09:00", reported="2001-03-15 10:00")
        # O5 consultation answered at once (商贸旅游); O6 refused; O7 merged into O1.
        o[5] = b.order(received="2001-03-09 08:00", state="closed", category="商贸旅游",
                       close_kind="direct", closed="2001-03-09 08:05")
        o[6] = b.order(received="2001-03-09 09:00", state="refused")
        o[7] = b.order(received="2001-03-10 09:00", state="merged", master_id=o[1].id)
        # O8 grid case at the village: a failed site check, closed, solved but unsatisfied.
        o[8] = b.order(received="2001-03-12 08:00", state="closed", channel="grid", category="环境保护",
                       close_kind="dispatched", closed="2001-03-17 10:00", failed_site_checks=1,
                       callback={**GOOD, "satisfied": False, "at": "2001-03-17 09:00"})
        b.hop(o[8], u.village, dispatched="2001-03-12 09:00", sign_deadline="2001-03-13 09:00",
              signed="2001-03-12 09:10", deadline="2001-03-19 09:00", reported="2001-03-16 10:00")
        # O9 a repeat call about O1, still being handled (due 03-27). Stored first unsigned.
        o[9] = b.order(received="2001-03-20 08:00", state="dispatched", repeat_of_id=o[1].id)
        h9 = b.hop(o[9], u.township, dispatched="2001-03-20 09:00", sign_deadline="2001-03-21 09:00",
                   deadline="2001-03-27 09:00", status="dispatched")
        b.refresh(o[1], o[9])
        o[9].state, h9.status, h9.signed_at = "handling", "handling", b_local("2001-03-20 10:00")
        o[9].version += 1
        # O10 received in March, not signed yet, due in April.
        o[10] = b.order(received="2001-03-28 08:00", state="dispatched")
        b.hop(o[10], u.township, dispatched="2001-03-28 09:00", sign_deadline="2001-03-29 09:00",
              deadline="2001-04-04 09:00", status="dispatched")
        # O11 closed on time, but the callback never reached the citizen.
        o[11] = b.order(received="2001-03-02 08:00", state="closed", close_kind="dispatched",
                        closed="2001-03-09 11:00", callback={"reached": False, "at": "2001-03-09 10:00"})
        b.hop(o[11], u.township, dispatched="2001-03-02 09:00", sign_deadline="2001-03-03 09:00",
              signed="2001-03-02 09:30", deadline="2001-03-09 09:00", reported="2001-03-08 10:00")
        # O12 received in February, due and called back in March.
        o[12] = b.order(received="2001-02-26 08:00", state="closed", close_kind="dispatched",
                        closed="2001-03-03 11:00", callback={**GOOD, "at": "2001-03-03 10:00"})
        b.hop(o[12], u.township, dispatched="2001-02-26 09:00", sign_deadline="2001-02-27 09:00",
              signed="2001-02-26 10:00", deadline="2001-03-05 09:00", reported="2001-03-02 10:00")
        b.refresh(*o.values())
        b.refresh(*o.values())  # a repeated listener run changes nothing
    return o


def b_local(text):
    from tests.sla.conftest import local

    return local(text)


def kpi(client, token, expect=200, **params):
    r = client.get("/api/v1/sla/kpi", params=params, headers=auth(token))
    assert r.status_code == expect, r.text
    return r.json()


def counts_of(row):
    return {k: v for k, v in row["counts"].items() if v}


def values_of(row):
    return {k["code"]: k["value"] for k in row["kpis"]}


# County total, March 2001 (O12 received in Feb; O10 due in April):
MARCH_TOTAL = {
    "received": 11,               # O1-O11
    "repeat_calls": 2,            # O7 merged, O9 repeat of O1
    "valid": 9,                   # 11 - O6 refused - O7 merged
    "closed_direct": 1,           # O5
    "closed_after_dispatch": 6,   # O1 O2 O3 O4 O8 O11
    "due_to_close": 8,            # deadlines in March: O1 O2 O3 O4 O8 O9 O11 O12
    "closed": 7,                  # all but O9
    "closed_on_time": 6,          # O2's town feedback came after its deadline
    "reopened_unsatisfied": 1,    # O3
    "failed_site_checks": 1,      # O8
    "rehandled": 1,               # O3
    "closed_first_time": 6,       # 7 - O3
    "callbacks_due": 7,           # the 7 closed
    "callbacks_done": 6,          # O11's callback did not reach the citizen
    "evaluated": 6,               # callbacks in March that reached: O1 O2 O3 O4 O8 O12
    "contacted": 5,               # not O4
    "solved": 5,                  # not O2
    "satisfied": 4,               # not O2, O8
    "dispatched_assignments": 11,  # hops in March: O1 1, O2 2, O3 2, O4 2, O8 1, O9 1, O10 1, O11 1
    "signed_on_time": 8,          # not O2's village hop (late), O4's town hop, O10's hop (unsigned)
    "returned": 1,                # O4's town hop
}


def test_county_month_total_matches_hand_computed_counts_and_formulas(client, tokens, seeded, march):
    table = kpi(client, tokens["county_supervisor"], unit_id=seeded.county.id, at=AT)
    assert counts_of(table["total"]) == MARCH_TOTAL
    got = values_of(table["total"])
    expected = {
        "closure_rate": 7 / 8, "on_time_closure_rate": 6 / 8, "effective_closure_rate": (7 - 1 - 1) / 8,
        "overall_closure_rate": (1 + 6) / 9, "direct_closure_rate": 1 / 9,
        "response_rate": 5 / 6, "resolution_rate": 5 / 6, "satisfaction_rate": 4 / 6,
        "on_time_sign_for_rate": 8 / 11, "return_rate": 1 / 11, "rehandle_rate": 1 / 7,
        "repeat_call_rate": 2 / 11, "callback_rate": 6 / 7, "one_time_closure_rate": 6 / 7,
        "three_rates_composite": 0.1 * 5 / 6 + 0.45 * 5 / 6 + 0.45 * 4 / 6,
    }
    assert got == pytest.approx(expected)
    closure = next(k for k in table["total"]["kpis"] if k["code"] == "closure_rate")
    assert closure["formula"] == "结案率 = 已结案工单数 ÷ 应结案工单数"
    assert (closure["numerator"], closure["denominator"], closure["display"]) == (7, 8, "87.5%")


def test_unit_breakdown_puts_each_order_under_the_child_that_holds_it(client, tokens, seeded, march):
    table = kpi(client, tokens["county_supervisor"], unit_id=seeded.county.id, at=AT, group_by="unit")
    rows = {r["key"]: r for r in table["rows"]}
    # the platform itself keeps what was never dispatched: O5 direct, O6 refused, O7 merged
    assert counts_of(rows["本级"]) == {"received": 3, "valid": 1, "closed_direct": 1, "repeat_calls": 1}
    # the township with its village: O1 O2 O8 O9 O10 O11 (received) and O12 (due, called back)
    assert counts_of(rows[seeded.township.path]) == {
        "received": 6, "repeat_calls": 1, "valid": 6, "closed_after_dispatch": 4,
        "due_to_close": 6, "closed": 5, "closed_on_time": 4, "failed_site_checks": 1,
        "closed_first_time": 5, "callbacks_due": 5, "callbacks_done": 4,
        "evaluated": 4, "contacted": 4, "solved": 3, "satisfied": 2,
        "dispatched_assignments": 8, "signed_on_time": 5, "returned": 1}
    assert counts_of(rows[seeded.county_dept.path]) == {
        "received": 2, "valid": 2, "closed_after_dispatch": 2, "due_to_close": 2, "closed": 2,
        "closed_on_time": 2, "reopened_unsatisfied": 1, "rehandled": 1, "closed_first_time": 1,
        "callbacks_due": 2, "callbacks_done": 2, "evaluated": 2, "contacted": 1, "solved": 2,
        "satisfied": 2, "dispatched_assignments": 3, "signed_on_time": 3}
    assert values_of(rows[seeded.township.path])["closure_rate"] == pytest.approx(5 / 6)
    other = [r for k, r in rows.items() if k not in ("本级", seeded.township.path, seeded.county_dept.path)]
    assert other and all(not counts_of(r) and values_of(r)["closure_rate"] is None for r in other)


def test_township_breakdown_shows_its_village(client, tokens, seeded, march):
    table = kpi(client, tokens["county_supervisor"], unit_id=seeded.township.id, at=AT)
    village = next(r for r in table["rows"] if r["key"] == seeded.village.path)
    assert counts_of(village) == {   # O2 and O8
        "received": 2, "valid": 2, "closed_after_dispatch": 2, "due_to_close": 2, "closed": 2,
        "closed_on_time": 1, "failed_site_checks": 1, "closed_first_time": 2, "callbacks_due": 2,
        "callbacks_done": 2, "evaluated": 2, "contacted": 2, "solved": 1,
        "dispatched_assignments": 2, "signed_on_time": 1}


def test_level_department_channel_and_category_breakdowns(client, tokens, seeded, march):
    token, unit = tokens["county_supervisor"], seeded.county.id
    level = {r["key"]: counts_of(r) for r in kpi(client, token, unit_id=unit, at=AT, group_by="level")["rows"]}
    assert list(level) == ["county", "township", "village"]
    assert level["village"]["received"] == 2 and level["township"]["received"] == 4
    assert level["county"]["received"] == 5          # platform 3 + department 2
    dept = kpi(client, token, unit_id=unit, at=AT, group_by="department")
    assert [r["key"] for r in dept["rows"]] == ["housing"]
    assert counts_of(dept["total"])["due_to_close"] == 2
    channel = {r["key"]: counts_of(r) for r in kpi(client, token, unit_id=unit, at=AT, group_by="channel")["rows"]}
    assert sorted(channel) == ["110", "12345", "grid", "wechat"]
    labels = {r["key"]: r["label"] for r in kpi(client, token, unit_id=unit, at=AT, group_by="channel")["rows"]}
    assert labels["grid"] == "网格事件" and labels["110"] == "110非警务警情"
    assert channel["grid"] == {
        "received": 1, "valid": 1, "closed_after_dispatch": 1, "due_to_close": 1, "closed": 1,
        "closed_on_time": 1, "failed_site_checks": 1, "closed_first_time": 1, "callbacks_due": 1,
        "callbacks_done": 1, "evaluated": 1, "contacted": 1, "solved": 1,
        "dispatched_assignments": 1, "signed_on_time": 1}
    category = {r["key"]: counts_of(r) for r in kpi(client, token, unit_id=unit, at=AT, group_by="category")["rows"]}
    assert category["商贸旅游"] == {"received": 1, "valid": 1, "closed_direct": 1}
    assert category["环境保护"]["due_to_close"] == 2
    filtered = kpi(client, token, unit_id=unit, at=AT, channel="grid")
    assert counts_of(filtered["total"]) == channel["grid"]


def test_trend_by_month_week_and_day(client, tokens, seeded, march):
    token, unit = tokens["county_supervisor"], seeded.county.id
    months = kpi(client, token, unit_id=unit, at=AT, group_by="period", count=2)
    assert [r["key"] for r in months["rows"]] == ["2001-02", "2001-03"]
    assert counts_of(months["rows"][0]) == {   # O12 received and dispatched in February
        "received": 1, "valid": 1, "closed_after_dispatch": 1, "dispatched_assignments": 1,
        "signed_on_time": 1}
    assert counts_of(months["rows"][1]) == MARCH_TOTAL
    week = kpi(client, token, unit_id=unit, at="2001-03-14", period="week")
    assert week["periods"] == ["2001-W11"]
    assert counts_of(week["total"])["due_to_close"] == 3   # O1 03-12, O4 03-16, O2 03-15
    day = kpi(client, token, unit_id=unit, at="2001-03-09", period="day")
    assert counts_of(day["total"]) == {   # O5, O6 received; O11 due and closed; O4's second hop
        "received": 2, "valid": 1, "closed_direct": 1, "due_to_close": 1, "closed": 1,
        "closed_on_time": 1, "closed_first_time": 1, "callbacks_due": 1,
        "dispatched_assignments": 1, "signed_on_time": 1}


def test_composite_weights_can_be_given_per_request(client, tokens, seeded, march):
    table = kpi(client, tokens["county_supervisor"], unit_id=seeded.county.id, at=AT,
                w_response=1, w_resolution=1, w_satisfaction=2)
    assert values_of(table["total"])["three_rates_composite"] == pytest.approx(
        (5 / 6 + 5 / 6 + 2 * 4 / 6) / 4)


def test_rebuild_from_orders_gives_the_same_numbers_as_the_incremental_aggregates(
        client, tokens, seeded, march):
    before = kpi(client, tokens["county_supervisor"], unit_id=seeded.county.id, at=AT)
    r = client.post("/api/v1/sla/kpi/rebuild", headers=auth(tokens["admin"]))
    assert r.status_code == 200 and r.json()["orders"] >= 12
    after = kpi(client, tokens["county_supervisor"], unit_id=seeded.county.id, at=AT)
    assert after["rows"] == before["rows"] and after["total"] == before["total"]


def test_kpis_are_for_supervisors_dispatchers_and_admins_within_reach(client, tokens, seeded, march):
    kpi(client, tokens["township_handler"], expect=403, unit_id=seeded.township.id, at=AT)
    kpi(client, tokens["county_supervisor"], expect=403, unit_id=seeded.city.id, at=AT)
    assert kpi(client, tokens["county_dispatcher"], at=AT)["unit_id"] == seeded.county.id
    city = kpi(client, tokens["city_supervisor"], unit_id=seeded.city.id, at=AT)
    county_row = next(r for r in city["rows"] if r["key"] == seeded.county.path)
    assert counts_of(county_row) == MARCH_TOTAL
    bad = kpi(client, tokens["admin"], expect=422, at=AT, group_by="weather")
    assert bad["code"] == "invalid" and "group_by" in bad["message"]


def test_excel_export_has_chinese_headers_a_formulas_row_and_live_rate_formulas(
        client, tokens, seeded, march):
    r = client.get("/api/v1/sla/kpi.xlsx", params={"unit_id": seeded.county.id, "at": AT},
                   headers=auth(tokens["county_supervisor"]))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(r.content))["KPI"]
    headers = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
    col = {name: ws.cell(2, c).column_letter for name, c in headers.items()}
    assert ws.cell(3, headers["结案率"]).value == "结案率 = 已结案工单数 ÷ 应结案工单数"
    assert ws.cell(3, headers["应结案工单数"]).value.startswith("已派单工单中，办理时限截止日")
    total = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "合计")
    assert ws.cell(total, headers["应结案工单数"]).value == 8
    assert ws.cell(total, headers["已结案工单数"]).value == 7
    due, closed = f"{col['应结案工单数']}{total}", f"{col['已结案工单数']}{total}"
    assert ws.cell(total, headers["结案率"]).value == f'=IF({due}=0,"",({closed})/{due})'
    minus = f"-{col['回访不满意重办工单数']}{total}-{col['核查不通过工单数']}{total}"
    assert ws.cell(total, headers["有效结案率"]).value == f'=IF({due}=0,"",({closed}{minus})/{due})'
    assert ws.cell(2, 1).value == "单位" and ws.cell(1, 1).value.endswith("考核指标（按单位）")
    assert "口径说明" in load_workbook(BytesIO(r.content)).sheetnames


def test_definitions_list_every_formula_and_count(client, tokens):
    r = client.get("/api/v1/sla/kpi/definitions", headers=auth(tokens["city_operator"]))
    body = r.json()
    assert len(body["kpis"]) == 14 and len(body["counts"]) == 21
    due = next(c for c in body["counts"] if c["code"] == "due_to_close")
    assert due["name"] == "应结案工单数" and "办理时限截止日" in due["definition"]
