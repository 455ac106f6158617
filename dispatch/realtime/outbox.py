"""Live events kept in the database while Redis is down, published once it answers again.

A push that Redis refuses (``Broker._push``) is written here, one row per push (an event or a
batch), and the process's recovery task (dispatch/jobs/recovery.py) publishes the rows as soon
as a ping succeeds; the sweeper publishes what a process that died left behind.

Once each: publishing takes the unpublished rows under ``FOR UPDATE SKIP LOCKED`` (two API
replicas recovering together publish disjoint rows) and marks them published in the same
transaction; every event carries an ``event_id`` (``o<row>.<index>``) on which each relay drops
a repeat (``LocalHub``). A relay that reconnects after the rows went out replays them from here
(``replay_since``), which is why published rows are kept for ``KEEP`` before they are deleted.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, or_, select

from dispatch.db import get_engine
from dispatch.realtime.models import OutboxEvent
from dispatch.sqltypes import utcnow

log = logging.getLogger(__name__)
BATCH = 200                  # rows per Redis message
KEEP = timedelta(hours=1)    # a published row stays this long, for relays that replay it


def keep(events: list[dict[str, Any]]) -> bool:
    """Store events Redis did not take; False (logged) if the database refuses too."""
    plain = json.loads(json.dumps(events, ensure_ascii=False, default=str))
    try:
        with Session(get_engine()) as session:
            session.add(OutboxEvent(events=plain))
            session.commit()
        return True
    except Exception:
        log.exception("could not keep %d live events in the outbox; they are lost", len(events))
        return False


def with_ids(row: OutboxEvent) -> list[dict[str, Any]]:
    return [{**event, "event_id": f"o{row.id}.{i}"} for i, event in enumerate(row.events)]


def publish_pending(send: Callable[[str], None]) -> int:
    """Send every unpublished row (``send`` raises if Redis is still away: the rows stay);
    returns how many events went out. Forgets rows published more than ``KEEP`` ago."""
    sent = 0
    while True:
        with Session(get_engine(), expire_on_commit=False) as session:
            rows = session.exec(select(OutboxEvent)
                                .where(col(OutboxEvent.published_at).is_(None))
                                .order_by(col(OutboxEvent.id)).limit(BATCH)
                                .with_for_update(skip_locked=True)).all()
            now = utcnow()
            if not rows:
                session.exec(delete(OutboxEvent).where(col(OutboxEvent.published_at) < now - KEEP))
                session.commit()
                return sent
            events = [event for row in rows for event in with_ids(row)]
            send(json.dumps(events, ensure_ascii=False, default=str))
            for row in rows:
                row.published_at = now
                session.add(row)
            session.commit()
            sent += len(events)


def replay_since(since: datetime) -> list[dict[str, Any]]:
    """Events a relay that lost Redis at ``since`` may have missed: those published since, and
    those not yet published (they come again through Redis; the relay drops the repeat)."""
    with Session(get_engine()) as session:
        rows = session.exec(select(OutboxEvent).where(or_(
            col(OutboxEvent.published_at).is_(None), col(OutboxEvent.published_at) >= since))
            .order_by(col(OutboxEvent.id))).all()
    return [event for row in rows for event in with_ids(row)]
