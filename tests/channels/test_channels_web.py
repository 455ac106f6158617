"""Weibo (signed relay), the mayor's mailbox and CPPCC cloud (API keys)."""
from __future__ import annotations

from channels_support import (WEIBO_SECRET, keys, now_iso, orders_with, post_signed,
                              remote_bodies, uid, wait_delivery)

WEIBO = "/api/v1/channels/weibo/messages"
_ = keys  # the fixture


def weibo(**kw) -> dict:
    return {"id": uid(), "kind": "mention", "created_at": now_iso(), "sender_id": "5566778899",
            "sender_name": "永州小市民", "text": "@永州12345 河西菜市场门口占道经营，堵得走不动",
            "pics": ["https://wx1.sinaimg.cn/large/abc.jpg"], **kw}


def test_weibo_message_sent_twice_is_one_order_and_kinds_do_not_collide(client, session):
    mention = weibo()
    dm = {**mention, "kind": "private_message"}
    r1 = post_signed(client, WEIBO, mention, WEIBO_SECRET)
    r2 = post_signed(client, WEIBO, mention, WEIBO_SECRET)
    r3 = post_signed(client, WEIBO, dm, WEIBO_SECRET)
    assert (r1.status_code, r2.status_code, r3.status_code) == (201, 200, 201)
    assert r1.json()["order_id"] == r2.json()["order_id"] != r3.json()["order_id"]
    (order,) = orders_with(session, "weibo", f"m:{mention['id']}")
    assert order.raw["payload"]["pics"] == mention["pics"]
    assert orders_with(session, "weibo", f"dm:{mention['id']}")


def test_weibo_text_of_only_spaces_is_refused(client, session):
    for text in ("   ", "\n\t \u3000"):
        msg = weibo(text=text)
        r = post_signed(client, WEIBO, msg, WEIBO_SECRET)
        assert r.status_code == 422 and "text" in r.json()["message"], r.text
        assert orders_with(session, "weibo", f"m:{msg['id']}") == []


def test_weibo_with_wrong_signature_or_bad_body_stores_nothing(client, session):
    body = weibo()
    assert post_signed(client, WEIBO, body, "guess").status_code == 401
    assert post_signed(client, WEIBO, {**body, "kind": "repost"}, WEIBO_SECRET).status_code == 422
    assert post_signed(client, WEIBO, None, WEIBO_SECRET, raw=b"\xff\xfe").status_code == 400
    assert orders_with(session, "weibo", f"m:{body['id']}") == []


def test_mayors_mailbox_letter_sent_twice_is_one_order_acknowledged_by_sms(client, session,
                                                                           keys):
    letter = {"letter_id": uid("mx-"), "submitted_at": now_iso(), "name": "孙八",
              "phone": "13507460808", "email": "s8@example.cn", "title": "关于学校门口交通",
              "content": "上下学时段校门口车辆乱停，建议设置临时停车区。", "public": True}
    headers = {"X-Api-Key": keys("website")}
    first = client.post("/api/v1/channels/website/letters", json=letter, headers=headers)
    again = client.post("/api/v1/channels/website/letters", json=letter, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    (order,) = orders_with(session, "website", letter["letter_id"])
    assert order.title == "关于学校门口交通" and order.raw["payload"]["public"] is True
    wait_delivery(session, order.id, "accepted")
    (sms,) = remote_bodies("/sms/send", ref=f"{order.number}-accepted")
    assert sms.body["phone"] == "13507460808" and sms.headers["X-Api-Key"] == "sms-key"


def test_cppcc_item_is_a_suggestion_once_per_item_id(client, session, keys):
    item = {"item_id": uid("zx-"), "submitted_at": now_iso(), "member_name": "周委员",
            "kind": "社情民意", "title": "农村饮水安全", "content": "部分村组自来水浑浊，建议检测水质。"}
    headers = {"X-Api-Key": keys("cppcc")}
    codes = [client.post("/api/v1/channels/cppcc/items", json=item, headers=headers).status_code
             for _ in range(2)]
    assert codes == [201, 200]
    (order,) = orders_with(session, "cppcc", item["item_id"])
    assert order.request_type == "suggestion" and order.citizen_name == "周委员"
    website_key = client.post("/api/v1/channels/cppcc/items", json={**item, "item_id": uid()},
                              headers={"X-Api-Key": keys("website")})
    assert website_key.status_code == 403
