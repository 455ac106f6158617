"""Bulk import of historical orders from CSV (`hotline import-orders FILE.csv`).

Each row is validated (``dispatch.orders.import_rows``); a bad row goes to an error file with
its line and every problem, the good ones are written in batches. A batch is one transaction:
its orders, their hops, one timeline row each, their KPI facts and the aggregate sums, so an
order is either fully there or not at all. ``(channel, external_id)`` is unique: re-running a
file adds nothing. PostgreSQL: COPY into a staging table, then ``INSERT … SELECT … ON CONFLICT
DO NOTHING RETURNING id``; hops, timeline and facts by COPY; the aggregates by one upsert from a
staging table. Other databases (SQLite): the same batches through plain INSERTs.
"""
from __future__ import annotations

import csv
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from time import monotonic
from types import SimpleNamespace

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from dispatch.config import get_settings
from dispatch.orders import copy_rows as cr
from dispatch.orders.import_rows import (COLUMNS, REQUIRED, SHANGHAI, ImportRow, RowError, Unit,
                                         UnitIndex, parse_row)
from dispatch.orders.models import Assignment, Order, TimelineEntry
from dispatch.orgs.models import OrgUnit
from dispatch.sqltypes import utcnow
from sla import aggregates, counts
from sla.calendar import WorkingCalendar
from sla.models import KpiFact, kpi_aggregate, kpi_unit_aggregate
from sla.policy import Policy

ACTOR = "批量导入"
ORDER = Order.__table__
FACT_COLS = [c.name for c in KpiFact.__table__.columns]
DAY_COLS = ["day", "unit_path", "channel", "category", *counts.COUNT_FIELDS]


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    duplicates: int = 0          # already in the database, or earlier in the same file
    rejected: int = 0
    seconds: float = 0.0
    error_file: Path | None = None
    first_errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.imported / self.seconds if self.seconds else 0.0


def unit_index(session: Session) -> UnitIndex:
    rows = session.execute(select(OrgUnit.id, OrgUnit.name, OrgUnit.level, OrgUnit.kind,
                                  OrgUnit.parent_id, OrgUnit.path)).all()
    return UnitIndex.build(Unit(*r) for r in rows)


def policy_deadlines(calendar: WorkingCalendar, policy: Policy):
    """The policy's deadline of a step, memoised by (local day, limit): a working-day limit
    ends at the same time of day N working days on (from a rest day: the same moment)."""
    limits: dict[tuple, object] = {}
    days: dict[tuple, datetime] = {}

    def deadline(start: datetime, request_type: str, urgency: str, step: str) -> datetime:
        key = (request_type, urgency)
        if key not in limits:
            limits[key] = policy.limits_for(request_type, urgency)
        limit = getattr(limits[key], step)
        if limit.unit != "working_days":
            return calendar.add(start, limit)
        local = start.astimezone(calendar.tz)
        day = local.date()
        working = calendar.is_working_day(day)
        if (day, limit) not in days:
            days[day, limit] = calendar.add(calendar.start_of_day(day) if working else start, limit)
        if not working:
            return days[day, limit]
        return days[day, limit] + (local - calendar.start_of_day(day))

    return deadline


def read_rows(path: Path, *, units: UnitIndex, now: datetime, deadline, report: ImportReport,
              errors: "ErrorFile", batch: int) -> Iterator[list[tuple[int, ImportRow]]]:
    """Valid rows in batches (with their line numbers); refused rows go to the error file."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[int, ImportRow]] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)}; "
                             f"expected {', '.join(COLUMNS)}")
        for line, raw in enumerate(reader, start=2):
            report.read += 1
            try:
                row = parse_row(raw, units=units, now=now, deadline=deadline)
            except RowError as exc:
                errors.add(line, raw, exc.problems, report)
                continue
            key = (row.order["channel"], row.order["external_id"])
            if key in seen:
                report.duplicates += 1
                continue
            seen.add(key)
            out.append((line, row))
            if len(out) >= batch:
                yield out
                out = []
    if out:
        yield out


class ErrorFile:
    """Refused rows as they were, with their line number and every problem."""

    def __init__(self, path: Path, fieldnames: list[str]) -> None:
        self.path, self.fieldnames, self._fh, self._writer = path, fieldnames, None, None

    def add(self, line: int, raw: dict, problems: list[str], report: ImportReport) -> None:
        if self._writer is None:
            self._fh = open(self.path, "w", encoding="utf-8-sig", newline="")
            self._writer = csv.DictWriter(self._fh, ["line", "errors", *self.fieldnames],
                                          extrasaction="ignore")
            self._writer.writeheader()
            report.error_file = self.path
        self._writer.writerow({**{k: v for k, v in raw.items() if k}, "line": line,
                               "errors": "; ".join(problems)})
        report.rejected += 1
        if len(report.first_errors) < 10:
            report.first_errors.append(f"line {line}: {'; '.join(problems)}")

    def close(self) -> None:
        if self._fh:
            self._fh.close()


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

    def _new_rows(self, batch: list[ImportRow], inserted: set[int]) -> list[ImportRow]:
        return [r for r in batch if r.order["id"] in inserted]

    def _write(self, batch: list[ImportRow], now: datetime) -> int:
        raise NotImplementedError


class PostgresWriter(Writer):
    """COPY into staging, INSERT … SELECT … ON CONFLICT DO NOTHING, then COPY the rest."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.pg = conn.connection.driver_connection
        self.order_shape = cr.RowShape(cr.ORDER_COLS, self.order_tpl)
        self.hop_shape = cr.RowShape([c for c in cr.HOP_COLS if c != "id"], self.hop_tpl)
        self.timeline_shape = cr.RowShape([c for c in cr.TIMELINE_COLS if c != "id"],
                                          {"data": {}, "attachment_ids": []})
        self.fact_shape = cr.RowShape(FACT_COLS, {})
        cur = self.pg.cursor()
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS import_order (LIKE work_order INCLUDING DEFAULTS)"
                    " ON COMMIT DELETE ROWS")
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
        ids = [r[0] for r in cur.execute(
            "SELECT nextval(pg_get_serial_sequence('work_order', 'id')) FROM generate_series(1, %s)",
            (len(batch),)).fetchall()]
        for row, order_id in zip(batch, ids):
            row.order.update(id=order_id, number=self.number(order_id, row.order["received_at"]))
            if row.hop:
                row.hop["order_id"] = order_id
        cr.copy_rows(self.pg, "import_order", cr.ORDER_COLS, [self.order_shape.row(r.order) for r in batch])
        names = ", ".join(f'"{c}"' for c in cr.ORDER_COLS)
        inserted = {r[0] for r in cur.execute(
            f"INSERT INTO work_order ({names}) SELECT {names} FROM import_order "
            "ON CONFLICT (channel, external_id) DO NOTHING RETURNING id").fetchall()}
        new = self._new_rows(batch, inserted)
        cr.copy_rows(self.pg, "assignment", self.hop_shape.cols,
                     [self.hop_shape.row(r.hop) for r in new if r.hop])
        cr.copy_rows(self.pg, "timeline_entry", self.timeline_shape.cols,
                     [self.timeline_shape.row(_timeline(r.order)) for r in new])
        facts, days = _facts_and_days(new, self.order_tpl, self.hop_tpl, now)
        cr.copy_rows(self.pg, "sla_kpi_fact", FACT_COLS, [self.fact_shape.row(f) for f in facts])
        self._add_days(cur, days)
        return len(new)

    def _add_days(self, cur, days: dict) -> None:
        """Stage the day buckets; add them and their month and per-unit sums, in key order
        (the lock order of the live KPI updates)."""
        if not days:
            return
        zeros = [0] * len(counts.COUNT_FIELDS)
        cr.copy_rows(self.pg, "import_day", DAY_COLS,
                     [(*key, *map(values.get, counts.COUNT_FIELDS, zeros)) for key, values in days.items()])
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


class BatchWriter(threading.Thread):
    """Writes batches on its own connection while the caller parses the next ones (the driver
    releases the GIL while PostgreSQL works)."""

    def __init__(self, engine, now: datetime, report: ImportReport,
                 progress: Callable[[int], None] | None) -> None:
        super().__init__(name="import-writer", daemon=True)
        self.engine, self.now, self.report, self.progress = engine, now, report, progress
        self.batches: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.engine.connect() as conn:
                writer = (PostgresWriter if self.engine.dialect.name == "postgresql" else PlainWriter)(conn)
                while (item := self.batches.get()) is not None:
                    rows, read = item
                    new = writer.write(rows, self.now)
                    self.report.imported += new
                    self.report.duplicates += len(rows) - new
                    if self.progress:
                        self.progress(read)
        except BaseException as exc:  # reported to the caller
            self.error = exc
            while self.batches.get() is not None:
                pass

    def put(self, rows: list[ImportRow], read: int) -> None:
        if self.error:
            raise self.error
        self.batches.put((rows, read))

    def finish(self) -> None:
        self.batches.put(None)
        self.join()
        if self.error:
            raise self.error


def import_orders(path: Path, *, batch: int = 20_000, error_path: Path | None = None,
                  progress: Callable[[int], None] | None = None, now: datetime | None = None) -> ImportReport:
    """Import ``path``; ``progress(n)`` is called with the rows read since the last call."""
    from sla import current
    from dispatch.db import get_engine

    started, now = monotonic(), now or utcnow()
    report = ImportReport()
    engine = get_engine()
    with Session(engine) as session:
        units = unit_index(session)
    deadline = policy_deadlines(current.calendar(), current.policy())
    with open(path, encoding="utf-8-sig", newline="") as fh:
        fieldnames = next(csv.reader(fh), [])
    errors = ErrorFile(error_path or path.with_name(path.stem + ".errors.csv"), fieldnames)
    writer = BatchWriter(engine, now, report, progress)
    writer.start()
    try:
        last = 0
        for rows in read_rows(path, units=units, now=now, deadline=deadline, report=report,
                              errors=errors, batch=batch):
            writer.put([r for _, r in rows], report.read - last)
            last = report.read
        writer.finish()
        if progress:
            progress(report.read - last)
    finally:
        if writer.is_alive():
            writer.finish()
        errors.close()
        report.seconds = monotonic() - started
    return report
