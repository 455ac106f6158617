"""Hotlines 12345 / 12328 / 12319 through the call centre's signed webhook."""
from __future__ import annotations

import json
import time

from channels_support import (CTI_SECRET, count_rows, now_iso, orders_with, post_signed,
                              remote_bodies, uid, wait_delivery)

from dispatch.config import get_settings
from dispatch.orders.models import Order

URL = "/api/v1/channels/cti/calls"


def call(**kw) -> dict:
    return {"call_id": uid("call-"), "line": "12345", "caller": "13807460001", "agent": "工号1024",
            "started_at": now_iso(), "ended_at": now_iso(), "recording_id": uid("rec-"),
            "content": "小区路灯坏了一个星期，晚上很黑。", "caller_name": "李四", **kw}


def test_call_creates_one_order_with_recording_and_agent_kept(client, session):
    body = call()
    r = post_signed(client, URL, body, CTI_SECRET)
    assert r.status_code == 201, r.text
    order = r.json()["order"]
    assert order["created"] and order["number"]
    (row,) = orders_with(session, "12345", body["call_id"])
    assert row.citizen_phone == "13807460001" and row.citizen_name == "李四"
    assert row.raw["recording_id"] == body["recording_id"] and row.raw["agent"] == "工号1024"
    assert row.raw["payload"]["ended_at"]


def test_retried_delivery_of_a_call_returns_the_same_order(client, session):
    body = call()
    first = post_signed(client, URL, body, CTI_SECRET)
    again = post_signed(client, URL, body, CTI_SECRET)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["order"]["order_id"] == first.json()["order"]["order_id"]
    assert again.json()["order"]["created"] is False
    assert len(orders_with(session, "12345", body["call_id"])) == 1


def test_parallel_numbers_keep_their_channel_and_bring_their_category_hint(client, session):
    for line, hint in (("12328", "交通运输"), ("12319", "城乡建设")):
        body = call(line=line)
        assert post_signed(client, URL, body, CTI_SECRET).status_code == 201
        (row,) = orders_with(session, line, body["call_id"])
        assert row.channel == line and row.category_hint == hint


def test_repeat_caller_sees_open_orders_and_screen_pop_stores_nothing(client, session):
    phone = "1380746" + uid()[:4].translate(str.maketrans("abcdef", "123456"))
    first = post_signed(client, URL, call(caller=phone), CTI_SECRET).json()
    assert first["caller"]["open_orders"] == 0 and first["caller"]["repeat"] is False
    second = post_signed(client, URL, call(caller=phone), CTI_SECRET).json()
    assert second["caller"]["open_orders"] == 1 and second["caller"]["repeat"] is True
    assert second["caller"]["recent_orders"][0]["number"] == first["order"]["number"]
    before = count_rows(session, Order)
    pop = post_signed(client, URL, call(caller=phone, content=None), CTI_SECRET)
    assert pop.status_code == 200 and pop.json()["order"] is None
    assert pop.json()["caller"]["open_orders"] == 2
    assert count_rows(session, Order) == before


def test_unknown_division_is_kept_and_flagged(client, session):
    body = call(division_code="439999999999")
    assert post_signed(client, URL, body, CTI_SECRET).status_code == 201
    (row,) = orders_with(session, "12345", body["call_id"])
    assert row.division_unresolved and row.raw["payload"]["division_code"] == "439999999999"


def test_call_answered_on_the_line_is_closed_and_told_by_sms(client, session):
    body = call(direct_answer="社保卡可在市政务中心二楼办理。", caller="13807460099")
    order = post_signed(client, URL, body, CTI_SECRET).json()["order"]
    assert order["state"] == "closed"
    wait_delivery(session, order["order_id"], "closed")
    (sms,) = remote_bodies("/sms/send", phone="13807460099", ref=f"{order['number']}-closed")
    assert "社保卡可在市政务中心二楼办理" in sms.body["text"] and "满意" in sms.body["text"]


def test_wrong_or_stale_signature_is_refused_and_nothing_stored(client, session):
    body = call()
    wrong = post_signed(client, URL, body, "not-the-secret")
    stale = post_signed(client, URL, body, CTI_SECRET, timestamp=int(time.time()) - 3600)
    missing = client.post(URL, json=body)
    for r in (wrong, stale, missing):
        assert r.status_code == 401 and r.json()["code"] == "unauthorized", r.text
    assert orders_with(session, "12345", body["call_id"]) == []


def test_malformed_json_invalid_fields_and_oversize_bodies_are_refused(client, session):
    before = count_rows(session, Order)
    broken = post_signed(client, URL, None, CTI_SECRET, raw=b'{"call_id": "x", ')
    assert broken.status_code == 400 and broken.json()["code"] == "malformed"
    naive = post_signed(client, URL, call(started_at="2025-03-01T08:00:00"), CTI_SECRET)
    assert naive.status_code == 422 and "started_at" in naive.json()["message"]
    no_agent = call()
    del no_agent["agent"]
    assert post_signed(client, URL, no_agent, CTI_SECRET).status_code == 422
    huge = post_signed(client, URL, call(content="很" * (get_settings().max_body_bytes // 3 + 1)),
                       CTI_SECRET)
    assert huge.status_code == 413 and huge.json()["code"] == "too_large"
    assert count_rows(session, Order) == before


def test_channel_without_secret_answers_503(client, monkeypatch, session):
    from channels.config import get_channel_settings

    monkeypatch.delenv("HOTLINE_CTI_SECRET")
    get_channel_settings.cache_clear()
    try:
        body = call()
        r = post_signed(client, URL, body, CTI_SECRET)
        assert r.status_code == 503 and "HOTLINE_CTI_SECRET" in r.json()["message"]
        assert orders_with(session, "12345", body["call_id"]) == []
    finally:
        monkeypatch.undo()
        get_channel_settings.cache_clear()
    assert json.loads(post_signed(client, URL, call(), CTI_SECRET).text)["order"]["created"]


def test_a_call_record_is_read_strictly(client, session):
    """"yes" is no boolean (it was read as true, hiding the caller); junk is no phone number."""
    for bad in ({"confidential": "yes"}, {"confidential": 1}, {"caller": "123"},
                {"caller": "138074600011"}, {"direct_answer": "   "}):
        body = call(**bad)
        r = post_signed(client, URL, body, CTI_SECRET)
        assert r.status_code == 422, (bad, r.text)
        assert orders_with(session, "12345", body["call_id"]) == [], bad
    body = call(confidential=True, caller="0746-8223456")
    assert post_signed(client, URL, body, CTI_SECRET).status_code == 201
    (row,) = orders_with(session, "12345", body["call_id"])
    assert row.confidential and row.citizen_phone == "0746-8223456"


def test_a_call_whose_record_is_only_spaces_only_looks_the_caller_up(client, session):
    before = count_rows(session, Order)
    r = post_signed(client, URL, call(content="  \n "), CTI_SECRET)
    assert r.status_code == 200 and r.json()["order"] is None
    assert count_rows(session, Order) == before
