"""Writing one batch of parsed historical orders in one transaction (``bulk_import``).

A batch is its orders, their hops, one timeline row each, their KPI facts and the KPI
day buckets, so an order is either fully there or not at all. The buckets go to a staging
table (``kpi_import_stage``), added to the aggregates when the import ends
(``bulk_import.fold_kpis``). ``(channel, external_id)`` is unique: a pair already stored is
skipped. PostgreSQL: one query finds the pairs already stored, the others' orders, hops,
timeline rows, facts and buckets are written by COPY. Other databases (SQLite): plain INSERTs.
"""
from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from dispatch.config import get_settings
from dispatch.orders import copy_rows as cr
from dispatch.orders.import_rows import ImportRow
from dispatch.orders.models import Assignment, Order, TimelineEntry
from sla import aggregates, counts
from sla.models import KpiFact, kpi_import_stage

ACTOR = "批量导入"
ORDER = Order.__table__
FACT_COLS = [c.name for c in KpiFact.__table__.columns]
DAY_COLS = [c.name for c in kpi_import_stage.columns]
DAY_TYPES = ["date", "text", "text", "text", *["integer"] * len(counts.COUNT_FIELDS)]
ZEROS = [0] * len(counts.COUNT_FIELDS)
IMPORTED = {"routing": {"imported": True}, "raw": {"imported": True}}
quote = json.encoder.encode_basestring   # a JSON string, non-ASCII kept as it is


def _timeline(order: dict, json_text: bool = False) -> dict:
    """The order's import entry; ``json_text``: its data as JSON text already (for COPY), made
    by quoting two strings rather than by json.dumps of a dict."""
    channel, external_id = order["channel"], order["external_id"]
    data = (f'{{"channel": {quote(channel)}, "external_id": {quote(external_id)}}}' if json_text
            else {"channel": channel, "external_id": external_id})
    return {"order_id": order["id"], "at": order["created_at"], "actor_name": ACTOR,
            "actor_role": "system", "action": "import", "from_state": None,
            "to_state": order["state"], "data": data}


def _facts_and_buckets(rows: list[ImportRow], order_tpl: dict, hop_tpl: dict,
                       now: datetime) -> tuple[list[dict], list[tuple]]:
    """Each order's KPI fact (final: it never changes again) and its day buckets as rows of the
    staging table (not summed here: the fold sums them, and few orders of a batch share one)."""
    facts, buckets = [], []
    order_defaults = [(n, order_tpl[n]) for n in aggregates.ORDER_FIELDS]
    hop_defaults = [(n, hop_tpl.get(n)) for n in aggregates.HOP_FIELDS]
    fields = counts.COUNT_FIELDS
    for row in rows:
        o, h = row.order, row.hop
        # only what sla.counts.contribution reads
        hops = [SimpleNamespace(**{n: h.get(n, v) for n, v in hop_defaults})] if h else []
        contrib = counts.contribution(SimpleNamespace(**{n: o.get(n, v) for n, v in order_defaults}), hops)
        channel, category = o["channel"], o.get("category") or ""
        buckets += [(day, path, channel, category, *map(values.get, fields, ZEROS))
                    for (day, path), values in contrib.items()]
        facts.append({"order_id": o["id"], "version": o["version"], "final": True,
                      "channel": channel, "category": category, "buckets": None, "updated_at": now})
    return facts, buckets


class Writer:
    """Writes one batch in one transaction; returns how many orders were new."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.order_tpl, self.hop_tpl = cr.templates()
        self.order_tpl.update(IMPORTED)   # every imported order's marks, made JSON once (RowShape)
        self.prefix, self.tz = get_settings().order_prefix, get_settings().tz
        self._days: dict = {}

    def number(self, order_id: int, received: datetime) -> str:
        """As intake numbers them, dated by the centre's day the order was received."""
        day = received.astimezone(self.tz).date()
        if (stamp := self._days.get(day)) is None:   # strftime is dear: once per day
            stamp = self._days[day] = f"{self.prefix}{day:%Y%m%d}"
        return f"{stamp}{order_id:07d}"

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
        # a lost last batch after a crash is harmless: the re-run adds what is missing
        self.pg.execute("SET synchronous_commit = off")
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
        self._copy("timeline_entry", self.timeline_shape, [_timeline(r.order, json_text=True) for r in new])
        facts, buckets = _facts_and_buckets(new, self.order_tpl, self.hop_tpl, now)
        self._copy("sla_kpi_fact", self.fact_shape, facts)
        cr.copy_rows(self.pg, kpi_import_stage.name, DAY_COLS, buckets, DAY_TYPES)
        return len(new)

    def _copy(self, table: str, shape: cr.RowShape, values: list[dict]) -> None:
        cr.copy_rows(self.pg, table, shape.cols, [shape.row(v) for v in values], shape.types)


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
        facts, buckets = _facts_and_buckets(new, self.order_tpl, self.hop_tpl, now)
        conn.execute(insert(KpiFact), facts)
        if buckets:
            conn.execute(insert(kpi_import_stage), [dict(zip(DAY_COLS, b)) for b in buckets])
        return len(new)


def writer_for(conn: Connection) -> Writer:
    return (PostgresWriter if conn.dialect.name == "postgresql" else PlainWriter)(conn)
