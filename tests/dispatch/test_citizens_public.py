"""What a citizen may see of an order, and how WeChat's 查询 command is read: pure rules."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch.citizens.public import (MENU_ORDERS, STATE_TEXT, parse_query_command,
                                      public_status, suffix_matches, wechat_menu_answer)
from dispatch.orders.enums import State

AT = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("phone, suffix, matches", [
    ("13912345678", "5678", True),
    ("13912345678", "5679", False),
    ("0746-8221234", "1234", True),         # a landline with its area code
    ("+86 139 1234 5678", "5678", True),
    (None, "0000", False),                  # an order without a phone matches nothing
    ("", "0000", False),
    ("123", "0123", False),
    ("13912345678", "678", False),
    ("13912345678", "45678", False),
])
def test_phone_suffix(phone, suffix, matches):
    assert suffix_matches(phone, suffix) is matches


@pytest.mark.parametrize("text, number", [
    ("查询 GD202612070000123", "GD202612070000123"),
    ("查询GD202612070000123", "GD202612070000123"),
    ("  查询：gd202612070000123 ", "GD202612070000123"),
    ("查询: GD202612070000123", "GD202612070000123"),
    ("查询一下社保怎么交", None),                 # an ordinary question: becomes an order
    ("查询", None),
    ("请帮我查询 GD202612070000123", None),
    ("查询 GD2026<script>", None),
    ("小区垃圾没人清运", None),
])
def test_query_command(text, number):
    assert parse_query_command(text, prefix="GD") == number


@pytest.mark.parametrize("state, reply_shown, open_", [
    (State.handling, False, True),
    (State.feedback_submitted, False, True),   # the audit may still reject the reply
    (State.closed, True, False),
    (State.refused, True, False),
    (State.merged, False, False),
])
def test_the_reply_is_public_only_once_the_order_is_finished(state, reply_shown, open_):
    s = public_status(number="GD1", state=state, received_at=AT, updated_at=AT, closed_at=None,
                      public_reply="已修复")
    assert (s.reply == "已修复") is reply_shown and s.open is open_
    assert s.state_text == STATE_TEXT[state]


def test_every_state_has_a_plain_chinese_sentence():
    assert set(STATE_TEXT) == set(State)


def _status(number: str, state: State = State.handling, reply: str | None = None):
    return public_status(number=number, state=state, received_at=AT, updated_at=AT,
                         closed_at=None, public_reply=reply)


@pytest.mark.parametrize("statuses, shown, hidden", [
    ([], ["查询 GD", "手机号后四位"], ["工单 GD"]),          # none: how to ask by number
    ([_status("GD3"), _status("GD2", State.closed, "已修复")],
     ["工单 GD3：承办单位正在办理。", "工单 GD2：已办结。答复意见：已修复。"], ["查询 GD"]),
    ([_status(f"GD{i}") for i in range(5)], [f"GD{i}" for i in range(MENU_ORDERS)],
     [f"GD{MENU_ORDERS}"]),                                # at most three
])
def test_menu_answer(statuses, shown, hidden):
    text = wechat_menu_answer(statuses, centre="中心", prefix="gd")
    assert text.startswith("【中心】")
    assert all(s in text for s in shown) and not any(h in text for h in hidden)
