"""Orchestration at the door: check who knocks, store photos, hand the intake to the core.

The keyed doors, Weibo and CTI run on the event loop (`ingest_async`, `authenticate_cached`): on
PostgreSQL a message without files goes to the core's plain intake path (an asyncpg
connection, no session, no thread), and an API key's client is looked up once per
``service.KEY_TTL`` seconds; photos, uploads, batches, the CTI caller look-up, WeChat and
every door on SQLite take a thread and a session (`ingest`).
"""
from __future__ import annotations

import logging

from anyio import to_thread
from sqlmodel import Session

from channels import registry, service
from channels.adapters.hotline import CtiCall
from channels.adapters.wechat import WeChatQuery
from channels.base import ChannelAdapter, Photo
from channels.config import get_channel_settings
from channels.enums import Auth
from channels.models import ChannelClient
from channels.outbound.messages import OrderFacts, Texts, accepted_text
from channels.schemas import CallerHistory, CtiAck
from channels.security import verify_signature
from dispatch.attachments.service import save_attachment
from dispatch.citizens import flows as citizens
from dispatch.citizens.public import (MENU_ORDERS, parse_query_command, wechat_answer,
                                      wechat_menu_answer)
from dispatch.config import get_settings
from dispatch.db import get_engine, intake_pool
from dispatch.errors import DomainError, Forbidden, Invalid, TooLarge, Unauthorized, Unavailable
from dispatch.intake import flows as intake
from dispatch.intake.schemas import IntakeResult
from dispatch.orders.enums import Channel
from dispatch.orders.models import Attachment
from dispatch.sqltypes import utcnow

log = logging.getLogger(__name__)
WELCOME = "欢迎关注{centre}。请直接发送文字、语音、图片或位置反映问题，我们会回复受理工单号。"


def authenticate_client(session: Session, *, api_key: str | None,
                        channel: Channel | None = None) -> ChannelClient:
    """The client behind X-Api-Key: 401 without a valid key, 403 for another channel's key
    (any channel will do when none is named)."""
    if not api_key:
        raise Unauthorized("X-Api-Key header is required", headers={"WWW-Authenticate": "ApiKey"})
    client = service.client_for_key(session, api_key=api_key)
    if client is None:
        raise Unauthorized("API key is unknown or revoked", headers={"WWW-Authenticate": "ApiKey"})
    if channel is not None and client.channel != channel.value:
        raise Forbidden(f"this key belongs to channel {client.channel}, not {channel.value}")
    return client


async def authenticate_cached(*, api_key: str | None, channel: Channel) -> ChannelClient:
    """`authenticate_client` on the event loop: the key's client as looked up (on a thread)
    within ``service.KEY_TTL`` seconds; an unknown key is looked up every time. The write
    checks that the client is still active (`ingest_async`), so a key revoked by another
    process is refused at once all the same."""
    client = service.cached_client(api_key) if api_key else None
    if client is None:
        client = await to_thread.run_sync(_look_up_client, api_key)
        service.remember_client(api_key, client)
    if client.channel != channel.value:
        raise Forbidden(f"this key belongs to channel {client.channel}, not {channel.value}")
    return client


def _look_up_client(api_key: str | None) -> ChannelClient:
    with Session(get_engine(), expire_on_commit=False) as session:
        return authenticate_client(session, api_key=api_key)


def check_signed(secret_name: str, *, timestamp: str | None, signature: str | None,
                 body: bytes) -> None:
    """HMAC check with the named shared secret (503 when the channel has none configured)."""
    s = get_channel_settings()
    secret = getattr(s, secret_name)
    if not secret:
        raise Unavailable(f"channel not configured (HOTLINE_{secret_name.upper()})")
    verify_signature(secret, timestamp=timestamp, signature=signature, body=body, now=utcnow(),
                     tolerance_seconds=s.signature_tolerance_seconds)


def ingest(session: Session, adapter: ChannelAdapter, payload, *,
           client: ChannelClient | None = None) -> IntakeResult:
    """One message → one order, exactly once per (channel, external id); photos only stored
    for a message not seen before."""
    req = adapter.to_intake(payload)
    photos, uploaded = adapter.photos(payload), adapter.uploaded_ids(payload)
    if photos or uploaded:   # (receive() itself answers retries of messages without files)
        earlier = intake.seen_before(session, req)
        if earlier is not None:
            return earlier
        ids = own_uploads(session, client, uploaded) + store_photos(session, photos)
        req = req.model_copy(update={"attachment_ids": ids})
    return intake.receive(session, req, actor_name=adapter.actor_name)


async def ingest_async(adapter: ChannelAdapter, payload, *,
                       client: ChannelClient | None = None) -> IntakeResult:
    """`ingest` on the event loop: on PostgreSQL a message without files is stored by the plain
    intake path (dispatch.intake.flows.receive_plain); photos, uploads, a call answered on the
    line or an event settled on the spot (closed at once) and SQLite take a thread and a
    session."""
    req = adapter.to_intake(payload)
    pool = None if intake.closes_at_once(req) else await intake_pool()
    if pool is None or adapter.photos(payload) or adapter.uploaded_ids(payload):
        return await to_thread.run_sync(_ingest_in_own_session, adapter, payload, client)
    return await intake.receive_plain(
        pool, req, actor_name=adapter.actor_name,
        requires=(ChannelClient.__tablename__, client.id) if client is not None else None)


def _ingest_in_own_session(adapter: ChannelAdapter, payload,
                           client: ChannelClient | None) -> IntakeResult:
    """`ingest` with a session of its own; a client known from the cache is read again first
    (revoked by another process meanwhile: 401, nothing stored)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        if client is not None:
            current = session.get(ChannelClient, client.id)
            if current is None or not current.active:
                raise Unauthorized("API key is unknown or revoked",
                                   headers={"WWW-Authenticate": "ApiKey"})
        return ingest(session, adapter, payload, client=client)


def own_uploads(session: Session, client: ChannelClient | None, ids: list[int]) -> list[int]:
    if not ids:
        return []
    mine = service.uploads_of(session, client_id=client.id, ids=ids) if client else set()
    foreign = [i for i in ids if i not in mine]
    if foreign:
        raise Invalid("attachments were not uploaded by this client", details={"ids": foreign})
    return list(dict.fromkeys(ids))


def store_photos(session: Session, photos: list[Photo]) -> list[int]:
    """Decode and check every photo before storing any; if one is still refused, the rows
    of the ones stored before it are removed (nothing half-stored)."""
    decoded = [(p, p.decode()) for p in photos]
    s = get_settings()
    for photo, data in decoded:
        if photo.content_type not in s.allowed_attachment_types:
            raise Invalid(f"photo type {photo.content_type!r} is not allowed",
                          details={"allowed": sorted(s.allowed_attachment_types)})
        if len(data) > s.attachment_max_bytes:
            raise TooLarge(f"photo {photo.filename!r} exceeds {s.attachment_max_bytes} bytes")
    saved: list[Attachment] = []
    try:
        for photo, data in decoded:
            saved.append(save_attachment(session, filename=photo.filename,
                                         content_type=photo.content_type, data=data,
                                         uploaded_by=None))
    except DomainError:
        for att in saved:
            session.delete(att)
        session.commit()
        raise
    return [a.id for a in saved]


def upload(session: Session, *, client: ChannelClient, filename: str, content_type: str,
           data: bytes) -> Attachment:
    """A photo posted ahead of its report; only this client may attach it later."""
    att = save_attachment(session, filename=filename, content_type=content_type, data=data,
                          uploaded_by=None)
    service.record_upload(session, attachment_id=att.id, client_id=client.id)
    session.commit()
    return att


def caller_history(session: Session, *, phone: str,
                   exclude_order_id: int | None = None) -> CallerHistory:
    return service.caller_history(session, phone=phone, now=utcnow(),
                                  window_days=get_channel_settings().repeat_window_days,
                                  exclude_order_id=exclude_order_id)


async def receive_call(call: CtiCall) -> CtiAck:
    """A finished call becomes an order (`ingest_async`); a call without content (or only
    spaces) only looks the caller up (on a thread, with a session)."""
    result = await ingest_async(registry.cti, call) if call.content and call.content.strip() \
        else None
    history = await to_thread.run_sync(_history_in_own_session, call.caller,
                                       result.order_id if result else None)
    return CtiAck(order=result, caller=history)


def _history_in_own_session(phone: str, exclude_order_id: int | None) -> CallerHistory:
    with Session(get_engine()) as session:
        return caller_history(session, phone=phone, exclude_order_id=exclude_order_id)


def receive_wechat(session: Session, body: bytes, q: WeChatQuery) -> str:
    """A WeChat callback: the order (once per MsgId) and the passive reply with its number."""
    wechat = registry.wechat
    msg = wechat.read(body, q)
    if _query_menu(msg):                   # the 查询 menu button: the sender's recent orders
        return wechat.reply(msg, menu_answer(session, msg.source), q)
    if not wechat.wants_order(msg):
        welcome = getattr(msg, "event", None) == "subscribe"
        s = get_channel_settings()
        return wechat.reply(msg, WELCOME.format(centre=s.centre_name) if welcome else None, q)
    s = get_channel_settings()
    number = parse_query_command(msg.content, prefix=get_settings().order_prefix) \
        if msg.type == "text" else None
    if number is not None:                 # "查询 GD…": the state, never a new order
        return wechat.reply(msg, query_answer(session, number, msg.source, s.centre_name), q)
    result = ingest(session, wechat, msg)
    facts = OrderFacts(order_id=result.order_id, number=result.number, channel="wechat",
                       state=result.state)
    return wechat.reply(msg, accepted_text(facts, Texts(s.centre_name, s.app_name)), q)


def query_answer(session: Session, number: str, openid: str, centre: str) -> str:
    """The public state of the sender's own order; the same answer for every other number."""
    order = citizens.by_number(session, number)
    mine = citizens.reported_by_openid(order, openid)
    return wechat_answer(citizens.status_of(order) if mine else None, number=number,
                         centre=centre)


def _query_menu(msg) -> bool:
    return (getattr(msg, "event", None) == "click"
            and getattr(msg, "key", None) == get_channel_settings().wechat_query_menu_key)


def menu_answer(session: Session, openid: str) -> str:
    """The 查询 menu button: the public state of the sender's own most recent orders."""
    orders = citizens.recent_by_openid(session, openid, MENU_ORDERS)
    return wechat_menu_answer([citizens.status_of(o) for o in orders],
                              centre=get_channel_settings().centre_name,
                              prefix=get_settings().order_prefix)


def configured(session: Session, adapter: ChannelAdapter) -> bool:
    s = get_channel_settings()
    if adapter.auth == Auth.hmac:
        return bool(getattr(s, f"{adapter.name}_secret", None))
    if adapter.auth == Auth.wechat:
        return bool(s.wechat_token)
    return any(c.active and c.channel in adapter.channels for c in service.list_clients(session))
