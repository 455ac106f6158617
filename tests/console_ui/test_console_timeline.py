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
