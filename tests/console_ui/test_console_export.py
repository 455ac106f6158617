"""导出 on the order search: the export runs in the background, the page shows its progress bar
until the file is ready, then offers the .xlsx (with the supervisor's masked contact)."""
from __future__ import annotations

import io
import uuid

import pytest
from openpyxl import load_workbook

from tests.helpers import new_call

pytestmark = pytest.mark.browser


def test_export_button_shows_progress_then_downloads_the_file(console, client, tokens, seeded):
    marker = f"导出{uuid.uuid4().hex[:6]}"
    for i in range(3):
        new_call(client, tokens["city_operator"], content=f"{marker} 第{i}号 路面塌陷",
                 citizen_name="李四", division_code=seeded.village.id)
    sup = console("city_supervisor")
    sup.go("orders")
    page = sup.page
    page.fill("input[name=q]", marker)
    page.click("form.filters button[type=submit]")
    page.locator("#search-results tbody tr").nth(2).wait_for()
    # one export at a time: the button is disabled while the job runs. A small export can end
    # before a check after the click, so the page records every change of the button instead.
    page.eval_on_selector("#export-orders", """b => { window.exportButtonStates = [];
        new MutationObserver(() => window.exportButtonStates.push(b.disabled))
            .observe(b, {attributes: true, attributeFilter: ["disabled"]}); }""")
    with page.expect_download() as download:
        page.click("#export-orders")
        page.locator("#export-orders-job progress.export-progress").wait_for()
    page.locator("#export-orders-job .export-file").wait_for()
    states = page.evaluate("window.exportButtonStates")
    assert states[:1] == [True] and states[-1:] == [False]      # disabled, then free again
    assert not page.locator("#export-orders").is_disabled()
    assert "导出完成" in page.locator("#export-orders-job .export-status").inner_text()
    assert page.locator("#export-orders-job progress").evaluate("p => p.value === p.max")
    sup.shot("14-order-export")
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(open(path, "rb").read()), read_only=True).active
                .iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert len(data) == 3 and header[0] == "工单编号"
    assert {r[header.index("诉求人")] for r in data} == {"李*"}
    assert all(marker in r[header.index("诉求内容")] for r in data)
