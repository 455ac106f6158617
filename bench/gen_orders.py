"""Fill PostgreSQL with N realistic orders over two years, their hops and exact KPI aggregates.

    HOTLINE_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_sla \\
        .venv/bin/python bench/gen_orders.py --orders 10000000 --reset

Orders are simulated day by day (``bench/simulate.py``) over the loaded city's units, written
with COPY in batches, and every order's KPI contribution is computed by the same function the
post-commit listener uses (``sla.counts.contribution``). Since every bucket of an order falls on
or after the day it was received, the day buckets of earlier days are final and are written as
the generation moves on; the other three roll-ups are summed in SQL at the end, so the
aggregates equal what ``sla.aggregates.rebuild`` would compute. Timeline entries are not
generated (the KPIs never read them). Secondary indexes are dropped during the load and rebuilt.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import queue
import random
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from tqdm import tqdm  # noqa: E402

from dispatch.orders.copy_rows import HOP_COLS, ORDER_COLS, RowShape, copy_rows, templates  # noqa: E402
from dispatch.orders.models import Assignment, Order  # noqa: E402
from sla import aggregates, counts  # noqa: E402
from sla.calendar import SHANGHAI, WorkingCalendar  # noqa: E402
from sla.models import KpiFact, kpi_aggregate  # noqa: E402

from simulate import Simulator, Units  # noqa: E402

FINAL = aggregates.FINAL_STATES
FACT_COLS = [c.name for c in KpiFact.__table__.columns]
AGG_COLS = [c.name for c in kpi_aggregate.columns]   # grain, period_start, unit_path, channel, category, counts


def daily_volumes(total: int, first: date, days: int, cal: WorkingCalendar, rng: random.Random) -> list[int]:
    """Orders per day: weekday/holiday pattern, a summer peak, growth and noise; sums to ``total``."""
    weekday = [1.15, 1.08, 1.05, 1.04, 1.02, 0.78, 0.72]
    weights = []
    for i in range(days):
        day = first + timedelta(days=i)
        w = weekday[day.weekday()] * (1 + 0.15 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365))
        w *= 0.85 + 0.3 * i / max(days - 1, 1)
        if day.weekday() < 5 and not cal.is_working_day(day):
            w *= 0.7
        weights.append(w * rng.uniform(0.9, 1.1))
    scale = total / sum(weights)
    volumes = [int(w * scale) for w in weights]
    for i in range(total - sum(volumes)):
        volumes[i % days] += 1
    return volumes


def load_units(conn) -> Units:
    rows = conn.execute("SELECT id, name, level, kind, parent_id, path, dept_type, categories, "
                        "primary_categories FROM org_unit").fetchall()
    keys = ("id", "name", "level", "kind", "parent_id", "path", "dept_type", "categories", "primary_categories")
    decoded = [{**dict(zip(keys, r)), "categories": _json(r[7]), "primary_categories": _json(r[8])} for r in rows]
    return Units.from_rows(decoded)


def _json(value):
    return json.loads(value) if isinstance(value, str) else (value or [])


def create_database(url: str) -> None:
    """The database of ``url``, created on its server when it does not exist yet."""
    from psycopg import sql
    from sqlalchemy.engine import make_url

    target = make_url(url)
    server = target.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(_dsn(server), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.database)))


def prepare(url: str, reset: bool) -> None:
    """The database if missing, tables, the org tree, and (with --reset) empty order tables."""
    create_database(url)
    os.environ["HOTLINE_DATABASE_URL"] = url
    from sqlmodel import Session

    from dispatch.config import get_settings
    from dispatch.db import get_engine, init_db
    from dispatch.orgs import service as orgs

    init_db()
    with Session(get_engine()) as session:
        orgs.load_org_tree(session, get_settings().divisions_csv, get_settings().departments_file)
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        existing = conn.execute("SELECT count(*) FROM work_order").fetchone()[0]
        if existing and not reset:
            sys.exit(f"work_order already holds {existing} rows; pass --reset to replace them")
        if reset:
            # hops and timeline rows have no foreign key to work_order (CASCADE misses them)
            conn.execute("TRUNCATE work_order, assignment, timeline_entry, sla_kpi_fact, sla_kpi_aggregate, "
                         "sla_kpi_unit_aggregate, sla_escalation, sla_notification RESTART IDENTITY CASCADE")


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def secondary_indexes(drop: bool, conn) -> None:
    for table in (Order.__table__, Assignment.__table__):
        for index in table.indexes:
            if drop:
                conn.execute(f'DROP INDEX IF EXISTS "{index.name}"')
            else:
                cols = ", ".join(f'"{c.name}"' for c in index.columns)
                unique = "UNIQUE " if index.unique else ""
                conn.execute(f'CREATE {unique}INDEX IF NOT EXISTS "{index.name}" ON "{table.name}" ({cols})')


class Copier(threading.Thread):
    """COPYs batches on its own connection while the main thread simulates the next ones."""

    def __init__(self, dsn: str) -> None:
        super().__init__(name="copier", daemon=True)
        self.dsn, self.batches, self.error = dsn, queue.Queue(maxsize=3), None

    def run(self) -> None:
        try:
            with psycopg.connect(self.dsn) as conn:
                conn.execute("SET synchronous_commit = off")
                while (batch := self.batches.get()) is not None:
                    for table, cols, rows in batch:
                        copy_rows(conn, table, cols, rows)
                    conn.commit()
        except BaseException as exc:  # reported by the main thread
            self.error = exc
            while self.batches.get() is not None:
                pass

    def put(self, batch: list) -> None:
        if self.error:
            raise RuntimeError("COPY failed") from self.error
        self.batches.put(batch)

    def finish(self) -> None:
        self.batches.put(None)
        self.join()
        if self.error:
            raise RuntimeError("COPY failed") from self.error


class Writer:
    """Buffers rows and hands them to the copier in batches (orders before their hops)."""

    def __init__(self, copier: Copier, order_tpl: dict, hop_tpl: dict) -> None:
        self.copier, self.order_tpl, self.hop_tpl = copier, order_tpl, hop_tpl
        self.shapes = (RowShape(ORDER_COLS, order_tpl), RowShape(HOP_COLS, hop_tpl),
                       RowShape(FACT_COLS, {"updated_at": datetime.now(UTC)}))
        self.orders: list[list] = []
        self.hops: list[list] = []
        self.facts: list[list] = []

    def add(self, o: dict, hops: list[dict], contrib: counts.Contribution) -> None:
        order_shape, hop_shape, fact_shape = self.shapes
        row = order_shape.row(o)
        extra = {"number": f"GD{o['received_at']:%Y%m%d}{o['id']:08d}", "external_id": f"bench-{o['id']}",
                 "created_at": o["received_at"], "updated_at": o.get("closed_at") or o["received_at"],
                 "current_hop_id": (o.get("current_hop") or {}).get("id")}
        for key, value in extra.items():
            row[order_shape.index[key]] = value
        self.orders.append(row)
        for h in hops:
            hop = hop_shape.row(h)
            hop[hop_shape.index["parent_id"]] = h["parent"]["id"] if h.get("parent") else None
            self.hops.append(hop)
        final = o["state"] in FINAL
        self.facts.append(fact_shape.row({
            "order_id": o["id"], "version": o["version"], "final": final, "channel": o["channel"],
            "category": o["category"] or "", "buckets": None if final else counts.to_json(contrib)}))

    def flush(self, buckets: list | None = None) -> None:
        self.copier.put([("work_order", ORDER_COLS, self.orders), ("assignment", HOP_COLS, self.hops),
                         ("sla_kpi_fact", FACT_COLS, self.facts), ("sla_kpi_aggregate", AGG_COLS, buckets or [])])
        self.orders, self.hops, self.facts = [], [], []


def final_days(pending: dict, before: date | None) -> list[tuple]:
    """Aggregate rows of the day buckets that can no longer change (all when ``before`` is None)."""
    done = sorted(k for k in pending if before is None or k[0] < before)
    zeros = [0] * len(counts.COUNT_FIELDS)
    return [("d", day, path, channel, category, *map(pending.pop((day, path, channel, category)).get,
                                                     counts.COUNT_FIELDS, zeros))
            for day, path, channel, category in done]


def rollups_in_sql(conn) -> None:
    """The per-unit day rows and both month grains, summed from the day rows by channel and category."""
    sums = ", ".join(f'SUM("{n}")' for n in counts.COUNT_FIELDS)
    names = ", ".join(f'"{n}"' for n in counts.COUNT_FIELDS)
    month = "date_trunc('month', period_start)::date"
    conn.execute(f"INSERT INTO sla_kpi_aggregate (grain, period_start, unit_path, channel, category, {names}) "
                 f"SELECT 'm', {month}, unit_path, channel, category, {sums} FROM sla_kpi_aggregate "
                 "WHERE grain = 'd' GROUP BY 2, 3, 4, 5")
    conn.execute(f"INSERT INTO sla_kpi_unit_aggregate (grain, period_start, unit_path, {names}) "
                 f"SELECT grain, period_start, unit_path, {sums} FROM sla_kpi_aggregate "
                 "GROUP BY grain, period_start, unit_path")


def generate(args) -> None:
    prepare(args.database_url, args.reset)
    rng, cal = random.Random(args.seed), WorkingCalendar()
    end = args.end or datetime.now(SHANGHAI).date()
    first = end - timedelta(days=args.days - 1)
    now = min(datetime.combine(end + timedelta(days=1), datetime.min.time(), SHANGHAI), datetime.now(SHANGHAI))
    with psycopg.connect(_dsn(args.database_url), autocommit=True) as conn:
        units = load_units(conn)
        sim = Simulator(units, cal, now=now, seed=args.seed)
        secondary_indexes(True, conn)
        copier = Copier(_dsn(args.database_url))
        copier.start()
        writer = Writer(copier, *templates())
        pending: dict = {}
        order_id, hop_id, recent, bucket_rows, days = 0, 0, [], 0, []
        started = time.monotonic()
        tty = sys.stderr.isatty()   # a log file gets a line every 30 s, not every redraw
        with tqdm(total=args.orders, unit="order", smoothing=0.05, mininterval=0.1 if tty else 30) as bar:
            for offset, volume in enumerate(daily_volumes(args.orders, first, args.days, cal, rng)):
                day = first + timedelta(days=offset)
                days += final_days(pending, day)
                for received in sorted(sim.received_at(day) for _ in range(volume)):
                    order_id += 1
                    o, hops = sim.order(order_id, received, recent)
                    for h in hops:
                        hop_id += 1
                        h["id"] = hop_id
                    like = SimpleNamespace(**{**writer.order_tpl, **o})
                    contrib = counts.contribution(like, [SimpleNamespace(**{**writer.hop_tpl, **h})
                                                         for h in hops])
                    if min(d for d, _ in contrib) < day:   # would reopen a day already written
                        raise SystemExit(f"order {order_id}: a bucket falls before the day it was received")
                    for key, values in aggregates.with_dims(contrib, o["channel"], o["category"] or "").items():
                        counts.accumulate(pending, key, values)
                    writer.add(o, hops, contrib)
                    recent.append(order_id)
                    if len(writer.orders) >= args.batch:
                        bucket_rows += len(days)
                        writer.flush(days)
                        days = []
                    bar.update()
                del recent[:-5000]
            days += final_days(pending, None)
            bucket_rows += len(days)
            writer.flush(days)
            copier.finish()
        print(f"orders {order_id:,}, hops {hop_id:,}, day buckets {bucket_rows:,} "
              f"in {time.monotonic() - started:.0f} s; roll-ups and indexes...", flush=True)
        conn.execute("SET maintenance_work_mem = '1GB'")   # index builds sort in memory
        conn.execute("SET work_mem = '256MB'")
        rollups_in_sql(conn)
        secondary_indexes(False, conn)
        for seq, value in (("work_order_id_seq", order_id), ("assignment_id_seq", hop_id)):
            conn.execute(f"SELECT setval('{seq}', {max(value, 1)})")
        for table in ("sla_kpi_aggregate", "sla_kpi_unit_aggregate"):
            conn.execute(f"VACUUM ANALYZE {table}")   # the visibility map: index-only scans skip the heap
        conn.execute("ANALYZE")
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        agg = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
               for t in ("sla_kpi_aggregate", "sla_kpi_unit_aggregate")]
    print(f"done in {time.monotonic() - started:.0f} s: {agg[0]:,} + {agg[1]:,} aggregate rows, database {size}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--orders", type=int, default=10_000_000)
    p.add_argument("--days", type=int, default=730)
    p.add_argument("--end", type=date.fromisoformat, help="last day (default: today)")
    p.add_argument("--database-url", default=os.environ.get("HOTLINE_DATABASE_URL"))
    p.add_argument("--batch", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--reset", action="store_true", help="empty the order tables first")
    args = p.parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql"):
        sys.exit("set HOTLINE_DATABASE_URL (or --database-url) to a PostgreSQL database")
    generate(args)


if __name__ == "__main__":
    main()
