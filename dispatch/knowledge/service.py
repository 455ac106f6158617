"""Knowledge base reads and writes, and the search index kept in step with the table.

Every process keeps its own index; a search first compares a cheap signature of the table
(count, newest update, highest id) and rebuilds when another process changed the entries.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from dispatch.errors import NotFound
from dispatch.knowledge.index import Bm25Index, Document
from dispatch.knowledge.models import KbEntry, KbEntryWrite
from dispatch.sqltypes import utcnow

SEED_FILE = Path(__file__).resolve().parent.parent / "data" / "knowledge_seed.json"

_lock = threading.Lock()
_cache: dict[str, object] = {"signature": None, "index": None}


def _signature(session: Session) -> tuple:
    return tuple(session.exec(select(func.count(KbEntry.id), func.max(KbEntry.updated_at),
                                     func.max(KbEntry.id))).one())


def _index(session: Session) -> Bm25Index:
    sig = _signature(session)
    with _lock:
        if _cache["signature"] != sig or _cache["index"] is None:
            rows = session.exec(select(KbEntry)).all()
            _cache["index"] = Bm25Index(Document(r.id, r.question, tuple(r.keywords), r.answer)
                                        for r in rows)
            _cache["signature"] = sig
        return _cache["index"]


def search(session: Session, *, q: str, limit: int = 10) -> list[tuple[KbEntry, float]]:
    """Entries ranked by BM25 relevance to q."""
    ranked = _index(session).search(q, limit=limit)
    rows = {r.id: r for r in session.exec(select(KbEntry).where(
        col(KbEntry.id).in_([i for i, _ in ranked]))).all()} if ranked else {}
    return [(rows[i], s) for i, s in ranked if i in rows]


def recent(session: Session, *, category: str | None = None, limit: int = 50) -> list[KbEntry]:
    stmt = select(KbEntry)
    if category:
        stmt = stmt.where(KbEntry.category == category)
    return list(session.exec(stmt.order_by(col(KbEntry.updated_at).desc(),
                                           col(KbEntry.id).desc()).limit(limit)).all())


def get_entry(session: Session, *, entry_id: int) -> KbEntry:
    entry = session.get(KbEntry, entry_id)
    if entry is None:
        raise NotFound(f"knowledge entry {entry_id} not found")
    return entry


def create_entry(session: Session, *, data: KbEntryWrite, username: str) -> KbEntry:
    entry = KbEntry(**data.model_dump(), updated_at=utcnow(), updated_by=username)
    session.add(entry)
    session.commit()
    session.refresh(entry)
    return entry


def update_entry(session: Session, *, entry_id: int, data: KbEntryWrite, username: str) -> KbEntry:
    entry = get_entry(session, entry_id=entry_id)
    for key, value in data.model_dump().items():
        setattr(entry, key, value)
    entry.updated_at, entry.updated_by = utcnow(), username
    session.add(entry)
    session.commit()
    session.refresh(entry)
    return entry


def delete_entry(session: Session, *, entry_id: int) -> None:
    session.delete(get_entry(session, entry_id=entry_id))
    session.commit()


def load_seed(session: Session, path: Path = SEED_FILE) -> int:
    """Add the entries of a seed file whose question is not there yet; returns how many."""
    with open(path, encoding="utf-8") as fh:
        items = [KbEntryWrite(**item) for item in json.load(fh)]
    known = set(session.exec(select(KbEntry.question)).all())
    new = [KbEntry(**i.model_dump(), updated_at=utcnow()) for i in items if i.question not in known]
    session.add_all(new)
    session.commit()
    return len(new)
