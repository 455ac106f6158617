"""WeChat official account callback (公众号): URL check, plaintext and safe (AES) mode,
messages → intake, and the passive reply that gives the order number within WeChat's 5 s."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from xml.parsers.expat import ExpatError

from defusedxml.ElementTree import fromstring
from pydantic import BaseModel
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.replies import create_reply
from wechatpy.utils import check_signature

from channels.base import ChannelAdapter, build_intake
from channels.config import ChannelSettings, get_channel_settings
from channels.enums import Auth, Transport
from channels.security import Malformed, ensure_safe_xml
from dispatch.errors import Invalid, Unauthorized, Unavailable
from dispatch.intake.schemas import IntakeRequest
from dispatch.orders.enums import Channel


@dataclass(frozen=True)
class WeChatQuery:
    """The query string WeChat adds to every call of our URL."""
    signature: str | None = None
    timestamp: str | None = None
    nonce: str | None = None
    echostr: str | None = None
    encrypt_type: str | None = None   # "aes" in safe mode
    msg_signature: str | None = None

    @property
    def encrypted(self) -> bool:
        return (self.encrypt_type or "").lower() == "aes"


def external_id(msg: BaseMessage) -> str:
    """MsgId for messages; events carry none, so sender + CreateTime (WeChat's own advice)."""
    return str(msg.id) if msg.id else f"{msg.source}:{msg.time}"


def created_at(msg: BaseMessage) -> datetime:
    """CreateTime (seconds since the epoch) as a moment; a 422, not a 500, when it is no time at
    all (not a number, or beyond what datetime holds). Its range is checked by the intake."""
    try:
        return datetime.fromtimestamp(msg.time, UTC)
    except (ValueError, OverflowError, OSError):
        raise Invalid(f"CreateTime {msg._data.get('CreateTime')!r} is not a time") from None


def _describe(msg: BaseMessage) -> dict | None:
    """Content and place of a message that becomes an order; None for events and the rest."""
    if msg.type == "text":
        return {"content": msg.content}
    if msg.type == "voice":
        return {"content": msg.recognition or "[语音留言，未能识别文字]"}
    if msg.type == "image":
        return {"content": f"[图片] {msg.image}"}
    if msg.type == "location":
        try:
            lat, lon = float(msg.location_x), float(msg.location_y)
        except (TypeError, ValueError):
            raise Malformed("Location_X / Location_Y are not numbers") from None
        return {"content": f"[位置] {msg.label or ''}".strip(), "address": msg.label or None,
                "latitude": lat, "longitude": lon}
    if msg.type in ("video", "shortvideo"):
        return {"content": "[视频]"}
    if msg.type == "link":
        return {"content": f"[链接] {msg.title} {msg.url}"}
    return None


class WeChatAdapter(ChannelAdapter[BaseModel]):
    name = "wechat"
    label = "微信公众号"
    channels = (Channel.wechat,)
    auth = Auth.wechat
    path = "/wechat"
    payload_model = BaseModel

    def settings(self) -> ChannelSettings:
        s = get_channel_settings()
        if not s.wechat_token:
            raise Unavailable("the WeChat channel is not configured (HOTLINE_WECHAT_TOKEN)")
        return s

    def crypto(self) -> WeChatCrypto:
        s = self.settings()
        if not (s.wechat_aes_key and s.wechat_app_id):
            raise Malformed("safe mode is not configured here (HOTLINE_WECHAT_AES_KEY, "
                            "HOTLINE_WECHAT_APP_ID)")
        return WeChatCrypto(s.wechat_token, s.wechat_aes_key, s.wechat_app_id)

    def verify_url(self, q: WeChatQuery) -> str:
        """WeChat's GET check of the server URL: echo echostr when the signature is ours."""
        self._check_plain_signature(q)
        if not q.echostr:
            raise Malformed("echostr is missing")
        return q.echostr

    def _check_plain_signature(self, q: WeChatQuery) -> None:
        try:
            check_signature(self.settings().wechat_token, q.signature or "", q.timestamp or "",
                            q.nonce or "")
        except InvalidSignatureException:
            raise Unauthorized("WeChat signature does not match") from None

    def read(self, body: bytes, q: WeChatQuery) -> BaseMessage:
        """The message, after the signature and safe-XML checks (and decryption in safe mode)."""
        self.settings()
        ensure_safe_xml(body)
        if q.encrypted:
            xml = self._decrypt(body, q)
            ensure_safe_xml(xml)
        else:
            self._check_plain_signature(q)
            xml = body
        try:
            return parse_message(xml)
        except (KeyError, ValueError, ExpatError, TypeError) as exc:
            raise Malformed("not a WeChat message", details={"reason": repr(exc)}) from None

    def _decrypt(self, body: bytes, q: WeChatQuery) -> str:
        encrypt = fromstring(body).findtext("Encrypt")
        if not encrypt:
            raise Malformed("safe mode message has no Encrypt element")
        try:
            return self.crypto().decrypt_message({"Encrypt": encrypt}, q.msg_signature or "",
                                                 q.timestamp or "", q.nonce or "")
        except (InvalidSignatureException, InvalidAppIdException):
            raise Unauthorized("WeChat msg_signature or AppID does not match") from None
        except (ValueError, IndexError, UnicodeDecodeError):
            raise Malformed("Encrypt could not be decrypted") from None

    def parse(self, body: bytes) -> BaseModel:  # pragma: no cover - WeChat uses read()
        raise NotImplementedError("WeChat bodies need the query string: use read()")

    def wants_order(self, msg: BaseMessage) -> bool:
        return _describe(msg) is not None

    def to_intake(self, msg: BaseMessage) -> IntakeRequest:  # type: ignore[override]
        described = _describe(msg) or {"content": f"[{msg.type}]"}
        return build_intake(
            channel=Channel.wechat, external_id=external_id(msg),
            received_at=created_at(msg), **described,
            raw={"payload": dict(msg._data),
                 "reply_to": {"transport": Transport.wechat.value, "openid": msg.source}})

    def reply(self, msg: BaseMessage, text: str | None, q: WeChatQuery) -> str:
        """The passive reply XML (encrypted in safe mode); "success" when nothing is to be said."""
        if not text:
            return "success"
        xml = create_reply(text, message=msg, render=True)
        if q.encrypted:
            return self.crypto().encrypt_message(xml, q.nonce or "", q.timestamp)
        return xml
