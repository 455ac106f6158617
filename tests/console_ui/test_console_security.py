"""Citizen text is untrusted, times are Beijing time, and contact details stay masked where the
API masks them."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.console_ui.pages import open_order, row
from tests.helpers import act, auth, detail, new_call, wait_state

pytestmark = pytest.mark.browser
PAYLOADS = [
    "<script>window.__xss = 'script'</script>",
    "<img src=x onerror=\"window.__xss = 'img'\">",
    "<svg onload=\"window.__xss = 'svg'\"></svg>",
    "\"><iframe src=\"javascript:window.__xss = 'iframe'\"></iframe>",
]
HOSTILE = " ".join(PAYLOADS)


def _clean(page) -> None:
    assert page.evaluate("window.__xss") is None
    for tag in ("script:not([src])", "img[src=x]", "svg[onload]", "iframe"):
        assert page.locator(f"#view {tag}").count() == 0, tag


def test_script_and_markup_in_citizen_text_never_run(console, client, tokens, seeded):
    t = tokens
    r = new_call(client, t["city_operator"], title="<b>标题</b>" + PAYLOADS[1], content=HOSTILE,
                 citizen_name="<img src=x onerror=alert(1)>", citizen_phone="13600004444",
                 address=PAYLOADS[0], division_code=seeded.village.id)
    oid = r["order_id"]
    wait_state(client, t["county_dispatcher"], oid, "pending_dispatch")
    client.post("/api/v1/knowledge", headers=auth(t["admin"]), json={
        "question": "恶意条目" + PAYLOADS[2], "answer": HOSTILE, "keywords": ["恶意条目"]})

    dialogs = []
    disp = console("county_dispatcher")
    disp.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    disp.go("workbench")
    row(disp.page, oid, "queue-pending").wait_for()
    assert PAYLOADS[1] in row(disp.page, oid, "queue-pending").inner_text()
    _clean(disp.page)
    open_order(disp.page, disp.base, oid)
    assert disp.page.inner_text("#order-content") == HOSTILE
    _clean(disp.page)
    disp.go("orders")
    disp.page.fill("input[name=q]", "window.__xss")
    disp.page.press("input[name=q]", "Enter")
    row(disp.page, oid, "search-results").wait_for()
    _clean(disp.page)

    op = console("city_operator")
    op.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    op.go("intake")
    op.page.fill("#f-phone", "13600004444")
    op.page.locator(f"#caller-history [data-order-id='{oid}']").wait_for()
    op.page.fill("#f-content", "恶意条目")
    op.page.locator("#kb-results .kb-hit").first.wait_for()
    _clean(op.page)
    op.go("knowledge")
    op.page.fill("#kb-q", "恶意条目")
    op.page.locator("#kb-list .kb-entry").first.wait_for()
    assert HOSTILE in op.page.locator("#kb-list").inner_text()
    _clean(op.page)
    assert dialogs == []


def test_times_show_in_beijing_whatever_the_browsers_zone(console, client, tokens):
    r = new_call(client, tokens["city_operator"], content="测试北京时间显示")
    d = detail(client, tokens["city_operator"], r["order_id"])
    at = datetime.fromisoformat(d["timeline"][0]["at"].replace("Z", "+00:00"))
    expected = at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
    op = console("city_operator", timezone="America/New_York")
    open_order(op.page, op.base, r["order_id"])
    assert op.page.locator("#timeline li time").first.inner_text() == expected


def test_contact_details_masked_where_the_api_masks_them(console, client, tokens, seeded):
    t = tokens
    oid = new_call(client, t["county_operator"], citizen_phone="13912348765", citizen_name="钱多多",
                   confidential=True, division_code=seeded.village.id)["order_id"]
    wait_state(client, t["county_dispatcher"], oid, "pending_dispatch")
    act(client, t["county_dispatcher"], oid, "dispatch", target_unit_id=seeded.township.id)
    handler = console("township_handler")
    open_order(handler.page, handler.base, oid)
    text = handler.page.inner_text("#view")
    assert "139****8765" in text and "13912348765" not in text and "钱多多" not in text
    disp = console("county_dispatcher")
    open_order(disp.page, disp.base, oid)
    assert "13912348765" in disp.page.inner_text("#view")


def test_the_live_feed_keeps_the_token_out_of_its_url_and_ends_at_sign_out_elsewhere(
        browser, live_server, client, tokens, seeded):
    """URLs go to access logs, so the console's socket carries its token in a header; and a
    sign-out in another tab or device closes this console's feed and asks it to sign in."""
    from tests.console_ui.conftest import Console

    client.post("/api/v1/users", headers=auth(tokens["admin"]), json={
        "username": "live_feed_probe", "role": "supervisor", "unit_id": seeded.county.id,
        "password": "demo12345"})
    token = client.post("/api/v1/auth/token", data={"username": "live_feed_probe",
                                                    "password": "demo12345"}).json()["access_token"]
    c = Console(browser, live_server, "live_feed_probe")
    try:
        urls: list[str] = []
        c.page.on("websocket", lambda ws: urls.append(ws.url))
        c.login(token)                                  # waits until the feed is on
        assert urls and not [u for u in urls if "token" in u or token in u], urls
        assert client.post("/api/v1/auth/logout", headers=auth(token)).status_code == 204
        c.page.wait_for_selector("body[data-live=off]")
        c.page.wait_for_selector("#login-username")
    finally:
        c.close()
