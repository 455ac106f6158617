"""What a citizen may see of an order, and how WeChat's 查询 command is read: pure rules."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch.citizens.public import (STATE_TEXT, parse_query_command, public_status,
                                      suffix_matches)
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
