"""The monthly report from the dashboard: pick a month, watch the progress, get a Word file."""
from __future__ import annotations

import pytest
from docx import Document

from sla import current

pytestmark = pytest.mark.browser


def test_the_supervisor_downloads_the_months_report(console):
    sup = console("city_supervisor")
    sup.go("dashboard")
    p = sup.page
    p.wait_for_selector("#view[data-refreshed]")
    p.fill("#report-month", f"{current.today():%Y-%m}")
    with p.expect_download(timeout=120_000) as info:
        p.click("#export-report")
    download = info.value
    assert download.suggested_filename.endswith(f"{current.today():%Y-%m}.docx")
    assert "运行分析月报" in download.suggested_filename
    doc = Document(download.path())
    assert any(par.text == "一、总体情况" for par in doc.paragraphs)
    assert "导出完成" in p.locator("#export-report-job .export-status").inner_text()
