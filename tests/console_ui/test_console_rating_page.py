"""The citizen's rating page (/status/rate/#token) on a phone: the closed order's public part,
满意 / 基本满意 / 不满意 and a comment, once; a used link says so, a forged one is refused
without saying more."""
from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.citizens.rating import make_token
from dispatch.config import get_settings
from dispatch.sqltypes import utcnow
from tests.console_ui.test_console_status_page import phone  # noqa: F401  (the fixture)
from tests.helpers import act, detail, new_call, wait_state

pytestmark = pytest.mark.browser


def link_for(order_id: int) -> str:
    return make_token(order_id, expires_at=utcnow() + timedelta(days=15),
                      secret=get_settings().secret_key)


def test_a_citizen_rates_a_closed_order_once_on_a_phone(phone, client, tokens):  # noqa: F811
    made = new_call(client, tokens["city_operator"], citizen_phone="13712340421",
                    citizen_name="钱七", content="潇湘路下水道井盖缺失，行人容易踩空")
    wait_state(client, tokens["city_dispatcher"], made["order_id"], "pending_dispatch")
    act(client, tokens["city_dispatcher"], made["order_id"], "direct_close",
        reason="已通知市政养护所补装井盖", public_reply="已通知市政养护所补装井盖")
    page = phone.page
    page.goto(f"{phone.base}/status/rate/#{link_for(made['order_id'])}")
    page.wait_for_selector("#rate-form:not([hidden])")
    assert page.text_content("#o-number") == made["number"]
    assert page.text_content("#o-reply") == "已通知市政养护所补装井盖"
    assert "钱七" not in page.text_content("body")
    page.click("#rate-submit")                           # nothing chosen yet
    page.wait_for_selector("#rate-message:has-text('请选择')")
    page.check("input[value=basically_satisfied]")
    assert page.text_content("#rate-message") == ""
    page.fill("#rate-comment", "处理及时，希望以后加强巡查")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.shot("16-citizen-rating-mobile")
    page.click("#rate-submit")
    page.wait_for_selector("#rate-message:has-text('您已评价：基本满意')")
    assert page.locator("#rate-form").is_hidden()

    page.reload()                                        # the link is used now
    page.wait_for_selector("#rate-message:has-text('已使用')")
    assert page.locator("#rate-form").is_hidden()
    timeline = detail(client, tokens["city_dispatcher"], made["order_id"])["timeline"]
    assert [e["data"]["rating"] for e in timeline if e["action"] == "rate"] == \
        ["basically_satisfied"]


def test_a_forged_link_is_refused_without_saying_more(phone, client, tokens):  # noqa: F811
    made = new_call(client, tokens["city_operator"], citizen_phone="13712340422")
    token = link_for(made["order_id"])
    page = phone.page
    page.goto(f"{phone.base}/status/rate/#{token[:-3]}abc")
    page.wait_for_selector("#rate-message:has-text('评价链接无效或已过期')")
    assert page.locator("#rate-form").is_hidden() and page.locator("#rate-order").is_hidden()
    assert made["number"] not in page.text_content("body")
