"""Next year's official holidays, before deadlines reach it: the console warns the people who
set and watch deadlines until the admin loads the State Council's schedule on 工作日历."""
from __future__ import annotations

from datetime import date

import pytest

from tests.console_ui.pages import no_horizontal_scroll
from tests.helpers import auth

pytestmark = pytest.mark.browser

TODAY = date(2094, 12, 10)     # years no built-in calendar will know: only the fallback
SCHEDULE = "date,type,name\n2095-01-01,放假,元旦\n2095-01-29,休,春节\n2095-01-22,班,春节调休\n" \
           "2094-10-01,holiday,国庆节\n"


def test_a_missing_schedule_is_flagged_until_the_admin_uploads_it(console, client, tokens, monkeypatch):
    monkeypatch.setattr("sla.current.today", lambda: TODAY)
    try:
        supervisor = console("city_supervisor", viewport=(390, 844))     # on a phone
        warning = supervisor.page.locator("#calendar-warning")
        assert "2094、2095" in warning.inner_text() and "请联系系统管理员" in warning.inner_text()
        assert supervisor.page.locator("nav a[data-menu=calendar]").count() == 0
        supervisor.page.click("nav a[data-menu=orders]")
        supervisor.page.wait_for_selector("main.view-orders")
        assert warning.is_visible() and no_horizontal_scroll(supervisor.page)

        admin = console("admin")
        p = admin.page
        p.click("#calendar-warning a")
        p.wait_for_selector("#calendar-table tr[data-year='2095'][data-source='weekends_only']")
        assert p.locator("#calendar-table tr.calendar-fallback").count() == 3   # 2093-2095
        p.set_input_files("#calendar-file", files=[{"name": "放假安排.csv", "mimeType": "text/csv",
                                                    "buffer": SCHEDULE.encode()}])
        p.click("#calendar-submit")
        p.wait_for_selector(".toast.show:has-text('已导入 2094、2095 年')")
        p.wait_for_selector("#calendar-table tr[data-year='2095'][data-source='loaded']")
        row = p.locator("#calendar-table tr[data-year='2095']").inner_text()
        assert "01-01、01-29" in row and "01-22" in row and "放假安排.csv" in row
        assert p.locator("#calendar-warning").count() == 0
        admin.shot("19-admin-calendar")

        p.once("dialog", lambda d: d.accept())
        p.click("#calendar-table tr[data-year='2094'] .calendar-remove")
        p.wait_for_selector("#calendar-table tr[data-year='2094'][data-source='weekends_only']")
        p.wait_for_selector("#calendar-warning:has-text('2094 年')")     # missing again
        assert "2095" not in p.locator("#calendar-warning").inner_text()
        supervisor.page.reload()           # the console asks again on its next load
        supervisor.page.wait_for_selector("#calendar-warning")
        assert "2094 年" in warning.inner_text() and "2095" not in warning.inner_text()
    finally:
        for year in (2094, 2095):
            client.delete(f"/api/v1/sla/calendar/years/{year}", headers=auth(tokens["admin"]))
