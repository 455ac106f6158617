"""The citizens' status page (/status/) on a phone: no sign-in, the order number and the
phone's last four digits, the public part only; a wrong suffix tells nothing."""
from __future__ import annotations

import pytest

from tests.console_ui.conftest import Console
from tests.helpers import act, new_call, wait_state

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser, live_server):
    c = Console(browser, live_server, "citizen", viewport=(390, 844))
    yield c
    assert not c.errors, f"uncaught errors in the page: {c.errors}"
    c.close()


def look_up(page, number: str, suffix: str) -> None:
    page.fill("#status-number", number)
    page.fill("#status-suffix", suffix)
    page.click("#status-submit")


def test_a_citizen_follows_a_closed_order_on_a_phone(phone, client, tokens):
    made = new_call(client, tokens["city_operator"], citizen_phone="13712340420",
                    citizen_name="赵六", address="零陵区芝山路 3 号",
                    content="芝山路路灯连续三晚不亮，夜里出行不安全")
    wait_state(client, tokens["city_dispatcher"], made["order_id"], "pending_dispatch")
    act(client, tokens["city_dispatcher"], made["order_id"], "direct_close",
        reason="已通知路灯管理所，今晚修复", public_reply="已通知路灯管理所，今晚修复")
    page = phone.page
    page.goto(f"{phone.base}/status/")
    look_up(page, made["number"], "9999")
    page.wait_for_selector("#status-message:has-text('未查到')")
    assert page.locator("#status-result").is_hidden()

    look_up(page, made["number"], "0420")
    page.wait_for_selector("#status-result:not([hidden])")
    assert page.text_content("#r-state") == "已办结"
    assert page.text_content("#r-reply") == "已通知路灯管理所，今晚修复"
    body = page.text_content("body")
    assert "赵六" not in body and "芝山路 3 号" not in body and "13712340420" not in body
    assert page.evaluate("document.documentElement.scrollWidth") <= 390   # no sideways scroll
    phone.shot("16-citizen-status-mobile")
