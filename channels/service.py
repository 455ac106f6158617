"""Plain reads and writes: client keys, client uploads, a caller's orders. No sending, no queue."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import event, func
from sqlmodel import Session, col, select

from channels.models import ChannelClient, ChannelUpload
from channels.schemas import CallerHistory, CallerOrder
from channels.security import hash_api_key, key_id_of, key_matches, new_api_key
from dispatch.errors import NotFound
from dispatch.orders.enums import TERMINAL_STATES, Channel
from dispatch.orders.models import Order


def create_client(session: Session, *, channel: Channel, name: str,
                  created_by: str | None) -> tuple[ChannelClient, str]:
    """A new client row and its key; only the key's hash is kept."""
    api_key, key_id = new_api_key()
    client = ChannelClient(channel=channel.value, name=name, key_id=key_id,
                           key_hash=hash_api_key(api_key), created_by=created_by)
    session.add(client)
    session.flush()
    return client, api_key


def client_for_key(session: Session, *, api_key: str) -> ChannelClient | None:
    """The active client holding this key, or None."""
    key_id = key_id_of(api_key)
    if key_id is None:
        return None
    client = session.exec(select(ChannelClient).where(ChannelClient.key_id == key_id)).first()
    if client is None or not client.active or not key_matches(api_key, client.key_hash):
        return None
    return client


KEY_TTL = 5.0
_known_keys: dict[str, tuple[ChannelClient, float]] = {}   # API key → (active client, until)


def cached_client(api_key: str) -> ChannelClient | None:
    """The active client of this key as `client_for_key` found it less than ``KEY_TTL`` seconds
    ago, or None (look it up). A change to a client in this process empties the cache; a key
    revoked by another process (the CLI, another replica) is refused by the write itself, which
    stores nothing unless the client is still active (channels.flows.ingest_async)."""
    known = _known_keys.get(api_key)
    return known[0] if known is not None and known[1] > time.monotonic() else None


def remember_client(api_key: str, client: ChannelClient) -> None:
    if len(_known_keys) >= 1024:
        _known_keys.clear()
    _known_keys[api_key] = (client, time.monotonic() + KEY_TTL)


@event.listens_for(ChannelClient, "after_update")
@event.listens_for(ChannelClient, "after_delete")
def _forget_keys(*_) -> None:
    _known_keys.clear()


def list_clients(session: Session) -> list[ChannelClient]:
    return list(session.exec(select(ChannelClient).order_by(ChannelClient.id)).all())


def revoke_client(session: Session, *, client_id: int, now: datetime) -> ChannelClient:
    client = session.get(ChannelClient, client_id)
    if client is None:
        raise NotFound(f"channel client {client_id} not found")
    client.active, client.revoked_at = False, client.revoked_at or now
    session.add(client)
    return client


def record_upload(session: Session, *, attachment_id: int, client_id: int) -> None:
    session.add(ChannelUpload(attachment_id=attachment_id, client_id=client_id))


def uploads_of(session: Session, *, client_id: int, ids: list[int]) -> set[int]:
    """Which of these attachment ids this client uploaded."""
    if not ids:
        return set()
    stmt = select(ChannelUpload.attachment_id).where(ChannelUpload.client_id == client_id,
                                                     col(ChannelUpload.attachment_id).in_(ids))
    return set(session.exec(stmt).all())


def existing_external(session: Session, *, channel: str,
                      external_ids: list[str]) -> dict[str, Order]:
    """Orders already received from this channel with these ids (one query for a batch)."""
    if not external_ids:
        return {}
    stmt = select(Order).where(Order.channel == channel, col(Order.external_id).in_(external_ids))
    return {o.external_id: o for o in session.exec(stmt).all()}


def caller_history(session: Session, *, phone: str, now: datetime, window_days: int,
                   exclude_order_id: int | None = None) -> CallerHistory:
    stmt = (select(Order.id, Order.number, Order.state, Order.title, Order.received_at)
            .where(Order.citizen_phone == phone, Order.id != (exclude_order_id or 0))
            .order_by(col(Order.id).desc()).limit(20))
    rows = [CallerOrder(order_id=i, number=n, state=st, title=t, received_at=at)
            for i, n, st, t, at in session.exec(stmt).all()]
    open_count = session.exec(select(func.count()).where(
        Order.citizen_phone == phone, Order.id != (exclude_order_id or 0),
        col(Order.state).not_in([s.value for s in TERMINAL_STATES]))).one()
    since = now - timedelta(days=window_days)
    recent = [o for o in rows if o.received_at >= since or o.state not in TERMINAL_STATES]
    return CallerHistory(phone=phone, open_orders=open_count, repeat=bool(recent),
                         recent_orders=recent)
