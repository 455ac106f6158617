"""The delivery log: plain reads and writes (the job sends, the listener plans)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import or_, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from channels.enums import DeliveryStatus
from channels.models import Delivery
from channels.outbound.messages import Planned

S = DeliveryStatus


def add_deliveries(session: Session, *, rows: list[tuple[int, Planned, DeliveryStatus]],
                   now: datetime) -> list[int]:
    """Record deliveries, each unless its order already has one of its kind; the ids of the
    new ones still to send (pending).

    One INSERT … ON CONFLICT DO NOTHING for them all (PostgreSQL and SQLite alike): concurrent
    announcements of the same change race on the unique key, and exactly one of them wins."""
    if not rows:
        return []
    return [delivery_id for delivery_id, status in session.execute(*_insert(session, rows, now))
            if status == S.pending.value]


def _insert(session: Session, rows: list[tuple[int, Planned, DeliveryStatus]], now: datetime):
    values = [dict(order_id=order_id, kind=planned.kind.value, transport=planned.transport.value,
                   recipient=planned.recipient, status=status.value, payload=planned.payload,
                   attempts=0, created_at=now, sent_at=now if status == S.sent else None,
                   last_error="transport not configured" if status == S.skipped else None)
              for order_id, planned, status in rows]
    if session.get_bind().dialect.name == "postgresql":
        return _UNNEST, {c: [json.dumps(v[c], ensure_ascii=False) if c == "payload" else v[c]
                             for v in values] for c in _COLUMNS}
    return sqlite_insert(Delivery).values(values).on_conflict_do_nothing(
        index_elements=["order_id", "kind"]).returning(Delivery.id, Delivery.status), None


# PostgreSQL: the same statement text for any number of rows (one array per column), so it is
# neither compiled nor parsed again per batch as a many-row VALUES list is
_COLUMNS = {"order_id": "bigint", "kind": "text", "transport": "text", "recipient": "text",
            "status": "text", "payload": "json", "attempts": "integer", "created_at": "timestamptz",
            "sent_at": "timestamptz", "last_error": "text"}
_UNNEST = text(
    f"INSERT INTO {Delivery.__tablename__} ({', '.join(_COLUMNS)}) "
    f"SELECT {', '.join(f'{c}::{t}' if t == 'json' else c for c, t in _COLUMNS.items())} FROM unnest("
    + ", ".join(f"CAST(:{c} AS {'text' if t == 'json' else t}[])" for c, t in _COLUMNS.items())
    + f") AS r({', '.join(_COLUMNS)}) ON CONFLICT (order_id, kind) DO NOTHING RETURNING id, status")


def claim(session: Session, *, delivery_id: int, now: datetime,
          stale_after: timedelta) -> Delivery | None:
    """Mark the delivery as being sent, unless it is sent, skipped, or another worker holds it."""
    abandoned = ((Delivery.status == S.sending.value)
                 & (col(Delivery.claimed_at) < now - stale_after))
    claimable = or_(col(Delivery.status).in_([S.pending.value, S.failed.value]), abandoned)
    res = session.execute(update(Delivery).where(Delivery.id == delivery_id, claimable)
                          .values(status=S.sending.value, claimed_at=now,
                                  attempts=Delivery.attempts + 1))
    if res.rowcount != 1:
        return None
    return session.get(Delivery, delivery_id, populate_existing=True)


def finish(session: Session, *, delivery_id: int, status: DeliveryStatus, now: datetime,
           error: str | None = None) -> None:
    session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
        status=status.value, last_error=error[:500] if error else None,
        sent_at=now if status == S.sent else None))


def deliveries_for(session: Session, *, order_id: int) -> list[Delivery]:
    return list(session.exec(select(Delivery).where(Delivery.order_id == order_id)
                             .order_by(Delivery.id)).all())


def recipients(session: Session, *, order_ids: list[int], kind: str) -> set[str]:
    """Who the orders' deliveries of this kind went (or go) to."""
    return set(session.exec(select(Delivery.recipient).where(
        col(Delivery.order_id).in_(order_ids), Delivery.kind == kind)).all())


def waiting(session: Session, *, older_than: datetime, limit: int = 500) -> list[int]:
    """Deliveries still pending (their job was never queued) or held by a worker that died."""
    stmt = select(Delivery.id).where(
        or_(Delivery.status == S.pending.value,
            (Delivery.status == S.sending.value) & (col(Delivery.claimed_at) < older_than)),
        col(Delivery.created_at) < older_than).order_by(Delivery.id).limit(limit)
    return list(session.exec(stmt).all())
