"""Acceptance: one call through the whole closed loop, each person in their own browser, with
the handler's inbox and the supervisor's closure numbers changing live (no reloads)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import wait_until
from tests.console_ui.pages import (act, no_horizontal_scroll, open_order, pick_unit, png_bytes,
                                    row, tile_value, wait_state)

pytestmark = pytest.mark.browser
PHONE = "13700001234"
CONTENT = "东岳宫社区3栋门口下水道堵塞，污水漫到路面，已经两天了，请尽快派人疏通。"


def test_call_to_close_across_four_levels_updates_consoles_live(console, live_server, seeded):
    supervisor = console("county_supervisor", form=True)
    supervisor.go("dashboard")
    supervisor.page.wait_for_selector("#stat-closed")
    supervisor.page.evaluate("window.__noReload = true")
    closed_before = int(tile_value(supervisor.page, "stat-closed"))

    # 1 受理: the operator logs the call
    operator = console("city_operator")
    operator.go("intake")
    p = operator.page
    p.fill("#f-phone", PHONE)
    p.fill("#f-name", "赵女士")
    p.fill("#f-address", f"{seeded.village.name}3栋门口")
    p.locator(".intake-form input.unit-search").fill(seeded.village.name)
    p.click(f".unit-results li[data-unit-id='{seeded.village.id}']")
    p.fill("#f-content", CONTENT)
    p.wait_for_selector("#kb-results .kb-hit, #kb-results p")
    operator.shot("01-operator-intake")
    p.click("#submit-intake")
    p.wait_for_selector("#big-number")
    number = p.inner_text("#big-number").strip()
    order_id = int(p.get_attribute("#big-number", "data-order-id"))
    assert re.fullmatch(r"[A-Z]*\d+", number)
    operator.shot("02-operator-number")

    # the village handler is watching the inbox on a phone, before the order reaches it
    village = console("village_handler", viewport=(390, 844))
    village.go("inbox")
    village.page.wait_for_selector(".order-list[data-loaded]", state="attached")
    village.page.evaluate("window.__noReload = true")

    # 2 分拨: the county dispatcher finds it in the queue and dispatches it to the township
    dispatcher = console("county_dispatcher")
    dispatcher.go("workbench")
    row(dispatcher.page, order_id, "queue-pending").wait_for()
    dispatcher.shot("03-dispatcher-queue")
    row(dispatcher.page, order_id, "queue-pending").locator("a").click()
    wait_state(dispatcher.page, "pending_dispatch")
    dispatcher.page.click("#act-dispatch")
    form = dispatcher.page.locator("form.action-form[data-action=dispatch]")
    pick_unit(form, dispatcher.page, seeded.township.name, seeded.township.id)
    form.locator("textarea[name=reason]").fill("属地街道处理")
    dispatcher.shot("04-dispatcher-dispatch")
    form.locator("#submit-dispatch").click()
    wait_state(dispatcher.page, "dispatched")

    # 3 处置: the township signs for it and passes it down to the village
    township = console("township_handler")
    township.go("inbox")
    row(township.page, order_id, "inbox").locator("a").click()
    wait_state(township.page, "dispatched")
    act(township.page, "sign_for")
    wait_state(township.page, "handling")
    act(township.page, "pass_down", reason="请社区现场处理",
        fill=lambda f: f.locator("select[name=target]").select_option(seeded.village.id))
    wait_state(township.page, "dispatched")

    # the village sees it appear without reloading, on a phone-sized screen
    vp = village.page
    row(vp, order_id, "inbox").wait_for()
    assert vp.evaluate("window.__noReload") is True
    assert no_horizontal_scroll(vp)
    village.shot("05-handler-inbox-mobile")
    row(vp, order_id, "inbox").locator("a").click()
    wait_state(vp, "dispatched")
    assert vp.locator("#sla-clock .light").count() == 1      # deadline and warning light shown
    act(vp, "sign_for")
    wait_state(vp, "handling")

    def feedback(f):
        f.locator("input[type=file]").set_input_files(
            {"name": "site.png", "mimeType": "image/png", "buffer": png_bytes()})
        f.locator(".thumb[data-attachment-id]").wait_for()
    vp.click("#act-feedback")
    form = vp.locator("form.action-form[data-action=feedback]")
    form.locator("textarea[name=reason]").fill("已组织疏通，污水已清理")
    feedback(form)
    assert no_horizontal_scroll(vp)
    village.shot("06-handler-feedback-mobile")
    form.locator("#submit-feedback").click()
    wait_state(vp, "handling")      # back with the township, which reports up

    # the township sees the village's photo and reports to the county platform
    open_order(township.page, live_server, order_id)
    township.page.locator(".hops .gallery img").first.wait_for()
    act(township.page, "feedback", reason="社区已疏通，街道复核属实",
        fill=lambda f: f.locator("textarea[name=public_reply]").fill("下水道已疏通，感谢您的反映。"))
    wait_state(township.page, "feedback_submitted")

    # 5 核查回访: the county audits, records a satisfied callback, and closes
    open_order(dispatcher.page, live_server, order_id)
    act(dispatcher.page, "audit_pass")
    wait_state(dispatcher.page, "callback_pending")
    callback = console("county_callback")
    callback.go("callback")
    row(callback.page, order_id, "queue-callback").locator("a").click()
    wait_state(callback.page, "callback_pending")
    callback.page.click("#act-callback")
    form = callback.page.locator("form.action-form[data-action=callback]")
    for name in ("reached", "contacted", "solved", "satisfied"):
        assert form.locator(f"input[name={name}]").is_checked()
    assert not form.locator("input[name=rehandle]").is_checked()
    form.locator("textarea[name=reason]").fill("市民表示满意")
    callback.shot("07-callback-form")
    form.locator("#submit-callback").click()
    wait_state(callback.page, "verified")
    act(callback.page, "close")
    wait_state(callback.page, "closed")

    # 6 the whole timeline across levels
    actions = callback.page.eval_on_selector_all("#timeline li", "els => els.map(e => e.dataset.action)")
    assert actions[0] == "intake" and actions[-5:] == ["feedback", "feedback", "audit_pass", "callback", "close"]
    assert ["dispatch", "sign_for", "pass_down", "sign_for"] == [a for a in actions if a in
                                                               ("dispatch", "sign_for", "pass_down")]
    callback.page.set_viewport_size({"width": 1440, "height": 900})
    callback.shot("08-order-detail")

    # the supervisor's closure count moved live
    sp = supervisor.page
    wait_until(lambda: int(tile_value(sp, "stat-closed")) >= closed_before + 1)
    assert sp.evaluate("window.__noReload") is True
    supervisor.shot("09-supervisor-dashboard")
