"""A channel's times are bounded like every date a client sends (dispatch.client_dates): a 422
with the reason, never a 500."""
from __future__ import annotations

import uuid

import pytest
from test_channels_wechat import ACCOUNT, send

from channels.adapters.weibo import WeiboMessage
from channels.base import validate_model
from dispatch.errors import Invalid


def test_a_weibo_message_created_in_year_9999_is_refused():
    msg = {"id": "1", "kind": "mention", "created_at": "9999-12-31T00:00:00+08:00",
           "sender_id": "u1", "text": "路灯坏了"}
    with pytest.raises(Invalid, match="between 2000-01-01 and 2100-12-31"):
        validate_model(WeiboMessage, msg)


@pytest.mark.parametrize("create_time, status, reason", [
    ("4102444800000", 400, "not a WeChat message"),   # milliseconds: year 131971, unreadable
    ("-99999999999", 400, "not a WeChat message"),
    ("abc", 400, "not a WeChat message"),
    ("7258118400", 422, "between 2000-01-01 and 2100-12-31"),   # 2200-01-01: a time, refused
])
def test_a_wechat_message_whose_create_time_is_no_real_time_is_refused(client, create_time,
                                                                       status, reason):
    xml = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
           f"<FromUserName><![CDATA[oCitizen001]]></FromUserName>"
           f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           f"<Content><![CDATA[路灯坏了]]></Content><MsgId>{uuid.uuid4().int % 10**18}</MsgId></xml>")
    r, _ = send(client, xml, safe=True)
    assert r.status_code == status, r.text
    assert reason in r.json()["message"]
