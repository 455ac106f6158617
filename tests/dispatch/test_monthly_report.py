"""The monthly report: a Word document written in the background with progress, its figures
frozen once the month is over so that a re-run gives the same document."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from docx import Document

from console_ui.monthly import document, figures, flows
from dispatch.sqltypes import utcnow
from sla import current
from tests.dispatch.test_exports_api import _finished
from tests.conftest import wait_until
from tests.helpers import auth as H, new_call


def _report(client, token: str, **filters) -> dict:
    r = client.post("/api/v1/exports", headers=H(token), json={"kind": "report", "filters": filters})
    assert r.status_code == 202, r.text
    return _finished(client, token, r.json()["id"])


def _received(client, tokens) -> int:
    kpi = client.get("/api/v1/sla/kpi", params={"period": "month", "at": f"{current.today()}"},
                     headers=H(tokens["city_supervisor"])).json()
    return kpi["total"]["counts"]["received"]


def _new_counted_order(client, tokens, seeded, content: str) -> int:
    """A new call, once the KPI tables count it (routing, in the background, records it)."""
    before = _received(client, tokens)
    new_call(client, tokens["county_operator"], content=content, division_code=seeded.township.id)
    return wait_until(lambda: _received(client, tokens) > before and _received(client, tokens))


def _text(doc) -> str:
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_report_of_this_month_is_a_word_document_with_its_sections(client, tokens, seeded):
    received = _new_counted_order(client, tokens, seeded, "月报测试：小区垃圾清运不及时")
    month = f"{current.today():%Y-%m}"
    job = _report(client, tokens["city_supervisor"], month=month)
    assert job["status"] == "done", job
    assert job["rows_done"] == job["rows_total"] == document.STEPS + 1 and job["percent"] == 100.0
    r = client.get(job["file_url"], headers=H(tokens["city_supervisor"]))
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessing")
    assert job["filename"].endswith(f"{month}.docx")
    doc = Document(io.BytesIO(r.content))
    text = _text(doc)
    assert seeded.city.name in doc.core_properties.title
    for heading in ("一、总体情况", "二、受理渠道与趋势", "三、各单位办理质效排名", "四、各部门办理质效排名",
                    "五、超期与重办工单", "六、热点诉求", "附：指标口径"):
        assert heading in text
    assert f"共受理群众诉求 {received} 件" in text
    assert seeded.county.name in text                      # ranked among the units
    assert len(doc.inline_shapes) >= 3                     # channels, daily trend, ranking charts


def test_a_finished_month_is_frozen_and_renders_the_same_bytes_again(session, seeded, monkeypatch):
    last = flows.month_of(None, current.today())
    first = flows.snapshot(session, scope=seeded.city, month=last, now=utcnow())
    assert first.final and first.period == f"{last:%Y-%m}"
    once = document.render(first.figures)

    def refuse(*a, **k):
        raise AssertionError("a final month's figures are read again")
    monkeypatch.setattr(figures, "collect", refuse)
    again = flows.snapshot(session, scope=seeded.city, month=last, now=utcnow() + timedelta(days=40))
    assert again.id == first.id and document.render(again.figures) == once


def test_the_running_month_is_read_afresh(client, tokens, session, seeded):
    month = current.today()
    before = flows.snapshot(session, scope=seeded.city, month=month, now=utcnow())
    assert not before.final
    received = _new_counted_order(client, tokens, seeded, "月报测试：路面坑洼积水")
    after = flows.snapshot(session, scope=seeded.city, month=month, now=utcnow())
    assert after.id == before.id and after.figures["summary"]["received"] == received


def test_a_month_not_begun_fails_with_a_reason(client, tokens):
    ahead = (current.today().replace(day=1) + timedelta(days=40)).strftime("%Y-%m")
    job = _report(client, tokens["city_supervisor"], month=ahead)
    assert job["status"] == "failed" and "has not begun" in job["error"]


@pytest.mark.parametrize("month", ["2026-13", "202611", "11-2026"])
def test_a_malformed_month_is_refused(client, tokens, month):
    r = client.post("/api/v1/exports", headers=H(tokens["city_supervisor"]),
                    json={"kind": "report", "filters": {"month": month}})
    assert r.status_code == 422


def test_a_handler_may_not_write_the_report(client, tokens):
    r = client.post("/api/v1/exports", headers=H(tokens["township_handler"]),
                    json={"kind": "report", "filters": {}})
    assert r.status_code == 403


@pytest.mark.parametrize("today, expected", [("2026-12-07", "2026-11-01"), ("2027-01-01", "2026-12-01"),
                                             ("2026-03-31", "2026-02-01")])
def test_the_default_month_is_the_one_before(today, expected):
    from datetime import date
    assert flows.month_of(None, date.fromisoformat(today)) == date.fromisoformat(expected)
