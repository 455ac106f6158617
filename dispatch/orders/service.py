"""Plain reads and writes of orders, hops and the timeline (no notifications, no queue)."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (ARRAY, Integer, and_, any_, cast, event, exists, func, insert, or_, text,
                        union, union_all)
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from dispatch.errors import Conflict, NotFound
from dispatch.orders.enums import OPEN_HOP_STATUSES, HopRole, State
from dispatch.orders.models import Assignment, Attachment, Order, TimelineEntry
from dispatch.sqltypes import new_row, plain_row, not_starts_with, starts_with, utcnow


def reach_clause(unit_path: str):
    """Orders a unit may see: owned by a platform inside it, or with a hop to a unit inside it."""
    return or_(starts_with(col(Order.platform_path), unit_path), _hop_into(unit_path))


def _hop_into(unit_path: str):
    return exists(select(Assignment.id).where(Assignment.order_id == Order.id,
                                              starts_with(col(Assignment.to_path), unit_path)))


def newest_reached(unit_path: str, *conds, newest: int):
    """Ids of the ``newest`` orders the unit reaches that meet ``conds`` (``Order.id IN``): the
    union of each half's newest, so a keyset page is read through the halves' indexes."""
    # the halves may overlap here (the union drops the repeats): "not owned" beside the hop
    # (as in count_by_state) misleads the planner, which takes the two for independent when
    # they seldom are, and walks every order looking for the hop half's newest
    halves = [select(Order.id).where(half, *conds).order_by(col(Order.id).desc()).limit(newest)
              for half in (starts_with(col(Order.platform_path), unit_path), _hop_into(unit_path))]
    return union(*[select(half.subquery().c.id) for half in halves])


def get_order(session: Session, *, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(f"order {order_id} not found")
    return order


def get_visible_order(session: Session, *, order_id: int, unit_path: str) -> Order:
    """The order if the unit reaches it; otherwise 404, so its existence is not disclosed."""
    stmt = select(Order).where(Order.id == order_id, reach_clause(unit_path))
    order = session.exec(stmt).first()
    if order is None:
        raise NotFound(f"order {order_id} not found")
    return order


def within_reach(session: Session, *, order_id: int, unit_path: str) -> bool:
    """Whether the unit may see the order (as ``get_visible_order`` decides)."""
    stmt = select(Order.id).where(Order.id == order_id, reach_clause(unit_path))
    return session.exec(stmt).first() is not None


def find_by_external(session: Session, *, channel: str, external_id: str) -> Order | None:
    return session.exec(select(Order).where(Order.channel == channel,
                                            Order.external_id == external_id)).first()


HOP_CACHE = "hops_by_order"
HOP_IDS = "hop_ids"                 # ids reserved for new hops, see reserve_ids
TIMELINE_IDS = "timeline_ids"       # and for new timeline rows


def hops(session: Session, *, order_id: int) -> list[Assignment]:
    known = session.info.get(HOP_CACHE, {}).get(order_id)
    if known is not None:
        return list(known)
    return list(session.exec(select(Assignment).where(Assignment.order_id == order_id)
                             .order_by(Assignment.id)).all())


def keep_hops(session: Session, order_ids: list[int]) -> None:
    """Read the hops of these orders once and keep them for the session (the routing job's
    batches): every later `hops()` of them is answered from memory, a hop added through
    `add_hop` joins them, and a rollback forgets them all (see `forget_hops`). The session must
    not expire on commit, or each kept hop would be read again."""
    if not order_ids:
        return
    cache = session.info.setdefault(HOP_CACHE, {})
    for order_id in order_ids:
        cache[order_id] = []
    for hop in session.exec(select(Assignment).where(col(Assignment.order_id).in_(order_ids))
                            .order_by(Assignment.id)):
        cache[hop.order_id].append(hop)


def reserve_ids(session: Session, n: int) -> None:
    """PostgreSQL: take ids for the next ``n`` hops and ``n`` timeline rows from their
    sequences in one statement (the routing job's batches), so that a new hop needs no INSERT
    of its own to learn its id, and the batch's rows are written without RETURNING (one
    statement text for any batch, sent as one pipelined executemany). Other databases:
    nothing, each hop is inserted at once. An id left unused is a gap in the sequence, as a
    rolled-back insert leaves."""
    if n <= 0 or session.get_bind().dialect.name != "postgresql":
        return
    rows = session.execute(text(
        "SELECT nextval(pg_get_serial_sequence('assignment', 'id')), "
        "nextval(pg_get_serial_sequence('timeline_entry', 'id')) FROM generate_series(1, :n)"),
        {"n": n}).all()
    session.info[HOP_IDS] = sorted((r[0] for r in rows), reverse=True)
    session.info[TIMELINE_IDS] = sorted((r[1] for r in rows), reverse=True)


def _take_reserved_id(session: Session, row: Any, key: str) -> bool:
    """Give ``row`` a reserved id of ``key`` (see ``reserve_ids``), if it has none and one is
    left; whether it has an id now."""
    spare = session.info.get(key)
    if row.id is None and spare:
        row.id = spare.pop()
    return row.id is not None


def add_hop(session: Session, hop: Assignment) -> None:
    """The hop with its id: a reserved one, or inserted now for it; the order's own changes
    wait for its one UPDATE."""
    session.add(hop)
    if not _take_reserved_id(session, hop, HOP_IDS):
        session.flush([hop])
    known = session.info.get(HOP_CACHE, {}).get(hop.order_id)
    if known is not None:
        known.append(hop)


@event.listens_for(OrmSession, "after_soft_rollback")
def forget_hops(session: Session, _transaction=None) -> None:
    """A rollback may have undone hops added since they were read: read them again."""
    session.info.pop(HOP_CACHE, None)
    session.info.pop(HOP_IDS, None)
    session.info.pop(TIMELINE_IDS, None)
    session.info.pop(HELD_TIMELINE, None)


def timeline(session: Session, *, order_id: int) -> list[TimelineEntry]:
    return list(session.exec(select(TimelineEntry).where(TimelineEntry.order_id == order_id)
                             .order_by(TimelineEntry.id)).all())


def open_cohandler_hops(session: Session, *, order_id: int) -> list[Assignment]:
    return [h for h in hops(session, order_id=order_id)
            if h.role == HopRole.cohandler.value and h.status in OPEN_HOP_STATUSES]


def bump_version(session: Session, *, order: Order) -> None:
    """Optimistic lock: the transition only counts if nobody moved the order meanwhile. The
    order's next UPDATE carries the check (WHERE version = the one read, the mapper's
    version_id_col); `stale` turns its failure into a Conflict."""
    order.version += 1


ONE_TRANSACTION = "orders.one_transaction"


@contextmanager
def one_transaction(session: Session):
    """The transitions inside share the caller's transaction: none commits on its own, the
    caller commits them all at once (or rolls them all back)."""
    session.info[ONE_TRANSACTION] = True
    try:
        yield
    finally:
        session.info.pop(ONE_TRANSACTION, None)


def in_one_transaction(session: Session) -> bool:
    return bool(session.info.get(ONE_TRANSACTION))


def commit(session: Session) -> None:
    """A transition's commit, unless it is part of a larger transaction (`one_transaction`)."""
    if not in_one_transaction(session):
        session.commit()


@contextmanager
def stale(session: Session):
    """Flushes inside: an order changed by someone else since it was read is a Conflict, with
    the transaction rolled back."""
    try:
        yield
    except StaleDataError:
        session.rollback()
        raise Conflict("the order was changed by someone else meanwhile; reload it") from None


def append_timeline(session: Session, **fields: Any) -> None:
    """A timeline row, written with the transaction. With an id reserved for it (the routing
    job's groups, see ``reserve_ids``) it is held as a plain row, and the transaction's rows are
    inserted by one statement as it commits (``_write_timeline``): building ORM objects and
    having the flush collect them cost about 5 % of the routing job's CPU. Such a row is not
    read back before the commit (nothing in a routing job reads the timeline). Otherwise an ORM
    row, inserted at the next flush."""
    spare = session.info.get(TIMELINE_IDS)
    if spare and fields.get("id") is None:
        session.info.setdefault(HELD_TIMELINE, []).append(
            plain_row(TimelineEntry, **{**fields, "id": spare.pop()}))
        return
    session.add(new_row(TimelineEntry, **fields))


HELD_TIMELINE = "timeline_rows"     # timeline rows held until the commit, see append_timeline


@event.listens_for(OrmSession, "before_commit")
def _write_timeline(session: Session) -> None:
    rows = session.info.pop(HELD_TIMELINE, None)
    if rows:
        session.execute(insert(TimelineEntry.__table__), rows)   # Core: no ORM bulk path


@dataclass
class OrderFilter:
    state: list[str] | None = None
    unit_path: str | None = None
    channel: str | None = None
    category: str | None = None
    overdue: bool | None = None
    q: str | None = None
    inbox_unit_path: str | None = None     # open hops held exactly by this unit
    division_path: str | None = None


def list_orders(session: Session, *, reach_path: str, flt: OrderFilter, now: datetime,
                before_id: int | None, limit: int) -> list[Order]:
    """Newest first, keyset-paginated on id."""
    stmt = filtered(select(Order), reach_path=reach_path, flt=flt, now=now, before_id=before_id,
                    newest=limit)
    return list(session.exec(stmt.order_by(col(Order.id).desc()).limit(limit)).all())


def filtered(stmt, *, reach_path: str, flt: OrderFilter, now: datetime,
             before_id: int | None = None, newest: int | None = None):
    """``stmt`` narrowed to the orders within reach that match the filter (lists and exports);
    ``before_id`` and ``newest``: a keyset page (see ``newest_reached``)."""
    conds = []
    if flt.state:
        conds.append(col(Order.state).in_(flt.state))
    if flt.unit_path:
        conds.append(reach_clause(flt.unit_path))
    if flt.inbox_unit_path:
        conds.append(exists(select(Assignment.id).where(
            Assignment.order_id == Order.id, Assignment.to_path == flt.inbox_unit_path,
            col(Assignment.status).in_([s.value for s in OPEN_HOP_STATUSES]))))
    if flt.division_path:
        conds.append(starts_with(col(Order.division_path), flt.division_path))
    if flt.channel:
        conds.append(Order.channel == flt.channel)
    if flt.category:
        conds.append(Order.category == flt.category)
    if flt.overdue is not None:
        open_states = [s.value for s in (State.dispatched, State.handling, State.return_requested,
                                         State.suspended)]
        overdue = (col(Order.due_at) < now) & col(Order.state).in_(open_states)
        conds.append(overdue if flt.overdue else ~overdue)
    if flt.q:   # autoescape: a % or _ typed is searched for, not a wildcard
        conds.append(or_(*(col(c).contains(flt.q, autoescape=True) for c in (
            Order.title, Order.content, Order.number, Order.address))))
    if before_id:
        conds.append(Order.id < before_id)
    if newest is None:      # an export: every order in reach, streamed newest first
        return stmt.where(reach_clause(reach_path), *conds)
    return stmt.where(col(Order.id).in_(newest_reached(reach_path, *conds, newest=newest)))


def count_by_state(session: Session, *, reach_path: str) -> dict[str, int]:
    """Orders in reach by state, as two disjoint halves counted apart and added up: the orders
    of the platforms inside the unit (from the ``platform_path`` index), and the others with a
    hop to a unit inside it, found from the hops (the ``to_path`` index). With the two OR-ed in
    one WHERE, PostgreSQL walked every order. On PostgreSQL the second half looks its orders up
    by id from the hops' list (``= ANY``): as a semi-join, the planner read every order of the
    other platforms instead."""
    hop_ids = select(Assignment.order_id).where(starts_with(col(Assignment.to_path), reach_path))
    if session.get_bind().dialect.name == "postgresql":
        ids = hop_ids.with_only_columns(func.array_agg(Assignment.order_id)).scalar_subquery()
        via_hop = col(Order.id) == any_(cast(ids, ARRAY(Integer)))   # one array, not a subquery
    else:
        via_hop = col(Order.id).in_(hop_ids)
    halves = [select(Order.state, func.count()).where(half).group_by(Order.state) for half in (
        starts_with(col(Order.platform_path), reach_path),
        and_(not_starts_with(col(Order.platform_path), reach_path), via_hop))]
    counts: dict[str, int] = {}
    for state, n in session.execute(union_all(*halves)).all():
        counts[state] = counts.get(state, 0) + n
    return counts


def stale_received(session: Session, *, older_than: datetime, limit: int = 500,
                   after_id: int = 0) -> list[int]:
    """Orders acknowledged but still unrouted (Redis was down, a worker died), by id from
    ``after_id`` on."""
    stmt = select(Order.id).where(Order.state == State.received.value, col(Order.id) > after_id,
                                  col(Order.updated_at) < older_than).order_by(Order.id).limit(limit)
    return list(session.exec(stmt).all())


def orders_by_phone(session: Session, *, phone: str, reach_path: str, limit: int = 20) -> list[Order]:
    stmt = select(Order).where(Order.citizen_phone == phone, reach_clause(reach_path))
    return list(session.exec(stmt.order_by(col(Order.id).desc()).limit(limit)).all())


def link_attachments(session: Session, *, order_id: int, ids: list[int],
                     uploaded_by: int | None) -> None:
    """Tie an actor's own unlinked uploads to the order, so everyone who sees it may open them."""
    if not ids:
        return
    for att in session.exec(select(Attachment).where(col(Attachment.id).in_(ids))).all():
        if att.order_id is None and att.uploaded_by == uploaded_by:
            att.order_id = order_id
            session.add(att)


def touch(order: Order) -> None:
    order.updated_at = utcnow()
