"""KPI aggregates kept exact: each order's contribution is retracted and re-added on every change.

``refresh_orders`` is idempotent (a re-run adds a zero difference) and safe under concurrency:
it write-locks the orders' fact rows before reading the orders, so two refreshes of one order
run one after the other and the later one sees the latest committed order. Facts are locked in
id order and aggregate rows updated in key order, so concurrent refreshes cannot deadlock.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from dispatch.orders.enums import TERMINAL_STATES
from dispatch.orders.models import Assignment, Order
from dispatch.sqltypes import utcnow
from sla import counts
from sla.models import KpiFact, kpi_aggregate, kpi_import_stage, kpi_unit_aggregate

FINAL_STATES = frozenset(s.value for s in TERMINAL_STATES)
TABLES = (kpi_aggregate, kpi_unit_aggregate)
FullKey = tuple[date, str, str, str]                 # day, unit path, channel, category
AggKey = tuple                                       # a table's primary key values, in order
# what sla.counts.contribution reads (and dims, and the fact's version)
ORDER_FIELDS = ("id", "version", "state", "received_at", "close_kind", "platform_path", "repeat_of_id",
                "master_id", "rehandle_count", "failed_site_checks", "callback", "channel", "category")
HOP_FIELDS = ("id", "order_id", "role", "from_platform", "status", "to_path", "dispatched_at", "deadline",
              "sign_deadline", "signed_at", "reported_at")


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


@lru_cache
def _statements(dialect: str) -> SimpleNamespace:
    """Every statement a refresh runs, built once per dialect (so each is compiled once)."""
    fact, orders, hops = KpiFact.__table__, Order.__table__, Assignment.__table__
    ins = pg_insert if dialect == "postgresql" else sqlite_insert
    if dialect == "postgresql":   # one array parameter: the same SQL text for any number of ids
        among = lambda column: column == func.any(bindparam("ids"))  # noqa: E731
    else:
        among = lambda column: column.in_(bindparam("ids", expanding=True))  # noqa: E731
    upserts = {}
    for table in TABLES:
        stmt = ins(table)
        upserts[table] = stmt.on_conflict_do_update(
            index_elements=key_columns(table),
            set_={n: table.c[n] + stmt.excluded[n] for n in counts.COUNT_FIELDS})
    save = ins(fact)
    return SimpleNamespace(
        upserts=upserts,
        blank_facts=ins(fact).on_conflict_do_nothing(index_elements=["order_id"]),
        # FOR UPDATE on PostgreSQL; on SQLite the blank insert above already took the write lock
        lock_facts=sa_select(fact).where(among(fact.c.order_id)).order_by(fact.c.order_id).with_for_update(),
        orders=sa_select(*[orders.c[n] for n in ORDER_FIELDS]).where(among(orders.c.id)),
        hops=sa_select(*[hops.c[n] for n in HOP_FIELDS]).where(among(hops.c.order_id)).order_by(hops.c.id),
        save_facts=save.on_conflict_do_update(
            index_elements=["order_id"],
            set_={c: save.excluded[c] for c in ("version", "final", "channel", "category", "buckets",
                                                 "updated_at")}))


@lru_cache
def _pg_sql() -> dict[str, Any]:
    """The PostgreSQL statements as SQL text for the driver (``%(name)s`` parameters)."""
    from sqlalchemy.dialects.postgresql.psycopg import dialect

    st, d = _statements("postgresql"), dialect()
    text = {name: str(getattr(st, name).compile(dialect=d))
            for name in ("blank_facts", "lock_facts", "orders", "hops", "save_facts")}
    text["upserts"] = {table: str(stmt.compile(dialect=d)) for table, stmt in st.upserts.items()}
    return text


def add_to_aggregates(session: Session, agg: Mapping[Table, Mapping[AggKey, Mapping[str, int]]]) -> None:
    """Add (or subtract) per-row amounts: one executemany upsert per table, rows in key order."""
    conn = session.connection()
    upserts = _statements(conn.dialect.name).upserts
    for table in TABLES:
        rows = as_rows(table, agg.get(table, {}))
        if rows:
            conn.execute(upserts[table], rows)


class _CoreRefresh:
    """The two phases of a refresh through SQLAlchemy (SQLite): a few statements each."""

    def __init__(self, session: Session) -> None:
        self.session, self.conn = session, session.connection()
        self.st = _statements(self.conn.dialect.name)

    def read(self, ids: list[int], blanks: list[dict]) -> tuple[list, list, list]:
        self.conn.execute(self.st.blank_facts, blanks)
        facts = list(self.conn.execute(self.st.lock_facts, {"ids": ids}))
        # final orders are read too: a closed one may have been rated since (rating_delta)
        return (facts, list(self.conn.execute(self.st.orders, {"ids": ids})),
                list(self.conn.execute(self.st.hops, {"ids": ids})))

    def write(self, agg: Mapping[Table, Mapping[AggKey, Mapping[str, int]]], facts: list[dict]) -> None:
        add_to_aggregates(self.session, agg)
        if facts:
            self.conn.execute(self.st.save_facts, facts)
        self.session.commit()


class _PipelinedRefresh:
    """The same on PostgreSQL through the driver's pipeline: each phase is one round trip, the
    second one including an asynchronous COMMIT (``synchronous_commit = off``)."""

    def __init__(self, session: Session) -> None:
        self.session, self.sql = session, _pg_sql()
        self.raw = session.connection().connection.driver_connection   # in the session's transaction

    def read(self, ids: list[int], blanks: list[dict]) -> tuple[list, list, list]:
        from psycopg.rows import namedtuple_row

        raw, sql = self.raw, self.sql
        with raw.pipeline():
            raw.execute("SELECT set_config('synchronous_commit', 'off', true)")
            raw.cursor().executemany(sql["blank_facts"], blanks)
            # the orders are read after the lock is granted (statements run in order), each with
            # a fresh snapshot: a final order's rows come back too, for a rating since (rating_delta)
            cursors = [raw.cursor(row_factory=namedtuple_row) for _ in range(3)]
            for cur, name in zip(cursors, ("lock_facts", "orders", "hops")):
                cur.execute(sql[name], {"ids": ids})
            return tuple(cur.fetchall() for cur in cursors)

    def write(self, agg: Mapping[Table, Mapping[AggKey, Mapping[str, int]]], facts: list[dict]) -> None:
        from psycopg.types.json import Json

        raw, sql = self.raw, self.sql
        with raw.pipeline():
            for table in TABLES:
                rows = as_rows(table, agg.get(table, {}))
                if rows:
                    raw.cursor().executemany(sql["upserts"][table], rows)
            if facts:
                raw.cursor().executemany(sql["save_facts"], [
                    {**f, "buckets": None if f["buckets"] is None else Json(f["buckets"])} for f in facts])
            self.session.commit()


def _fact_row(order: Any, new: counts.Contribution) -> dict[str, Any]:
    final = order.state in FINAL_STATES
    channel, category = dims(order)
    return {"order_id": order.id, "version": order.version, "final": final, "channel": channel,
            "category": category, "buckets": None if final else counts.to_json(new)}


def rating_delta(order: Any, hops: list) -> counts.Contribution:
    """What the citizen's rating (群众评价) adds to a final order's counted contribution.

    A final order's buckets are not kept, but a closed order changes once more at most: the
    ``rate`` action (the only one a closed order allows, once; every action raises its version).
    So a final fact behind its closed order's version means the rating is not counted yet, and
    its difference is the order's contribution with the rating less the one without."""
    rest = {k: v for k, v in (order.callback or {}).items() if k != "citizen"}
    unrated = SimpleNamespace(**{n: getattr(order, n) for n in ORDER_FIELDS})
    unrated.callback = rest
    return counts.difference(counts.contribution(order, hops), counts.contribution(unrated, hops))


def _unchanged(fact: Any, row: Mapping[str, Any]) -> bool:
    return all(getattr(fact, k) == v for k, v in row.items())


def refresh_orders(session: Session, order_ids: Iterable[int]) -> int:
    """Bring the aggregates in line with these orders as committed; how many changed them.

    One transaction for the lot: the orders' facts are write-locked (in id order) before the
    orders are read, so two refreshes of one order run one after the other and the later one
    sees the latest commit; every order's change is summed first and written with one upsert
    per aggregate table (rows in key order), the facts with one more; an order whose
    contribution and fact are as stored writes nothing. On PostgreSQL the reads are one round
    trip and the writes with the COMMIT another, and the commit does not wait for the disk: a
    refresh lost in a crash takes its fact with it, so the fact stays behind the order and the
    reconcile job redoes it. Commits; the caller passes a session of its own.
    """
    ids = sorted(set(order_ids))
    if not ids:
        return 0
    io = _PipelinedRefresh(session) if session.get_bind().dialect.name == "postgresql" \
        else _CoreRefresh(session)
    now = utcnow()
    blank = {"version": -1, "final": False, "channel": "", "category": "", "buckets": None,
             "updated_at": now}
    fact_rows, order_rows, hop_rows = io.read(ids, [{"order_id": i, **blank} for i in ids])
    facts = {f.order_id: f for f in fact_rows}
    hops: dict[int, list] = {}
    for hop in hop_rows:
        hops.setdefault(hop.order_id, []).append(hop)
    total: dict[FullKey, dict[str, int]] = {}
    saved, changed = [], 0
    for order in order_rows:
        fact = facts[order.id]
        if fact.final:
            if order.version != fact.version and (order.callback or {}).get("citizen"):
                delta = with_dims(rating_delta(order, hops.get(order.id, [])), *dims(order))
                for key, values in delta.items():
                    counts.accumulate(total, key, values)
                changed += bool(delta)
                saved.append({**_fact_row(order, {}), "updated_at": now})
            continue
        new = counts.contribution(order, hops.get(order.id, []))
        delta = counts.difference(with_dims(new, *dims(order)),
                                  with_dims(counts.from_json(fact.buckets), fact.channel, fact.category))
        for key, values in delta.items():
            counts.accumulate(total, key, values)
        changed += bool(delta)
        row = _fact_row(order, new)
        if not _unchanged(fact, row):
            saved.append({**row, "updated_at": now})
    io.write(rollups(total), saved)
    return changed


def refresh_order(session: Session, *, order_id: int) -> bool:
    """``refresh_orders`` for one order; True if it changed the aggregates."""
    return refresh_orders(session, [order_id]) > 0


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


def order_batches(session: Session, size: int) -> Iterator[tuple[list[Order], dict[int, list]]]:
    """Every order (in id order) with its hops, ``size`` orders at a time."""
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
    for table in (*TABLES, KpiFact.__table__, kpi_import_stage):
        session.execute(delete(table))
    total: dict[FullKey, dict[str, int]] = {}
    n = 0
    for orders, hops in order_batches(session, batch):
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


def fold_import_stage(conn: Connection, part: int = 0, parts: int = 1) -> int:
    """Move the bulk import's staged day buckets (``kpi_import_stage``) into the aggregates, in
    the caller's transaction; returns how many staged rows were folded.

    PostgreSQL: one statement moves the rows out (only those committed: a batch still being
    written stays for the next fold), then each table gets one upsert per grain, grouped and in
    key order (the lock order of the live updates). ``parts`` > 1 folds the share of the unit
    paths hashing to ``part``: parts touch disjoint aggregate rows, so they can run side by side.
    Other databases (one writer at a time): read, delete, add.
    """
    if conn.execute(sa_select(kpi_import_stage.c.day).limit(1)).first() is None:
        return 0                  # nothing staged: no write, no lock
    if conn.dialect.name != "postgresql":
        rows = conn.execute(sa_select(kpi_import_stage)).all()
        conn.execute(delete(kpi_import_stage))
        full: dict[FullKey, dict[str, int]] = {}
        for row in rows:
            counts.accumulate(full, tuple(row[:4]), dict(zip(counts.COUNT_FIELDS, row[4:])))
        with Session(bind=conn) as session:
            add_to_aggregates(session, rollups(full))
        return len(rows)
    share = "" if parts == 1 else f" WHERE mod(hashtext(unit_path) & 2147483647, {int(parts)}) = {int(part)}"
    moved = conn.exec_driver_sql(
        "CREATE TEMP TABLE sla_folding AS WITH moved AS "
        f"(DELETE FROM {kpi_import_stage.name}{share} RETURNING *) SELECT * FROM moved").rowcount
    if moved:
        sums = ", ".join(f'SUM("{n}")' for n in counts.COUNT_FIELDS)
        for table, dims in ((kpi_aggregate, ", channel, category"), (kpi_unit_aggregate, "")):
            keys = key_columns(table)
            names = ", ".join(f'"{c}"' for c in keys + list(counts.COUNT_FIELDS))
            adds = ", ".join(f'"{n}" = {table.name}."{n}" + excluded."{n}"' for n in counts.COUNT_FIELDS)
            for grain, start in (("d", "day"), ("m", "date_trunc('month', day)::date")):
                conn.exec_driver_sql(
                    f"INSERT INTO {table.name} ({names}) SELECT '{grain}', {start}, unit_path{dims}, {sums} "
                    f"FROM sla_folding GROUP BY 2, unit_path{dims} ORDER BY 2, unit_path{dims} "
                    f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {adds}")
    conn.exec_driver_sql("DROP TABLE sla_folding")
    return moved
