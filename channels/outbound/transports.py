"""The senders: SMS gateway, app push webhook, WeChat customer-service messages, the 110 system.

Each takes a delivery's stored payload; none touches the database.
"""
from __future__ import annotations

import json
import time
from functools import lru_cache

import httpx
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage

from channels.config import ChannelSettings
from channels.enums import DeliveryKind, Transport
from channels.models import Delivery
from channels.security import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from dispatch.config import get_settings


class NotConfigured(Exception):
    """This deployment has no URL or credentials for the transport: skip, do not retry."""


class SendFailed(Exception):
    """The remote refused or could not be reached: the queue retries."""


def _url(transport: str, kind: str, s: ChannelSettings) -> str | None:
    if transport == Transport.sms:
        return s.sms_gateway_url
    if transport == Transport.police:
        return s.police_result_url if kind == DeliveryKind.police_result else s.police_handover_url
    if transport == Transport.app_push:
        return s.app_push_url
    return None


def _url_and_headers(d: Delivery, s: ChannelSettings) -> tuple[str | None, dict[str, str]]:
    # the idempotency key lets the remote drop a resend after a crash between send and record
    headers = {"Idempotency-Key": f"delivery-{d.id}"}
    if d.transport == Transport.sms:
        headers["X-Api-Key"] = s.sms_gateway_key or ""
    elif d.transport == Transport.police:
        headers["Authorization"] = f"Bearer {s.police_outbound_token or ''}"
    return _url(d.transport, d.kind, s), headers


def is_configured(transport: str, kind: str, s: ChannelSettings) -> bool:
    if transport == Transport.wechat_passive:
        return True
    if transport == Transport.wechat:
        return bool(s.wechat_app_id and s.wechat_app_secret)
    return bool(_url(transport, kind, s))


def send(d: Delivery, s: ChannelSettings) -> None:
    if not is_configured(d.transport, d.kind, s):
        raise NotConfigured(f"{d.transport} is not configured")
    if d.transport == Transport.wechat:
        _send_wechat(d, s)
        return
    url, headers = _url_and_headers(d, s)
    body = json.dumps(d.payload, ensure_ascii=False).encode()
    if d.transport == Transport.app_push and s.app_push_secret:
        ts = str(int(time.time()))
        headers |= {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(s.app_push_secret, ts, body)}
    try:
        r = httpx.post(url, content=body, timeout=s.outbound_timeout_seconds,
                       headers={**headers, "Content-Type": "application/json"})
    except httpx.HTTPError as exc:
        raise SendFailed(f"{d.transport}: {type(exc).__name__}: {exc}") from exc
    if r.status_code >= 300:
        raise SendFailed(f"{d.transport}: HTTP {r.status_code} {r.text[:200]}")


class _WeChatClient(WeChatClient):
    """wechatpy's client, but the token is fetched from the configured API base as well."""

    def fetch_access_token(self):
        return self._fetch_access_token(url=f"{self.API_BASE_URL}token", params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})


@lru_cache(maxsize=4)
def wechat_client(app_id: str, secret: str, api_base: str) -> WeChatClient:
    """One client per process; the access token is shared through Redis when there is one."""
    storage = MemoryStorage()
    redis_url = get_settings().redis_url
    if redis_url:
        from wechatpy.session.redisstorage import RedisStorage

        from dispatch.redis_conn import connect

        storage = RedisStorage(connect(redis_url), prefix="wechatpy")
    client = _WeChatClient(app_id, secret, session=storage, timeout=10)
    client.API_BASE_URL = api_base if api_base.endswith("/") else api_base + "/"
    return client


def _send_wechat(d: Delivery, s: ChannelSettings) -> None:
    client = wechat_client(s.wechat_app_id, s.wechat_app_secret, s.wechat_api_base)
    try:
        client.message.send_text(d.payload["openid"], d.payload["text"])
    except (WeChatClientException, OSError) as exc:
        # e.g. 45015: the citizen has not written within 48 h; a template message is needed
        raise SendFailed(f"wechat: {exc}") from exc
