"""群众评价: the one-time rating link of the closure notice. The token (pure, table-tested), and
the public endpoints behind /status/rate/: one rating per order, a forged or expired link
answers like any bad link, the rating lands on the timeline beside the callback."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from channels.config import get_channel_settings
from channels.outbound.service import deliveries_for
from dispatch.citizens.rating import BadToken, citizen_satisfied, make_token, read_token
from dispatch.config import get_settings
from dispatch.sqltypes import utcnow
from tests.helpers import act, detail, new_call, wait_state

SECRET = "s" * 40
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
GOOD = make_token(1234, expires_at=NOW + timedelta(days=15), secret=SECRET)
PHONE = "13912345678"


def test_a_token_reads_back_its_order_until_it_expires():
    assert read_token(GOOD, secret=SECRET, now=NOW) == 1234
    assert read_token(GOOD, secret=SECRET, now=NOW + timedelta(days=14, hours=23)) == 1234
    assert len(GOOD) < 45      # fits in the closure SMS


def _other_order(token: str) -> str:
    return "zz." + token.split(".", 1)[1]


@pytest.mark.parametrize("token, now", [
    (GOOD, NOW + timedelta(days=15)),                                   # expired
    (GOOD[:-1] + ("A" if GOOD[-1] != "A" else "B"), NOW),               # signature changed
    (_other_order(GOOD), NOW),                                          # another order's id
    (make_token(1234, expires_at=NOW + timedelta(days=1), secret="t" * 40), NOW),  # other key
    ("", NOW), ("1234", NOW), ("a.b.c.d", NOW), ("x" * 200, NOW),       # damaged
])
def test_forged_damaged_and_expired_tokens_are_refused(token, now):
    with pytest.raises(BadToken):
        read_token(token, secret=SECRET, now=now)


@pytest.mark.parametrize("callback, satisfied", [
    ({"satisfied": True}, True),
    ({"satisfied": False}, False),
    ({}, None),
    ({"satisfied": True, "citizen": {"rating": "unsatisfied"}}, False),   # the citizen wins
    ({"satisfied": False, "citizen": {"rating": "basically_satisfied"}}, True),
    ({"satisfied": False, "citizen": {"rating": "satisfied"}}, True),
    ({"citizen": {"rating": "unsatisfied"}}, False),
])
def test_the_citizens_own_rating_comes_before_the_callbacks_answer(callback, satisfied):
    assert citizen_satisfied(callback) is satisfied


# --- the public endpoints -------------------------------------------------------------------

@pytest.fixture
def public_url(monkeypatch):
    monkeypatch.setenv("HOTLINE_PUBLIC_URL", "https://12345.example.cn/")
    get_channel_settings.cache_clear()
    yield "https://12345.example.cn"
    monkeypatch.delenv("HOTLINE_PUBLIC_URL")
    get_channel_settings.cache_clear()


def closed_order(client, tokens) -> dict:
    made = new_call(client, tokens["city_operator"], citizen_phone=PHONE)
    wait_state(client, tokens["city_dispatcher"], made["order_id"], "pending_dispatch")
    act(client, tokens["city_dispatcher"], made["order_id"], "direct_close",
        reason="已联系供水公司抢修", public_reply="已联系供水公司抢修")
    return made


def link_in_notice(session, order_id: int) -> str:
    session.expire_all()
    closed = next(d for d in deliveries_for(session, order_id=order_id) if d.kind == "closed")
    found = re.search(r"https://\S+/status/rate/#([0-9a-z]+\.[0-9a-z]+\.[\w-]+)",
                      closed.payload["text"])
    assert found, closed.payload["text"]
    return found.group(1)


def test_the_closure_sms_carries_a_link_that_rates_the_order_once(client, tokens, session,
                                                                  public_url):
    made = closed_order(client, tokens)
    token = link_in_notice(session, made["order_id"])
    opened = client.post("/api/v1/public/ratings/check", json={"token": token})
    assert opened.status_code == 200, opened.text
    assert opened.json()["number"] == made["number"] and opened.json()["rated"] is False
    assert PHONE[-4:] not in opened.text
    r = client.post("/api/v1/public/ratings",
                    json={"token": token, "rating": "basically_satisfied", "comment": "来得挺快"})
    assert r.status_code == 200, r.text
    again = client.post("/api/v1/public/ratings", json={"token": token, "rating": "unsatisfied"})
    assert again.status_code == 409 and again.json()["message"] == "该工单已评价，感谢您的参与"
    reopened = client.post("/api/v1/public/ratings/check", json={"token": token}).json()
    assert reopened["rated"] is True and reopened["rating"] == "basically_satisfied"
    order = detail(client, tokens["city_dispatcher"], made["order_id"])
    assert order["state"] == "closed"
    assert order["callback"]["citizen"]["rating"] == "basically_satisfied"
    rated = [e for e in order["timeline"] if e["action"] == "rate"]
    assert len(rated) == 1 and rated[0]["actor_name"] == "诉求人"
    assert rated[0]["data"]["rating"] == "basically_satisfied" and rated[0]["reason"] == "来得挺快"


def test_a_forged_link_and_an_expired_one_read_the_same(client, tokens, session, public_url):
    made = closed_order(client, tokens)
    token = link_in_notice(session, made["order_id"])
    forged = token[:-2] + ("xy" if not token.endswith("xy") else "zw")
    expired = make_token(made["order_id"], expires_at=utcnow() - timedelta(seconds=1),
                         secret=get_settings().secret_key)
    answers = [client.post("/api/v1/public/ratings", json={"token": t, "rating": "unsatisfied"})
               for t in (forged, expired)]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["message"] == "评价链接无效或已过期"
    checked = client.post("/api/v1/public/ratings/check", json={"token": forged})
    assert checked.status_code == 404 and checked.json() == answers[0].json()
    order = detail(client, tokens["city_dispatcher"], made["order_id"])
    assert "citizen" not in order["callback"]


def test_an_order_not_closed_cannot_be_rated(client, tokens):
    made = new_call(client, tokens["city_operator"], citizen_phone=PHONE)
    token = make_token(made["order_id"], expires_at=utcnow() + timedelta(days=1),
                       secret=get_settings().secret_key)
    r = client.post("/api/v1/public/ratings", json={"token": token, "rating": "satisfied"})
    assert r.status_code == 404


def test_without_a_public_address_the_notice_asks_for_a_reply_as_before(client, tokens,
                                                                       session):
    made = closed_order(client, tokens)
    session.expire_all()
    closed = next(d for d in deliveries_for(session, order_id=made["order_id"])
                  if d.kind == "closed")
    assert "/status/rate/" not in closed.payload["text"] and "请回复" in closed.payload["text"]
