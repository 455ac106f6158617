"""Writing one batch of parsed historical orders in one transaction (``bulk_import``).

A batch is its orders, their hops, one timeline row each, their KPI facts and the aggregate
sums, so an order is either fully there or not at all. ``(channel, external_id)`` is unique:
a pair already stored is skipped. PostgreSQL: one query finds the pairs already stored,
the others' orders, hops, timeline rows and facts are written by COPY, the aggregates by one
upsert from a staging table. Other databases (SQLite): plain INSERTs.
"""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from dispatch.config import get_settings
from dispatch.orders import copy_rows as cr
from dispatch.orders.import_rows import SHANGHAI, ImportRow
from dispatch.orders.models import Assignment, Order, TimelineEntry
from sla import aggregates, counts
from sla.models import KpiFact, kpi_aggregate, kpi_unit_aggregate

ACTOR = "批量导入"
ORDER = Order.__table__
FACT_COLS = [c.name for c in KpiFact.__table__.columns]
DAY_COLS = ["day", "unit_path", "channel", "category", *counts.COUNT_FIELDS]
DAY_TYPES = ["date", "text", "text", "text", *["integer"] * len(counts.COUNT_FIELDS)]


def _timeline(order: dict) -> dict:
    return {"order_id": order["id"], "at": order["created_at"], "actor_name": ACTOR,
            "actor_role": "system", "action": "import", "from_state": None,
            "to_state": order["state"], "data": {"channel": order["channel"],
                                                 "external_id": order["external_id"]}}


def _facts_and_days(rows: list[ImportRow], order_tpl: dict, hop_tpl: dict,
                    now: datetime) -> tuple[list[dict], dict]:
    """Each order's KPI fact (final: it never changes again) and the batch's day buckets."""
    facts, days = [], {}
    for row in rows:
        o = row.order
        hops = [SimpleNamespace(**{**hop_tpl, **row.hop})] if row.hop else []
        contrib = counts.contribution(SimpleNamespace(**{**order_tpl, **o}), hops)
        channel, category = o["channel"], o.get("category") or ""
        for key, values in aggregates.with_dims(contrib, channel, category).items():
            counts.accumulate(days, key, values)
        facts.append({"order_id": o["id"], "version": o["version"], "final": True,
                      "channel": channel, "category": category, "buckets": None, "updated_at": now})
    return facts, days


class Writer:
    """Writes one batch in one transaction; returns how many orders were new."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.order_tpl, self.hop_tpl = cr.templates()
        self.prefix = get_settings().order_prefix

    def number(self, order_id: int, received: datetime) -> str:
        """As intake numbers them, dated by the day the order was received (Beijing)."""
        return f"{self.prefix}{received.astimezone(SHANGHAI):%Y%m%d}{order_id:07d}"

    def write(self, batch: list[ImportRow], now: datetime) -> int:
        try:
            new = self._write(batch, now)
            self.commit()
            return new
        except BaseException:
            self.rollback()
            raise

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def _write(self, batch: list[ImportRow], now: datetime) -> int:
        raise NotImplementedError


class PostgresWriter(Writer):
    """The pairs already stored are skipped; the rest is written by COPY."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.pg = pg = conn.connection.driver_connection

        def shape(table: str, cols: list[str], template: dict) -> cr.RowShape:
            return cr.RowShape(cols, template, cr.column_types(pg, table, cols))

        self.order_shape = shape("work_order", cr.ORDER_COLS, self.order_tpl)
        self.hop_shape = shape("assignment", [c for c in cr.HOP_COLS if c != "id"], self.hop_tpl)
        self.timeline_shape = shape("timeline_entry", [c for c in cr.TIMELINE_COLS if c != "id"],
                                    {"data": {}, "attachment_ids": []})
        self.fact_shape = shape("sla_kpi_fact", FACT_COLS, {})
        cur = self.pg.cursor()
        counts_sql = ", ".join(f'"{n}" integer' for n in counts.COUNT_FIELDS)
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS import_day (day date, unit_path text COLLATE \"C\", "
                    f"channel text, category text, {counts_sql}) ON COMMIT DELETE ROWS")
        # a lost last batch after a crash is harmless: the re-run adds what is missing
        cur.execute("SET synchronous_commit = off")
        self.commit()

    # the batch runs on the driver's connection, which SQLAlchemy does not track
    def commit(self) -> None:
        self.pg.commit()

    def rollback(self) -> None:
        self.pg.rollback()

    def _write(self, batch: list[ImportRow], now: datetime) -> int:
        cur = self.pg.cursor()
        stored = set(cur.execute(
            "SELECT channel, external_id FROM work_order WHERE (channel, external_id) IN "
            "(SELECT * FROM unnest(%s::text[], %s::text[]))",
            ([r.order["channel"] for r in batch], [r.order["external_id"] for r in batch])).fetchall())
        new = [r for r in batch if (r.order["channel"], r.order["external_id"]) not in stored]
        if not new:
            return 0
        ids = [r[0] for r in cur.execute(
            "SELECT nextval(pg_get_serial_sequence('work_order', 'id')) FROM generate_series(1, %s)",
            (len(new),)).fetchall()]
        for row, order_id in zip(new, ids):
            row.order.update(id=order_id, number=self.number(order_id, row.order["received_at"]))
            if row.hop:
                row.hop["order_id"] = order_id
        # straight into the table: a pair another worker stores meanwhile fails the batch,
        # which is then run again (see bulk_import.RETRIES)
        self._copy("work_order", self.order_shape, [r.order for r in new])
        self._copy("assignment", self.hop_shape, [r.hop for r in new if r.hop])
        self._copy("timeline_entry", self.timeline_shape, [_timeline(r.order) for r in new])
        facts, days = _facts_and_days(new, self.order_tpl, self.hop_tpl, now)
        self._copy("sla_kpi_fact", self.fact_shape, facts)
        self._add_days(cur, days)
        return len(new)

    def _copy(self, table: str, shape: cr.RowShape, values: list[dict]) -> None:
        cr.copy_rows(self.pg, table, shape.cols, [shape.row(v) for v in values], shape.types)

    def _add_days(self, cur, days: dict) -> None:
        """Stage the day buckets; add them and their month and per-unit sums, in key order
        (the lock order of the live KPI updates)."""
        if not days:
            return
        zeros = [0] * len(counts.COUNT_FIELDS)
        cr.copy_rows(self.pg, "import_day", DAY_COLS,
                     [(*key, *map(values.get, counts.COUNT_FIELDS, zeros)) for key, values in days.items()],
                     DAY_TYPES)
        sums = ", ".join(f'SUM("{n}")' for n in counts.COUNT_FIELDS)
        month = "date_trunc('month', day)::date"
        for table, dims in ((kpi_aggregate, ", channel, category"), (kpi_unit_aggregate, "")):
            keys = aggregates.key_columns(table)
            names = ", ".join(f'"{c}"' for c in keys + list(counts.COUNT_FIELDS))
            adds = ", ".join(f'"{n}" = {table.name}."{n}" + excluded."{n}"' for n in counts.COUNT_FIELDS)
            for grain, start in (("d", "day"), ("m", month)):
                cur.execute(f"INSERT INTO {table.name} ({names}) SELECT '{grain}', {start}, unit_path{dims}, "
                            f"{sums} FROM import_day GROUP BY 2, unit_path{dims} ORDER BY 2, unit_path{dims} "
                            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {adds}")


class PlainWriter(Writer):
    """Any database (SQLite): skip the pairs already stored, INSERT the rest in batches."""

    def _write(self, batch: list[ImportRow], now: datetime) -> int:
        conn = self.conn
        wanted = {(r.order["channel"], r.order["external_id"]) for r in batch}
        stored: set[tuple[str, str]] = set()
        ext = [k[1] for k in wanted]
        for i in range(0, len(ext), 500):
            stored |= set(conn.execute(select(ORDER.c.channel, ORDER.c.external_id)
                                       .where(ORDER.c.external_id.in_(ext[i:i + 500]))).all())
        new = [r for r in batch if (r.order["channel"], r.order["external_id"]) not in stored]
        if not new:
            return 0
        conn.execute(insert(ORDER), [{**self.order_tpl, **r.order, "id": None} for r in new])
        by_key = {}
        for i in range(0, len(new), 500):
            by_key.update(((c, e), oid) for oid, c, e in conn.execute(
                select(ORDER.c.id, ORDER.c.channel, ORDER.c.external_id)
                .where(ORDER.c.external_id.in_([r.order["external_id"] for r in new[i:i + 500]]))).all())
        for r in new:
            r.order["id"] = by_key[(r.order["channel"], r.order["external_id"])]
            r.order["number"] = self.number(r.order["id"], r.order["received_at"])
            if r.hop:
                r.hop["order_id"] = r.order["id"]
        conn.execute(update(ORDER).where(ORDER.c.id == bindparam("oid")).values(number=bindparam("num")),
                     [{"oid": r.order["id"], "num": r.order["number"]} for r in new])
        hops = [{**self.hop_tpl, **r.hop, "id": None} for r in new if r.hop]
        if hops:
            conn.execute(insert(Assignment), hops)
        conn.execute(insert(TimelineEntry), [{"attachment_ids": [], "reason": None,
                                              **_timeline(r.order)} for r in new])
        facts, days = _facts_and_days(new, self.order_tpl, self.hop_tpl, now)
        conn.execute(insert(KpiFact), facts)
        with Session(bind=conn) as session:
            aggregates.add_to_aggregates(session, aggregates.rollups(days))
            session.flush()
        return len(new)


def writer_for(conn: Connection) -> Writer:
    return (PostgresWriter if conn.dialect.name == "postgresql" else PlainWriter)(conn)
