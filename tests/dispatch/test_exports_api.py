"""Exports as background jobs: 202 at once, progress to the end, the file within the user's reach
with contact masked as the order list masks it, someone else's job not disclosed."""
from __future__ import annotations

import io
import uuid

from openpyxl import load_workbook

from tests.conftest import wait_until
from tests.helpers import auth as H, new_call


def _intake(client, tokens, content: str) -> int:
    return new_call(client, tokens["city_operator"], content=content, citizen_name="王小明",
                    division_code="431102001")["order_id"]


def _finished(client, token: str, job_id: str) -> dict:
    def done():
        body = client.get(f"/api/v1/exports/{job_id}", headers=H(token)).json()
        return body if body["status"] in ("done", "failed") else None
    return wait_until(done, timeout=180)   # a loaded CI machine runs the worker slowly


def _sheet(client, token: str, job: dict) -> list[tuple]:
    r = client.get(job["file_url"], headers=H(token))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(r.content), read_only=True).active.iter_rows(values_only=True))


def test_an_order_export_runs_in_the_background_and_masks_contact_for_a_supervisor(client, tokens):
    marker = f"导出测试{uuid.uuid4().hex[:6]}"
    _intake(client, tokens, f"{marker} 朝阳街道路灯不亮")
    r = client.post("/api/v1/exports", headers=H(tokens["city_supervisor"]),
                    json={"kind": "orders", "filters": {"q": marker}})
    assert r.status_code == 202, r.text
    assert r.json()["status"] in ("queued", "running", "done")
    job = _finished(client, tokens["city_supervisor"], r.json()["id"])
    assert job["status"] == "done" and job["rows_done"] == job["rows_total"] == 1
    assert job["percent"] == 100.0
    rows = _sheet(client, tokens["city_supervisor"], job)
    header, (order,) = rows[0], rows[1:]
    assert header[:3] == ("工单编号", "渠道", "受理时间")
    assert order[header.index("诉求人")] == "王**" and order[header.index("联系电话")] == "139****5678"
    assert marker in order[header.index("诉求内容")] and order[header.index("渠道")] == "12345热线"


def test_an_operator_exports_the_number_in_full(client, tokens):
    marker = f"导出号码{uuid.uuid4().hex[:6]}"
    _intake(client, tokens, f"{marker} 噪音扰民")
    r = client.post("/api/v1/exports", headers=H(tokens["city_operator"]),
                    json={"kind": "orders", "filters": {"q": marker}})
    rows = _sheet(client, tokens["city_operator"], _finished(client, tokens["city_operator"], r.json()["id"]))
    assert rows[1][rows[0].index("联系电话")] == "13912345678"


def test_a_village_exports_only_what_it_reaches(client, tokens):
    marker = f"导出范围{uuid.uuid4().hex[:6]}"
    _intake(client, tokens, f"{marker} 县城道路破损")      # still with the city: not the village's
    r = client.post("/api/v1/exports", headers=H(tokens["village_handler"]),
                    json={"kind": "orders", "filters": {"q": marker}})
    job = _finished(client, tokens["village_handler"], r.json()["id"])
    assert job["status"] == "done" and job["rows_total"] == 0
    assert len(_sheet(client, tokens["village_handler"], job)) == 1        # the header only


def test_someone_elses_export_is_not_found_and_an_unfinished_file_is_a_conflict(client, tokens):
    r = client.post("/api/v1/exports", headers=H(tokens["city_supervisor"]),
                    json={"kind": "orders", "filters": {"q": "nothing-matches-this"}})
    job_id = r.json()["id"]
    assert client.get(f"/api/v1/exports/{job_id}", headers=H(tokens["county_supervisor"])).status_code == 404
    assert client.get(f"/api/v1/exports/{job_id}/file", headers=H(tokens["county_supervisor"])).status_code == 404
    _finished(client, tokens["city_supervisor"], job_id)


def test_kpi_and_overdue_exports_are_for_analysts_and_bad_filters_are_refused(client, tokens):
    handler = client.post("/api/v1/exports", headers=H(tokens["township_handler"]), json={"kind": "kpi"})
    assert handler.status_code == 403
    bad = client.post("/api/v1/exports", headers=H(tokens["city_supervisor"]),
                      json={"kind": "orders", "filters": {"colour": "red"}})
    assert bad.status_code == 422 and "colour" in bad.json()["message"]
    for kind, sheet_title in (("kpi", "考核指标"), ("overdue", "超期工单")):
        r = client.post("/api/v1/exports", headers=H(tokens["city_supervisor"]), json={"kind": kind})
        assert r.status_code == 202, r.text
        job = _finished(client, tokens["city_supervisor"], r.json()["id"])
        assert job["status"] == "done", job
        assert sheet_title in str(_sheet(client, tokens["city_supervisor"], job)[0][0])


def test_a_message_that_looks_like_a_formula_or_holds_control_characters_exports_as_text(client, tokens):
    """From a public channel anyone can send "=HYPERLINK(...)"; a vertical tab pasted into a
    message once failed the whole export."""
    marker = f"导出公式{uuid.uuid4().hex[:6]}"
    content = f'=HYPERLINK("http://example.invalid","{marker}")\x0b路灯不亮\x1b'
    _intake(client, tokens, content)
    r = client.post("/api/v1/exports", headers=H(tokens["city_supervisor"]),
                    json={"kind": "orders", "filters": {"q": marker}})
    job = _finished(client, tokens["city_supervisor"], r.json()["id"])
    assert job["status"] == "done", job
    ws = load_workbook(io.BytesIO(client.get(job["file_url"], headers=H(tokens["city_supervisor"])).content)).active
    cell = ws.cell(2, [c.value for c in ws[1]].index("诉求内容") + 1)
    assert (cell.value, cell.data_type) == (content.replace("\x0b", "").replace("\x1b", ""), "s")
