"""Shared by the channel tests: secrets in the environment (set at collection, before the RQ
worker of the services pass starts), a loopback fake of the remote systems, signed posts."""
from __future__ import annotations

import base64
import json
import os
import time
import uuid
from datetime import UTC, datetime

import pytest

from channels.fake import FakeRemote

REMOTE = FakeRemote().start()
CTI_SECRET = "cti-shared-secret-for-tests"
WEIBO_SECRET = "weibo-shared-secret-for-tests"
WECHAT_TOKEN = "wechat-token-for-tests"
WECHAT_AES_KEY = base64.b64encode(b"k" * 32).decode().rstrip("=")   # 43 chars, as WeChat issues
WECHAT_APP_ID = "wx0123456789abcdef"
APP_PUSH_SECRET = "app-push-secret-for-tests"
ENV = {
    "HOTLINE_CTI_SECRET": CTI_SECRET, "HOTLINE_WEIBO_SECRET": WEIBO_SECRET,
    "HOTLINE_WECHAT_TOKEN": WECHAT_TOKEN, "HOTLINE_WECHAT_AES_KEY": WECHAT_AES_KEY,
    "HOTLINE_WECHAT_APP_ID": WECHAT_APP_ID, "HOTLINE_WECHAT_APP_SECRET": "wechat-app-secret",
    "HOTLINE_WECHAT_API_BASE": REMOTE.url("/cgi-bin/"),
    "HOTLINE_POLICE_RESULT_URL": REMOTE.url("/110/results"),
    "HOTLINE_POLICE_HANDOVER_URL": REMOTE.url("/110/handovers"),
    "HOTLINE_POLICE_OUTBOUND_TOKEN": "token-we-hold-at-110",
    "HOTLINE_SMS_GATEWAY_URL": REMOTE.url("/sms/send"), "HOTLINE_SMS_GATEWAY_KEY": "sms-key",
    "HOTLINE_APP_PUSH_URL": REMOTE.url("/app/push"), "HOTLINE_APP_PUSH_SECRET": APP_PUSH_SECRET,
    "HOTLINE_APP_NAME": "我的永州", "HOTLINE_CENTRE_NAME": "永州12345",
}
os.environ.update(ENV)


def _clear_settings_cache() -> None:
    from channels.config import get_channel_settings

    get_channel_settings.cache_clear()


_clear_settings_cache()


def uid(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:16]}"


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def post_signed(client, path: str, payload, secret: str, *, timestamp: int | None = None,
                signature: str | None = None, raw: bytes | None = None):
    from channels.security import sign

    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    ts = str(timestamp if timestamp is not None else int(time.time()))
    return client.post(path, content=body, headers={
        "Content-Type": "application/json", "X-Timestamp": ts,
        "X-Signature": signature or sign(secret, ts, body)})


_KEYS: dict[str, str] = {}


def key_for(client, admin_token: str, channel: str) -> str:
    """One API key per keyed channel for the whole run, created through the admin endpoint."""
    if channel not in _KEYS:
        r = client.post("/api/v1/channels/clients",
                        json={"channel": channel, "name": f"{channel} 测试"},
                        headers={"Authorization": f"Bearer {admin_token}"})
        assert r.status_code == 201, r.text
        _KEYS[channel] = r.json()["api_key"]
    return _KEYS[channel]


@pytest.fixture
def keys(client, tokens):
    return lambda channel: key_for(client, tokens["admin"], channel)


def orders_with(session, channel: str, external_id: str) -> list:
    from sqlmodel import select

    from dispatch.orders.models import Order

    session.expire_all()
    return list(session.exec(select(Order).where(Order.channel == channel,
                                                 Order.external_id == external_id)).all())


def count_rows(session, model) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def deliveries(session, order_id: int) -> dict[str, object]:
    from channels.outbound.service import deliveries_for

    session.expire_all()
    return {d.kind: d for d in deliveries_for(session, order_id=order_id)}


def wait_delivery(session, order_id: int, kind: str, *statuses: str, timeout: float = 30.0):
    from tests.conftest import wait_until

    statuses = statuses or ("sent",)
    return wait_until(lambda: (d := deliveries(session, order_id).get(kind)) is not None
                      and d.status in statuses and d, timeout=timeout)


def remote_bodies(path: str, **match) -> list:
    return [r for r in REMOTE.to(path)
            if isinstance(r.body, dict) and all(r.body.get(k) == v for k, v in match.items())]


def close_directly(client, token: str, order_id: int, reply: str) -> dict:
    """Close an order the platform answers itself (直接办结), once routing has queued it."""
    from tests.helpers import act, wait_state

    wait_state(client, token, order_id, "pending_dispatch")
    return act(client, token, order_id, "direct_close", reason=reply, public_reply=reply)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
