"""并单 and 热点诉求 in the console: the operator sees the earlier order after logging the same
matter, the dispatcher merges it in one click, the supervisor's dashboard lists hot topics."""
from __future__ import annotations

import uuid

import pytest

from tests.console_ui.pages import open_order, wait_state
from tests.helpers import detail, new_call, unrouted_order
from tests.helpers import wait_state as api_wait_state

pytestmark = pytest.mark.browser

BIKES = ["共享单车乱停放，占用盲道，小区出入口全堵死了", "小区门口共享单车乱停放，占用盲道，老人出门要绕路",
         "共享单车乱停放占用盲道，请城管清理", "人行道上共享单车乱停放，占用盲道走不了",
         "共享单车乱停放，人行道和盲道被占用，盲人没法走", "门口共享单车乱停放好几天，占用盲道没人清理"]


def test_operator_sees_the_earlier_order_and_the_dispatcher_merges_in_one_click(console, client,
                                                                                tokens):
    x = uuid.uuid4().hex[:4]
    first = new_call(client, tokens["county_operator"], citizen_phone="13622220001",
                     content=f"{x}农贸市场门口的公厕堵了三天，粪水漫到人行道上，又臭又脏，请环卫所尽快疏通。")
    op = console("county_operator")
    op.go("intake")
    p = op.page
    p.fill("#f-phone", "13622220002")
    p.fill("#f-content", f"{x}农贸市场公厕堵了三天了，粪水漫到人行道，臭得不行，请环卫来疏通。")
    p.click("#submit-intake")
    p.wait_for_selector("#big-number")
    seen = p.locator(f"#intake-duplicates li[data-order-id='{first['order_id']}']")
    seen.wait_for()
    assert first["number"] in seen.inner_text() and "相似度" in seen.inner_text()
    op.shot("16-operator-possible-duplicates")
    again = int(p.get_attribute("#big-number", "data-order-id"))

    api_wait_state(client, tokens["county_dispatcher"], again, "pending_dispatch")
    disp = console("county_dispatcher")
    open_order(disp.page, disp.base, again)
    candidate = disp.page.locator(f"#duplicate-candidates li[data-order-id='{first['order_id']}']")
    disp.shot("17-dispatcher-duplicates")
    candidate.locator(".dup-merge").click()
    wait_state(disp.page, "merged")
    assert detail(client, tokens["county_dispatcher"], again)["master_id"] == first["order_id"]
    open_order(disp.page, disp.base, first["order_id"])
    disp.page.locator(f"#merged-reports li[data-order-id='{again}']").wait_for()


def test_supervisor_dashboard_lists_hot_topics_with_keywords_size_and_places(console, session,
                                                                             seeded):
    ids = [unrouted_order(session, content=text, division_code=seeded.village.id,
                          platform_id=seeded.county.id).id for text in BIKES]
    sup = console("county_supervisor")
    sup.go("dashboard")
    p = sup.page
    card = p.locator("#hot-topic-list .hot-topic", has=p.locator(".keyword", has_text="共享单车"))
    card.wait_for()
    assert int(card.get_attribute("data-size")) >= len(BIKES)
    assert seeded.township.name in card.inner_text()
    assert card.locator(f"a[href='#/order/{ids[-1]}']").count() == 1
    sup.shot("18-supervisor-hot-topics")
