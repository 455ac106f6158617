"""The supervisor's dashboard: each number carries its formula, Excel exports download, and a
labelled placeholder stands wherever an endpoint has not landed (no invented numbers)."""
from __future__ import annotations

import io

import pytest

from tests.helpers import auth

pytestmark = pytest.mark.browser


def test_numbers_show_their_formula_and_exports_download(console, client, tokens):
    sla = client.get("/api/v1/sla/kpi", headers=auth(tokens["county_supervisor"])).status_code != 404
    sup = console("county_supervisor")
    sup.go("dashboard")
    p = sup.page
    p.wait_for_selector("#view[data-refreshed]")

    p.hover("#stat-closed")
    tip = p.locator("#stat-closed .formula")
    assert tip.is_visible() and "已结案" in tip.inner_text()
    p.hover("#kpi-closure_rate")
    tip = p.locator("#kpi-closure_rate .formula")
    assert tip.is_visible()
    if not sla:
        assert "尚未提供" in tip.inner_text()
        assert p.locator("#export-kpi").is_disabled()
        return
    assert "结案率 =" in tip.inner_text() and "应结案" in tip.inner_text()
    assert p.locator("#chart-area canvas").count() == 1

    from openpyxl import load_workbook
    for button in ("#export-kpi", "#export-overdue"):
        with p.expect_download() as info:
            p.click(button)
        download = info.value
        assert download.suggested_filename.endswith(".xlsx")
        with open(download.path(), "rb") as fh:
            book = load_workbook(io.BytesIO(fh.read()))
        assert book.active.max_row >= 1


def test_search_finds_orders_by_number_and_state(console, client, tokens):
    from tests.helpers import new_call

    r = new_call(client, tokens["city_operator"], content="查询页测试：公交站台顶棚破损")
    op = console("city_dispatcher")
    op.go("orders")
    p = op.page
    p.fill("input[name=q]", r["number"])
    p.press("input[name=q]", "Enter")
    p.locator(f"#search-results tr[data-order-id='{r['order_id']}']").wait_for()
    assert p.locator("#search-results tbody tr").count() == 1
    p.fill("input[name=q]", "")
    p.select_option("select[name=state]", "closed")
    p.click(".filters button[type=submit]")
    p.wait_for_selector("#search-results tbody tr, .list-status:not(:empty)")
    states = p.eval_on_selector_all("#search-results tbody tr", "rs => rs.map(r => r.dataset.state)")
    assert set(states) <= {"closed"}
    op.shot("14-orders-search")
