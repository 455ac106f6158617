"""The pure plan of outbound notices: which kind, on which transport, saying what."""
from __future__ import annotations

import pytest

from channels.enums import DeliveryKind as K
from channels.enums import Transport as T
from channels.outbound.messages import OrderFacts, Texts, plan, plan_merged, reply_route

TEXTS = Texts(centre_name="永州12345", app_name="我的永州")


def facts(**kw) -> OrderFacts:
    base = dict(order_id=1, number="GD202503010000001", channel="12345", state="received")
    return OrderFacts(**{**base, **kw})


WECHAT = {"transport": "wechat", "openid": "o-abc"}
APP = {"transport": "app_push", "user_id": "u-9"}
POLICE = {"transport": "police", "incident_no": "110-77"}


@pytest.mark.parametrize("f,route", [
    (facts(citizen_phone="13900000000"), (T.sms, "13900000000")),
    (facts(reply_to=WECHAT, citizen_phone="13900000000"), (T.wechat, "o-abc")),
    (facts(reply_to=APP), (T.app_push, "u-9")),
    (facts(reply_to=POLICE, citizen_phone="13900000000"), (T.police, "110-77")),
    (facts(), None),
    (facts(reply_to={"transport": "wechat"}), None),
])
def test_reply_goes_back_on_the_channel_used_else_by_sms(f, route):
    assert reply_route(f) == route


@pytest.mark.parametrize("f,action,expected", [
    (facts(citizen_phone="139"), "intake", [(K.accepted, T.sms)]),
    (facts(reply_to=WECHAT), "intake", [(K.accepted, T.wechat_passive)]),
    (facts(reply_to=APP), "intake", [(K.accepted, T.app_push)]),
    (facts(reply_to=POLICE), "intake", []),
    (facts(), "intake", []),
    (facts(citizen_phone="139", state="closed"), "intake", [(K.closed, T.sms)]),
    (facts(reply_to=WECHAT, state="closed"), "close", [(K.closed, T.wechat)]),
    (facts(reply_to=APP, state="closed"), "direct_close", [(K.closed, T.app_push)]),
    (facts(reply_to=POLICE, state="closed"), "close", [(K.police_result, T.police)]),
    (facts(reply_to=POLICE, state="refused"), "refuse", [(K.police_result, T.police)]),
    (facts(citizen_phone="139", state="refused"), "refuse", []),
    (facts(citizen_phone="139", emergency="110"), "hand_over", [(K.police_handover, T.police)]),
    (facts(citizen_phone="139", emergency="119"), "hand_over", []),
    (facts(citizen_phone="139"), "dispatch", []),
])
def test_plan_by_route_and_action(f, action, expected):
    assert [(p.kind, p.transport) for p in plan(f, action, TEXTS)] == expected


def test_acceptance_names_the_centre_and_order_number():
    (p,) = plan(facts(citizen_phone="139"), "intake", TEXTS)
    assert p.payload["phone"] == "139"
    assert "永州12345" in p.payload["text"] and "GD202503010000001" in p.payload["text"]


def test_closure_carries_public_reply_and_satisfaction_question():
    (p,) = plan(facts(reply_to=APP, state="closed", public_reply="路灯已修复。"), "close", TEXTS)
    assert p.payload["title"] == "我的永州：诉求已办结"
    assert "路灯已修复" in p.payload["body"] and "满意" in p.payload["body"]
    assert p.payload["survey"]["options"]["3"] == "不满意"


def test_police_result_reports_incident_number_and_result():
    f = facts(reply_to=POLICE, state="closed", public_reply="已协调物业处理", close_kind="direct")
    (p,) = plan(f, "direct_close", TEXTS)
    assert p.payload["incident_no"] == "110-77" and p.payload["result"] == "已协调物业处理"
    assert p.payload["order_number"] == f.number


def test_handover_to_110_carries_reason_and_caller():
    f = facts(citizen_phone="139", emergency="110", reason="有人持刀", address="冷水滩区某路")
    (p,) = plan(f, "hand_over", TEXTS)
    assert p.payload["reason"] == "有人持刀" and p.payload["caller"] == "139"


MASTER = facts(order_id=10, number="GD202503010000010", state="closed",
               citizen_phone="13900000010", public_reply="已修复")


@pytest.mark.parametrize("reports,told,expected", [
    ([facts(order_id=2, citizen_phone="13900000002")], set(), [(2, T.sms, "13900000002")]),
    ([facts(order_id=2, reply_to=WECHAT)], set(), [(2, T.wechat, "o-abc")]),
    ([facts(order_id=2, reply_to=POLICE)], set(), [(2, T.police, "110-77")]),
    ([facts(order_id=2, citizen_phone="13900000010")], {"13900000010"}, []),   # the master's caller
    ([facts(order_id=2, citizen_phone="139"), facts(order_id=3, citizen_phone="139")], set(),
     [(2, T.sms, "139")]),                                                      # one person, once
    ([facts(order_id=2)], set(), []),                                            # nobody to tell
])
def test_merged_reports_hear_the_masters_result_once_per_recipient(reports, told, expected):
    out = plan_merged(reports, MASTER, TEXTS, set(told))
    assert [(oid, p.transport, p.recipient) for oid, p in out] == expected
    for _, p in out:
        if p.transport != T.police:
            text = p.payload.get("text") or p.payload.get("body")
            assert "已修复" in text and "已与工单 GD202503010000010 合并办理" in text


def test_an_open_master_tells_no_merged_report():
    assert plan_merged([facts(order_id=2, citizen_phone="139")],
                       facts(order_id=10, state="handling"), TEXTS, set()) == []


LINK = "https://12345.example.cn/status/rate/#9ix.tq0abc.AAAAAAAAAAAAAAAAAAAAAA"


@pytest.mark.parametrize("route", [dict(citizen_phone="139"), dict(reply_to=WECHAT),
                                   dict(reply_to=APP)])
def test_a_closure_with_a_rating_link_asks_for_the_rating_there_not_for_a_reply(route):
    (p,) = plan(facts(state="closed", public_reply="已修复", rating_url=LINK, **route), "close",
                TEXTS)
    text = p.payload.get("text") or p.payload.get("body")
    assert text.endswith(f"请对办理结果评价：{LINK}") and "请回复" not in text
    if p.transport == T.app_push:
        assert p.payload["rating_url"] == LINK


def test_merged_reports_get_no_rating_link_the_rating_is_the_masters():
    master = facts(order_id=10, number="GD202503010000010", state="closed",
                   citizen_phone="13900000010", public_reply="已修复", rating_url=LINK)
    ((_, p),) = plan_merged([facts(order_id=2, citizen_phone="13900000002", rating_url=LINK)],
                            master, TEXTS, set())
    assert LINK not in p.payload["text"] and "请回复" in p.payload["text"]
