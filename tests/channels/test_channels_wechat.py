"""The WeChat official account callback, driven with messages built and encrypted by wechatpy's
own crypto helpers as WeChat sends them, in plaintext and safe (AES) mode. channels_support
configures the EncodingAESKey (safe mode); the `plaintext_mode` fixture takes it away."""
from __future__ import annotations

import time
import uuid

import pytest
from channels_support import (REMOTE, WECHAT_AES_KEY, WECHAT_APP_ID, WECHAT_TOKEN, close_directly,
                              count_rows, orders_with, wait_delivery)
from defusedxml.ElementTree import fromstring
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from dispatch.config import get_settings
from dispatch.orders.models import Order

URL = "/api/v1/channels/wechat"
ACCOUNT = "gh_yongzhou12345"
crypto = WeChatCrypto(WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APP_ID)


def signature(timestamp: str, nonce: str, *extra: str) -> str:
    signer = WeChatSigner()
    signer.add_data(WECHAT_TOKEN, timestamp, nonce, *extra)
    return signer.signature


def message(msg_type: str, fields: str, *, openid: str = "oCitizen001",
            msg_id: int | None = None) -> str:
    msg_id = msg_id or uuid.uuid4().int % 10**18
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
            f"{fields}<MsgId>{msg_id}</MsgId></xml>")


def text(content: str, **kw) -> str:
    return message("text", f"<Content><![CDATA[{content}]]></Content>", **kw)


@pytest.fixture
def plaintext_mode(monkeypatch):
    """The account in plaintext mode: no EncodingAESKey configured here."""
    from channels.config import get_channel_settings

    monkeypatch.delenv("HOTLINE_WECHAT_AES_KEY")
    get_channel_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_channel_settings.cache_clear()


@pytest.fixture(params=[False, True], ids=["plaintext", "safe-mode"])
def safe(request) -> bool:
    """Each mode in turn, configured as WeChat's account is."""
    if not request.param:
        request.getfixturevalue("plaintext_mode")
    return request.param


def send(client, xml: str | bytes, *, safe: bool = False, bad_signature: bool = False,
         ts: str | None = None, nonce: str | None = None):
    """POST as WeChat does: signature in the query; in safe mode the AES envelope too."""
    ts, nonce = ts or str(int(time.time())), nonce or uuid.uuid4().hex[:10]
    params = {"signature": signature(ts, nonce), "timestamp": ts, "nonce": nonce,
              "openid": "oCitizen001"}
    body = xml.encode() if isinstance(xml, str) else xml
    if safe:
        envelope = fromstring(crypto.encrypt_message(body.decode(), nonce, ts))
        encrypt = envelope.findtext("Encrypt")
        params |= {"encrypt_type": "aes", "msg_signature": envelope.findtext("MsgSignature")}
        body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>").encode()
    if bad_signature:
        params["signature"] = "0" * 40
        if safe:
            params["msg_signature"] = "0" * 40
    r = client.post(URL, params=params, content=body, headers={"Content-Type": "text/xml"})
    return r, params


def reply_content(r, params) -> str:
    """The passive reply's text, decrypted with wechatpy when it came in safe mode."""
    xml = r.text
    if params.get("encrypt_type") == "aes":
        env = fromstring(xml)
        xml = crypto.decrypt_message(xml, env.findtext("MsgSignature"), env.findtext("TimeStamp"),
                                     env.findtext("Nonce"))
    return fromstring(xml).findtext("Content")


def test_url_verification_echoes_echostr_only_with_our_signature(client):
    ts, nonce = str(int(time.time())), "n0nce"
    ok = client.get(URL, params={"signature": signature(ts, nonce), "timestamp": ts,
                                 "nonce": nonce, "echostr": "echo-123"})
    assert ok.status_code == 200 and ok.text == "echo-123"
    bad = client.get(URL, params={"signature": "0" * 40, "timestamp": ts, "nonce": nonce,
                                  "echostr": "echo-123"})
    assert bad.status_code == 401 and "echo-123" not in bad.text


def test_text_message_sent_three_times_makes_one_order_and_replies_its_number(client, session,
                                                                              safe):
    xml = text("小区垃圾三天没人清运了", msg_id=uuid.uuid4().int % 10**18)
    replies = []
    for _ in range(3):   # WeChat retries a message three times when the reply is late
        r, params = send(client, xml, safe=safe)
        assert r.status_code == 200, r.text
        replies.append(reply_content(r, params))
    msg_id = fromstring(xml).findtext("MsgId")
    (order,) = orders_with(session, "wechat", msg_id)
    assert all(order.number in c for c in replies)
    assert order.content == "小区垃圾三天没人清运了"
    assert order.raw["reply_to"] == {"transport": "wechat", "openid": "oCitizen001"}
    accepted = wait_delivery(session, order.id, "accepted")   # planned by the routing job
    assert accepted.transport == "wechat_passive" and accepted.status == "sent"


def test_voice_image_and_location_messages_become_orders(client, session):
    voice = message("voice", "<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format>"
                             "<Recognition><![CDATA[楼下烧烤油烟太大]]></Recognition>")
    image = message("image", "<PicUrl><![CDATA[http://mmbiz.example/p.jpg]]></PicUrl>"
                             "<MediaId><![CDATA[m2]]></MediaId>")
    place = message("location", "<Location_X>26.42</Location_X><Location_Y>111.61</Location_Y>"
                                "<Scale>15</Scale><Label><![CDATA[零陵区南津中路]]></Label>")
    for xml in (voice, image, place):
        r, _ = send(client, xml, safe=True)
        assert r.status_code == 200
    get = {name: orders_with(session, "wechat", fromstring(xml).findtext("MsgId"))[0]
           for name, xml in (("voice", voice), ("image", image), ("place", place))}
    assert get["voice"].content == "楼下烧烤油烟太大"
    assert "http://mmbiz.example/p.jpg" in get["image"].content
    assert get["image"].raw["payload"]["MediaId"] == "m2"
    assert (get["place"].latitude, get["place"].longitude) == (26.42, 111.61)
    assert get["place"].address == "零陵区南津中路"


def test_subscribe_event_is_welcomed_without_an_order(client, session, plaintext_mode):
    before = count_rows(session, Order)
    event = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
             f"<FromUserName><![CDATA[oNewFan]]></FromUserName><CreateTime>{int(time.time())}"
             "</CreateTime><MsgType><![CDATA[event]]></MsgType>"
             "<Event><![CDATA[subscribe]]></Event></xml>")
    r, params = send(client, event)
    assert r.status_code == 200 and "欢迎关注" in reply_content(r, params)
    assert count_rows(session, Order) == before


def test_wrong_signature_is_refused_and_nothing_stored(client, session, safe):
    xml = text("伪造的消息")
    r, _ = send(client, xml, safe=safe, bad_signature=True)
    assert r.status_code == 401
    assert orders_with(session, "wechat", fromstring(xml).findtext("MsgId")) == []


BOMB = """<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>"""
XXE = """<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>"""


@pytest.mark.parametrize("prolog,entity", [(BOMB, "&c;"), (XXE, "&x;")], ids=["bomb", "xxe"])
def test_xml_bombs_and_external_entities_are_refused_before_storing(client, session, prolog,
                                                                    entity, safe):
    before = count_rows(session, Order)
    r, _ = send(client, prolog + text(entity), safe=safe)
    assert r.status_code == 400 and r.json()["code"] == "malformed"
    assert "DTD or entities" in r.json()["message"]
    assert count_rows(session, Order) == before


def test_broken_and_oversize_xml_are_refused(client, session, plaintext_mode):
    before = count_rows(session, Order)
    broken, _ = send(client, "<xml><MsgType>text</MsgType>")
    assert broken.status_code == 400 and "well-formed" in broken.json()["message"]
    not_a_message, _ = send(client, "<root><a>1</a></root>")
    assert not_a_message.status_code == 400
    huge, _ = send(client, text("很" * (get_settings().max_body_bytes // 3 + 1)))
    assert huge.status_code == 413
    assert count_rows(session, Order) == before


def test_closure_is_sent_once_as_customer_service_message(client, session, tokens,
                                                          plaintext_mode):
    openid = f"oCloser{uuid.uuid4().hex[:8]}"
    xml = text("公园的健身器材坏了", openid=openid)
    send(client, xml)
    (order,) = orders_with(session, "wechat", fromstring(xml).findtext("MsgId"))
    close_directly(client, tokens["city_dispatcher"], order.id, "已通知园林部门更换器材")
    delivery = wait_delivery(session, order.id, "closed")
    assert delivery.transport == "wechat" and delivery.recipient == openid
    sent = [r for r in REMOTE.to("/cgi-bin/message/custom/send") if r.body["touser"] == openid]
    assert len(sent) == 1
    assert sent[0].query["access_token"] == [REMOTE.token]
    assert "已通知园林部门更换器材" in sent[0].body["text"]["content"]


def test_plaintext_message_is_refused_when_safe_mode_is_configured(client, session):
    """In plaintext mode WeChat's signature does not cover the body: with an EncodingAESKey
    configured here, only encrypted messages are taken."""
    xml = text("明文消息不应被受理")
    r, _ = send(client, xml)
    assert r.status_code == 401 and "safe mode" in r.json()["message"]
    assert orders_with(session, "wechat", fromstring(xml).findtext("MsgId")) == []


@pytest.mark.parametrize("age", [30 * 24 * 3600, 360, -360], ids=["30-days", "6-min", "future"])
def test_signature_with_a_timestamp_outside_the_window_is_refused(client, session, safe, age):
    xml = text("旧签名配新消息")
    r, _ = send(client, xml, safe=safe, ts=str(int(time.time()) - age))
    assert r.status_code == 401 and "timestamp" in r.json()["message"]
    assert orders_with(session, "wechat", fromstring(xml).findtext("MsgId")) == []


def test_replayed_nonce_with_another_body_is_refused(client, session, plaintext_mode):
    """A plaintext signature covers token, timestamp and nonce only: whoever saw one delivery
    could put any body under it within the window, unless the nonce is remembered."""
    ts, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    first, forged = text("真实的第一条消息"), text("借用签名伪造的消息")
    assert send(client, first, ts=ts, nonce=nonce)[0].status_code == 200
    r, _ = send(client, forged, ts=ts, nonce=nonce)
    assert r.status_code == 401 and "nonce" in r.json()["message"]
    assert orders_with(session, "wechat", fromstring(forged).findtext("MsgId")) == []
    assert len(orders_with(session, "wechat", fromstring(first).findtext("MsgId"))) == 1


def test_same_delivery_again_under_its_nonce_gets_the_same_number(client, session, safe):
    """WeChat's retry of a late reply may come with the same query: the same message under the
    same nonce (in safe mode encrypted afresh) is answered with its order number again."""
    ts, nonce, xml = str(int(time.time())), uuid.uuid4().hex[:10], text("路口红绿灯不亮")
    replies = [reply_content(*send(client, xml, safe=safe, ts=ts, nonce=nonce))
               for _ in range(2)]
    (order,) = orders_with(session, "wechat", fromstring(xml).findtext("MsgId"))
    assert all(order.number in reply for reply in replies)


@pytest.mark.parametrize("content", ["", "   "], ids=["empty", "blank"])
def test_text_without_content_is_answered_success_and_stores_nothing(client, session, safe,
                                                                     content):
    """WeChat retries any answer but 200, for ever: an empty text gets "success" and no order."""
    before = count_rows(session, Order)
    xml = text(content)
    r, _ = send(client, xml, safe=safe)
    assert r.status_code == 200 and r.text == "success"
    assert count_rows(session, Order) == before


@pytest.mark.parametrize("fields", [
    "<MsgType><![CDATA[text]]></MsgType><CreateTime>1</CreateTime><MsgId>AAA</MsgId>",
    "<MsgType><![CDATA[text]]></MsgType><CreateTime></CreateTime><MsgId>1</MsgId>",
    "<MsgType><![CDATA[text]]></MsgType><CreateTime>99999999999999999999</CreateTime>",
    "<MsgType></MsgType><CreateTime>1</CreateTime>",
], ids=["msgid-not-a-number", "no-create-time", "create-time-past-9999", "no-msg-type"])
def test_message_with_unreadable_fields_is_refused_as_malformed(client, session, fields):
    """Found by the schema fuzz once it could sign: wechatpy reads fields lazily, and these
    failed with a 500 deep inside the intake."""
    before = count_rows(session, Order)
    r, _ = send(client, f"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName>"
                        f"<Content><![CDATA[路灯不亮]]></Content>{fields}</xml>", safe=True)
    assert r.status_code == 400 and r.json()["code"] == "malformed"
    assert count_rows(session, Order) == before


def test_query_answers_the_reporter_with_the_state_and_reply_and_nobody_else(
        client, session, tokens, safe):
    """ "查询 GD…" from the reporter's openid: the public state (and the reply once closed);
    from another openid, or for a number that does not exist, the same polite sentence."""
    openid = f"oAsker{uuid.uuid4().hex[:8]}"
    xml = text("菜市场门口占道经营严重", openid=openid)
    send(client, xml, safe=safe)
    (order,) = orders_with(session, "wechat", fromstring(xml).findtext("MsgId"))
    before = count_rows(session, Order)

    def ask(number: str, who: str) -> str:
        r, params = send(client, text(f"查询 {number}", openid=who), safe=safe)
        assert r.status_code == 200, r.text
        return reply_content(r, params)

    open_answer = ask(order.number, openid)
    assert order.number in open_answer and "已办结" not in open_answer
    assert "菜市场" not in open_answer                  # the public part only
    close_directly(client, tokens["city_dispatcher"], order.id, "已联系市场监管部门清理")
    closed = ask(order.number.lower(), openid)
    assert "已办结" in closed and "已联系市场监管部门清理" in closed
    stranger = ask(order.number, "oSomebodyElse")
    absent = ask("GD209912310009999", openid)
    assert stranger.replace(order.number, "N") == absent.replace("GD209912310009999", "N")
    assert "已办结" not in stranger and "菜市场" not in stranger
    assert count_rows(session, Order) == before      # a query is never a new order


def click(key: str, *, openid: str) -> str:
    """A menu button's CLICK event as WeChat sends it (events carry no MsgId)."""
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{int(time.time())}"
            "</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>"
            f"<EventKey><![CDATA[{key}]]></EventKey></xml>")


def test_query_menu_answers_the_senders_own_recent_orders_only(client, session, tokens, safe):
    """The 查询 menu button (EventKey QUERY_ORDER): the sender's three newest orders with their
    public state and reply; someone with no order is told how to ask by number; another
    button is not a query. Nothing becomes an order."""
    openid = f"oMenu{uuid.uuid4().hex[:8]}"
    numbers = []
    for n, content in enumerate(["小区路灯不亮", "井盖缺失有人摔倒", "广场舞噪音扰民",
                                 "楼道堆放杂物"]):
        xml = text(content, openid=openid, msg_id=uuid.uuid4().int % 10**17 + n)
        send(client, xml, safe=safe)
        (order,) = orders_with(session, "wechat", fromstring(xml).findtext("MsgId"))
        numbers.append(order)
    send(client, text("别人的工单：垃圾清运不及时", openid="oNeighbour"), safe=safe)
    close_directly(client, tokens["city_dispatcher"], numbers[-1].id, "已通知物业清理楼道")
    before = count_rows(session, Order)

    def press(key: str, who: str) -> str:
        r, params = send(client, click(key, openid=who), safe=safe)
        assert r.status_code == 200, r.text
        return "" if r.text == "success" else reply_content(r, params)

    mine = press("QUERY_ORDER", openid)
    assert [o.number in mine for o in numbers] == [False, True, True, True]
    assert "已办结" in mine and "已通知物业清理楼道" in mine
    assert "楼道" not in mine.replace("已通知物业清理楼道", "")     # the public part only
    assert "垃圾" not in mine
    nobody = press("QUERY_ORDER", "oNeverReported")
    assert "查询 GD" in nobody and "工单 GD" not in nobody
    assert press("OTHER_BUTTON", openid) == ""
    assert count_rows(session, Order) == before
