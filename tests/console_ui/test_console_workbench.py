"""The dispatcher's queues beyond the happy path, the knowledge base editor, menus by role."""
from __future__ import annotations

import pytest

from tests.console_ui.pages import act, open_order, row, wait_state
from tests.helpers import act as api_act
from tests.helpers import auth, detail, new_call
from tests.helpers import wait_state as api_wait_state

pytestmark = pytest.mark.browser


def _at_township(client, t, seeded, **fields) -> int:
    oid = new_call(client, t["county_operator"], division_code=seeded.village.id, **fields)["order_id"]
    api_wait_state(client, t["county_dispatcher"], oid, "pending_dispatch")
    api_act(client, t["county_dispatcher"], oid, "dispatch", target_unit_id=seeded.township.id)
    api_act(client, t["township_handler"], oid, "sign_for")
    return oid


def test_dispatcher_decides_extension_and_return_from_the_queues(console, client, tokens, seeded):
    t = tokens
    disp = console("county_dispatcher")
    disp.go("workbench?tab=requests")
    disp.page.wait_for_selector(".order-list[data-loaded]", state="attached")
    ext = _at_township(client, t, seeded)
    api_act(client, t["township_handler"], ext, "request_extension", reason="需协调供水公司", extension_days=3)
    row(disp.page, ext, "queue-requests").wait_for()          # arrives live
    row(disp.page, ext, "queue-requests").locator("a").click()
    disp.page.locator(".hops .pending").wait_for()
    deadline_before = detail(client, t["county_dispatcher"], ext)["due_at"]
    act(disp.page, "approve_extension")
    disp.page.locator(".hops .pending").wait_for(state="detached")
    assert detail(client, t["county_dispatcher"], ext)["due_at"] > deadline_before

    ret = _at_township(client, t, seeded)
    api_act(client, t["township_handler"], ret, "return_order", reason="不属于本街道辖区")
    disp.go("workbench?tab=returns")
    row(disp.page, ret, "queue-returns").locator("a").click()
    wait_state(disp.page, "return_requested")
    disp.shot("12-dispatcher-return")
    act(disp.page, "approve_return", reason="同意退回，重新派单")
    wait_state(disp.page, "pending_dispatch")


def test_dispatcher_merges_a_duplicate_into_its_master(console, client, tokens, seeded):
    t = tokens
    master = new_call(client, t["county_operator"], division_code=seeded.village.id,
                      content="幸福路井盖缺失，很危险（首报）")
    dup = new_call(client, t["county_operator"], division_code=seeded.village.id,
                   content="幸福路井盖缺失（重复来电）")
    api_wait_state(client, t["county_dispatcher"], dup["order_id"], "pending_dispatch")
    disp = console("county_dispatcher")
    open_order(disp.page, disp.base, dup["order_id"])

    def choose_master(form):
        form.locator("input[name=master]").fill(master["number"])
        disp.page.click(f".unit-results li[data-order-id='{master['order_id']}']")
    act(disp.page, "merge", fill=choose_master)
    wait_state(disp.page, "merged")
    assert detail(client, t["county_dispatcher"], dup["order_id"])["master_id"] == master["order_id"]


def test_admin_maintains_the_knowledge_base_and_operators_find_it(console):
    admin = console("admin")
    admin.go("knowledge")
    p = admin.page
    p.click("#kb-add")
    editor = p.locator("#kb-editor")
    editor.locator("input[name=question]").fill("燃气费在哪里缴纳？")
    editor.locator("textarea[name=answer]").fill("可通过燃气公司营业厅、微信公众号或银行代扣缴纳。")
    editor.locator("input[name=keywords]").fill("燃气费，缴费")
    editor.locator("input[name=category]").fill("城乡建设")
    p.click("#kb-save")
    editor.wait_for(state="detached")
    p.fill("#kb-q", "燃气费缴费")
    entry = p.locator("#kb-list .kb-entry").first
    entry.locator("h3", has_text="燃气费在哪里缴纳").wait_for()
    admin.shot("13-knowledge-admin", full_page=False)

    op = console("city_operator")
    op.go("knowledge")
    op.page.fill("#kb-q", "燃气费")
    op.page.locator("#kb-list .kb-entry h3", has_text="燃气费在哪里缴纳").first.wait_for()
    assert op.page.locator("#kb-add").count() == 0 and op.page.locator(".kb-edit").count() == 0

    p.once("dialog", lambda d: d.accept())
    entry.locator(".kb-delete").click()
    p.locator("#kb-list .kb-entry h3", has_text="燃气费在哪里缴纳").wait_for(state="detached")


@pytest.mark.parametrize("username, menu", [
    ("city_operator", ["intake", "orders", "knowledge"]),
    ("county_dispatcher", ["workbench", "orders", "dashboard", "knowledge"]),
    ("county_callback", ["callback", "orders", "knowledge"]),
    ("village_handler", ["inbox", "orders", "knowledge"]),
    ("city_supervisor", ["dashboard", "orders", "knowledge"]),
])
def test_home_menu_follows_the_role(console, username, menu):
    c = console(username)
    got = c.page.eval_on_selector_all("nav.menu a[data-menu]", "as => as.map(a => a.dataset.menu)")
    assert got == menu
    if username == "county_dispatcher":
        c.shot("00-home-dispatcher")


def test_sign_in_form_rejects_a_wrong_password_and_logout_ends_the_session(browser, live_server,
                                                                            client, tokens, seeded):
    from tests.console_ui.conftest import Console

    # its own user: logging out revokes every token of the user, the session's shared ones too
    client.post("/api/v1/users", headers=auth(tokens["admin"]), json={
        "username": "logout_probe", "full_name": "退出测试", "role": "handler",
        "unit_id": seeded.county_dept.id, "password": "demo12345"})
    c = Console(browser, live_server, "logout_probe")
    try:
        p = c.page
        p.goto(f"{live_server}/console/#/login")
        p.fill("#login-username", "logout_probe")
        p.fill("#login-password", "wrong-password")
        p.click("#login-submit")
        p.locator(".login-card .error", has_text="用户名或密码错误").wait_for()
        c.shot("00-login")
        c.login()
        p.click("#logout")
        p.wait_for_selector("#login-username")
        p.goto(f"{live_server}/console/#/inbox")
        p.wait_for_selector("#login-username")
    finally:
        c.close()


def test_a_stale_form_is_refused_in_chinese_and_the_page_offers_a_refresh(console, client, tokens, seeded):
    t = tokens
    oid = new_call(client, t["county_operator"], division_code=seeded.village.id)["order_id"]
    api_wait_state(client, t["county_dispatcher"], oid, "pending_dispatch")
    disp = console("county_dispatcher")
    open_order(disp.page, disp.base, oid)
    disp.page.click("#act-dispatch")
    form = disp.page.locator("form.action-form[data-action=dispatch]")
    form.locator("input.unit-search").fill(seeded.township.name)
    disp.page.click(f".unit-results li[data-unit-id='{seeded.township.id}']")

    # a colleague dispatches it first: the open form is kept, a banner offers the fresh order
    api_act(client, t["city_dispatcher"], oid, "dispatch", target_unit_id=seeded.county_dept.id)
    disp.page.locator("#order-changed").wait_for()
    form.locator("#submit-dispatch").click()
    error = form.locator(".error")
    error.filter(has_text="不能执行").wait_for()
    assert "已派单（待签收）" in error.inner_text() and "派单" in error.inner_text()
    disp.page.click("#order-changed")
    wait_state(disp.page, "dispatched")
