"""The order's timeline reads in Chinese: the routing job's entries show what the rule means,
not its code (`rule division->county_platform` was shown as it was)."""
from __future__ import annotations

import re

import pytest

from tests.console_ui.pages import open_order
from tests.helpers import new_call
from tests.helpers import wait_state as api_wait_state

pytestmark = pytest.mark.browser


def test_routing_entries_on_the_timeline_say_in_chinese_why(console, client, tokens, seeded):
    # a city call about a county place: the city's routing hands it to the county platform
    oid = new_call(client, tokens["city_operator"], division_code=seeded.village.id)["order_id"]
    api_wait_state(client, tokens["county_dispatcher"], oid, "pending_dispatch")
    disp = console("county_dispatcher")
    open_order(disp.page, disp.base, oid)
    reasons = disp.page.locator(".timeline .tl-reason")
    transfer = disp.page.locator(".tl-transfer_platform .tl-reason").inner_text()
    assert transfer == "依据来件所给的行政区划，交所属县区平台研判办理"
    assert not [t for t in reasons.all_inner_texts() if re.search(r"[A-Za-z]", t)]


def test_the_citizens_rating_shows_on_the_timeline_and_in_the_summary(console, client, tokens):
    from datetime import timedelta

    from dispatch.citizens.rating import make_token
    from dispatch.config import get_settings
    from dispatch.sqltypes import utcnow
    from tests.helpers import act

    oid = new_call(client, tokens["city_operator"], citizen_phone="13712340423")["order_id"]
    api_wait_state(client, tokens["city_dispatcher"], oid, "pending_dispatch")
    act(client, tokens["city_dispatcher"], oid, "direct_close", reason="已答复", public_reply="已答复")
    token = make_token(oid, expires_at=utcnow() + timedelta(days=1),
                       secret=get_settings().secret_key)
    r = client.post("/api/v1/public/ratings",
                    json={"token": token, "rating": "unsatisfied", "comment": "没人来看过"})
    assert r.status_code == 200, r.text
    disp = console("city_dispatcher")
    open_order(disp.page, disp.base, oid)
    entry = disp.page.locator(".tl-rate")
    assert "群众评价" in entry.inner_text() and "诉求人" in entry.inner_text()
    assert entry.locator(".tl-data").inner_text() == "不满意"
    assert entry.locator(".tl-reason").inner_text() == "没人来看过"
    assert "群众评价不满意" in disp.page.locator(".panel dl").first.inner_text().replace("\n", "")
