"""KPI aggregates kept exact: each order's contribution is retracted and re-added on every change.

``refresh_order`` is idempotent (a re-run adds a zero difference) and safe under concurrency:
it write-locks the order's fact row before reading the order, so two refreshes of one order
run one after the other and the later one sees the latest committed order. Aggregate rows
are updated in sorted key order, so concurrent refreshes of different orders cannot deadlock.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, insert, select as sa_select, update
from sqlmodel import Session, col, select

from dispatch.orders.enums import TERMINAL_STATES
from dispatch.orders.models import Assignment, Order
from dispatch.sqltypes import utcnow
from sla import counts
from sla.service import insert_on_conflict
from sla.models import KpiFact, kpi_aggregate, kpi_unit_aggregate

FINAL_STATES = frozenset(s.value for s in TERMINAL_STATES)
TABLES = (kpi_aggregate, kpi_unit_aggregate)
FullKey = tuple[date, str, str, str]                 # day, unit path, channel, category
AggKey = tuple                                       # a table's primary key values, in order


def dims(order: Any) -> tuple[str, str]:
    """(channel, category) of an order as stored in the aggregates ("" = not classified)."""
    return order.channel or "", order.category or ""


def with_dims(contrib: counts.Contribution, channel: str, category: str) -> dict[FullKey, dict]:
    return {(day, path, channel, category): c for (day, path), c in contrib.items()}


def rollups(full: Mapping[FullKey, Mapping[str, int]]) -> dict[Table, dict[AggKey, dict[str, int]]]:
    """Each day bucket summed into its rows: by day and by month, with and without the dims."""
    out: dict[Table, dict[AggKey, dict[str, int]]] = {t: {} for t in TABLES}
    by_dims, by_unit = out[kpi_aggregate], out[kpi_unit_aggregate]
    for (day, path, channel, category), values in full.items():
        month = day.replace(day=1)
        for grain, start in (("d", day), ("m", month)):
            counts.accumulate(by_dims, (grain, start, path, channel, category), values)
            counts.accumulate(by_unit, (grain, start, path), values)
    return out


def key_columns(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def as_rows(table: Table, agg: Mapping[AggKey, Mapping[str, int]]) -> list[dict[str, Any]]:
    """Statement parameters, sorted by key (the lock order), every count present."""
    keys = key_columns(table)
    return [{**dict(zip(keys, key)), **{n: values.get(n, 0) for n in counts.COUNT_FIELDS}}
            for key, values in sorted(agg.items())]


def add_to_aggregates(session: Session, agg: Mapping[Table, Mapping[AggKey, Mapping[str, int]]]) -> None:
    """Add (or subtract) per-row amounts: one upsert per row."""
    for table in TABLES:
        rows = as_rows(table, agg.get(table, {}))
        if not rows:
            continue
        ins = insert_on_conflict(session, table)
        stmt = ins.on_conflict_do_update(
            index_elements=key_columns(table),
            set_={n: table.c[n] + ins.excluded[n] for n in counts.COUNT_FIELDS})
        session.execute(stmt, rows)


def _lock_fact(session: Session, order_id: int) -> KpiFact:
    blank = {"order_id": order_id, "version": -1, "final": False, "channel": "", "category": "",
             "updated_at": utcnow()}
    session.execute(insert_on_conflict(session, KpiFact.__table__).values(**blank)
                    .on_conflict_do_nothing(index_elements=["order_id"]))
    # A no-op update write-locks the row on PostgreSQL and the database on SQLite.
    session.execute(update(KpiFact).where(KpiFact.order_id == order_id)
                    .values(version=KpiFact.version))
    return session.exec(select(KpiFact).where(KpiFact.order_id == order_id)
                        .execution_options(populate_existing=True)).one()


def hops_of(session: Session, order_id: int) -> list[Assignment]:
    stmt = select(Assignment).where(Assignment.order_id == order_id).order_by(col(Assignment.id))
    return list(session.exec(stmt.execution_options(populate_existing=True)).all())


def refresh_order(session: Session, *, order_id: int) -> bool:
    """Bring the aggregates in line with the order as committed; True if anything changed.

    Commits. The caller passes a session of its own (not one holding other pending work).
    """
    fact = _lock_fact(session, order_id)
    order = session.exec(select(Order).where(Order.id == order_id)
                         .execution_options(populate_existing=True)).first()
    if fact.final or order is None:
        session.commit()
        return False
    new = counts.contribution(order, hops_of(session, order_id))
    old = counts.from_json(fact.buckets)
    delta = counts.difference(with_dims(new, *dims(order)), with_dims(old, fact.channel, fact.category))
    add_to_aggregates(session, rollups(delta))
    final = order.state in FINAL_STATES
    fact.version, fact.final, fact.updated_at = order.version, final, utcnow()
    fact.channel, fact.category = dims(order)
    fact.buckets = None if final else counts.to_json(new)
    session.add(fact)
    session.commit()
    return bool(delta)


def stale_order_ids(session: Session, *, since: datetime, limit: int = 5000) -> list[int]:
    """Orders whose fact is missing or behind: open ones, and ones received or closed since."""
    fact = KpiFact.__table__
    behind = (fact.c.order_id.is_(None)) | ((fact.c.final.is_(False))
                                            & (fact.c.version != Order.__table__.c.version))
    recent = (~col(Order.state).in_(FINAL_STATES)) | (col(Order.received_at) >= since) \
        | (col(Order.closed_at) >= since)
    stmt = (sa_select(Order.__table__.c.id)
            .select_from(Order.__table__.outerjoin(fact, fact.c.order_id == Order.__table__.c.id))
            .where(recent, behind).order_by(Order.__table__.c.id).limit(limit))
    return list(session.execute(stmt).scalars())


def _batches(session: Session, size: int) -> Iterator[tuple[list[Order], dict[int, list]]]:
    last = 0
    while True:
        orders = list(session.exec(select(Order).where(Order.id > last)
                                   .order_by(col(Order.id)).limit(size)).all())
        if not orders:
            return
        ids = [o.id for o in orders]
        hops: dict[int, list] = {i: [] for i in ids}
        for hop in session.exec(select(Assignment).where(col(Assignment.order_id).in_(ids))
                                .order_by(col(Assignment.id))).all():
            hops[hop.order_id].append(hop)
        yield orders, hops
        last = ids[-1]
        session.expunge_all()


def rebuild(session: Session, *, batch: int = 2000) -> int:
    """Recompute every fact and aggregate from the orders (repair, or after a bulk import)."""
    for table in (*TABLES, KpiFact.__table__):
        session.execute(delete(table))
    total: dict[FullKey, dict[str, int]] = {}
    n = 0
    for orders, hops in _batches(session, batch):
        facts = []
        for order in orders:
            contrib = counts.contribution(order, hops[order.id])
            for key, values in with_dims(contrib, *dims(order)).items():
                counts.accumulate(total, key, values)
            final = order.state in FINAL_STATES
            facts.append({"order_id": order.id, "version": order.version, "final": final,
                          "channel": dims(order)[0], "category": dims(order)[1],
                          "buckets": None if final else counts.to_json(contrib),
                          "updated_at": utcnow()})
        session.execute(insert(KpiFact.__table__), facts)
        n += len(orders)
    for table, agg in rollups(total).items():
        rows = as_rows(table, agg)
        for i in range(0, len(rows), 5000):
            session.execute(insert(table), rows[i:i + 5000])
    session.commit()
    return n

