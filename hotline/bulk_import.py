"""Bulk import of historical orders from CSV (`hotline import-orders`).

Each row is validated (``dispatch.orders.import_rows``); a bad row goes to an error file with
its line and every problem, the good ones are written in batches, one transaction each
(``hotline.import_writers``) with their KPI day buckets, which are added to the
aggregates all at once when the file is done (``fold_kpis``; an import that stopped half-way
leaves some behind, folded by the next import or the periodic KPI reconcile).
``(channel, external_id)`` is unique: re-running a file adds nothing. On PostgreSQL, worker
processes (one per core by default) each parse and write whole batches while this process
reads the file: parsing is pure Python and holds the GIL, so threads would share one core.
Other databases (SQLite): one batch after another, here.
"""
from __future__ import annotations

import csv
import io
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from time import monotonic

from psycopg import errors as pg_errors
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from dispatch.orders.import_rows import COLUMNS, REQUIRED, ImportRow, RowError, Unit, UnitIndex, parse_row
from hotline.import_writers import Writer, writer_for
from dispatch.orgs.models import OrgUnit
from dispatch.sqltypes import utcnow
from sla.aggregates import fold_import_stage
from sla.calendar import WorkingCalendar
from sla.policy import Policy

# A batch that collided with another worker's (the same pair in both, a deadlock) is re-run.
RETRIES = 3
COLLISIONS = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure, pg_errors.UniqueViolation)


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    duplicates: int = 0          # already in the database, or earlier in the same file
    rejected: int = 0
    seconds: float = 0.0
    fold_seconds: float = 0.0    # of ``seconds``: adding the KPI buckets to the aggregates
    error_file: Path | None = None
    first_errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.imported / self.seconds if self.seconds else 0.0


@dataclass
class Chunk:
    """``count`` CSV records as they are in the file (parsed by the worker that takes them),
    the first being record ``first_line`` (the header is 1; blank lines are not counted)."""
    first_line: int
    fieldnames: list[str]
    data: bytes
    count: int

    def records(self) -> Iterator[list[str]]:
        return filter(None, csv.reader(io.StringIO(self.data.decode("utf-8"), newline="")))


@dataclass(frozen=True)
class Lookups:
    """What validating a row needs besides the row (see ``parse_row``)."""
    units: UnitIndex
    now: datetime
    deadline: Callable


@dataclass
class Outcome:
    """What became of one chunk."""
    read: int
    imported: int = 0
    duplicates: int = 0
    errors: list[tuple[int, dict, list[str]]] = field(default_factory=list)


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


def header(path: Path) -> list[str]:
    """The file's column names; refuses a file without the required ones."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        fieldnames = next(csv.reader(fh), [])
    missing = [c for c in REQUIRED if c not in fieldnames]
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)}; "
                         f"expected {', '.join(COLUMNS)}")
    return fieldnames


def read_chunks(path: Path, fieldnames: list[str], size: int) -> Iterator[Chunk]:
    """The records after the header (``fieldnames``, see ``header``), ``size`` at a time. A
    record ends with the line where its quotes (``"``, doubled inside a field) come to an even
    count; this process only counts them."""
    with open(path, "rb") as fh:
        fh.readline()
        first, count, quotes, lines = 2, 0, 0, []
        for line in fh:
            if not quotes and line in (b"\n", b"\r\n"):
                continue                  # a blank line between records
            lines.append(line)
            quotes += line.count(b'"')
            if quotes % 2:
                continue                  # a quoted field goes on over the next line
            quotes, count = 0, count + 1
            if count >= size:
                yield Chunk(first, fieldnames, b"".join(lines), count)
                first, count, lines = first + count, 0, []
        if lines:                         # an unclosed quote runs to the end: one more record
            yield Chunk(first, fieldnames, b"".join(lines), count + (quotes % 2))


def parse_chunk(chunk: Chunk, lookups: Lookups) -> tuple[list[ImportRow], Outcome]:
    """The chunk's valid rows, each pair once; refused rows and repeats are counted in the outcome."""
    rows, outcome, seen = [], Outcome(chunk.count), set()
    names = chunk.fieldnames
    for line, record in enumerate(chunk.records(), chunk.first_line):
        raw = dict(zip(names, record))
        try:
            row = parse_row(raw, units=lookups.units, now=lookups.now, deadline=lookups.deadline)
        except RowError as exc:
            outcome.errors.append((line, raw, exc.problems))
            continue
        key = (row.order["channel"], row.order["external_id"])
        if key in seen:
            outcome.duplicates += 1
            continue
        seen.add(key)
        rows.append(row)
    return rows, outcome


def import_chunk(writer: Writer, chunk: Chunk, lookups: Lookups) -> Outcome:
    rows, outcome = parse_chunk(chunk, lookups)
    for attempt in range(RETRIES):
        try:
            new = writer.write(rows, lookups.now)
            break
        except COLLISIONS:
            if attempt == RETRIES - 1:
                raise
    outcome.imported, outcome.duplicates = new, outcome.duplicates + len(rows) - new
    return outcome


# One worker process's writer and lookups, set up once by _start_worker (the pool forks, so
# the unit index and the memoised deadlines come over without pickling).
_worker: dict = {}


def _start_worker(lookups: Lookups) -> None:
    from dispatch.db import get_engine

    engine = get_engine()
    engine.dispose(close=False)   # the parent's pooled connections are the parent's
    _worker.update(lookups=lookups, writer=writer_for(engine.connect()))


def _import_in_worker(chunk: Chunk) -> Outcome:
    return import_chunk(_worker["writer"], chunk, _worker["lookups"])


def _outcomes_in_pool(chunks: Iterator[Chunk], workers: int, lookups: Lookups) -> Iterator[Outcome]:
    """Outcomes in file order, with at most two chunks per worker read ahead."""
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(lookups,))
    pending: deque[Future] = deque()
    try:
        for chunk in chunks:
            pending.append(pool.submit(_import_in_worker, chunk))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _outcomes_here(chunks: Iterator[Chunk], lookups: Lookups) -> Iterator[Outcome]:
    from dispatch.db import get_engine

    with get_engine().connect() as conn:
        writer = writer_for(conn)
        for chunk in chunks:
            yield import_chunk(writer, chunk, lookups)


def fold_kpis(engine: Engine, parts: int = 1) -> int:
    """Add the staged KPI buckets to the aggregates; returns how many staged rows were folded.
    PostgreSQL: ``parts`` connections side by side, each folding its share of the units."""
    def fold(part: int) -> int:
        for attempt in range(RETRIES):   # a deadlock with a live KPI update: run it again
            try:
                with engine.begin() as conn:
                    return fold_import_stage(conn, part, parts)
            except DBAPIError as exc:
                if attempt == RETRIES - 1 or not isinstance(exc.orig, COLLISIONS):
                    raise
        return 0

    if engine.dialect.name != "postgresql" or parts == 1:
        return fold(0)
    with ThreadPoolExecutor(parts) as threads:
        return sum(threads.map(fold, range(parts)))


def import_orders(path: Path, *, batch: int = 5_000, workers: int | None = None, error_path: Path | None = None,
                  progress: Callable[[int], None] | None = None, status: Callable[[str], None] | None = None,
                  now: datetime | None = None) -> ImportReport:
    """Import ``path`` in transactions of ``batch`` rows; ``progress(n)`` is called with the rows
    read since the last call, ``status(text)`` when the KPI aggregates are being summed up.
    ``workers``: processes on PostgreSQL (default: one per core)."""
    from sla import current
    from dispatch.db import get_engine

    started, now = monotonic(), now or utcnow()
    report = ImportReport()
    engine = get_engine()
    with Session(engine) as session:
        lookups = Lookups(unit_index(session), now, policy_deadlines(current.calendar(), current.policy()))
    fieldnames = header(path)
    fold_kpis(engine)             # what an import that stopped half-way left behind
    errors = ErrorFile(error_path or path.with_name(path.stem + ".errors.csv"), fieldnames)
    chunks = read_chunks(path, fieldnames, batch)
    workers = workers or os.cpu_count() or 1
    if engine.dialect.name == "postgresql":
        outcomes = _outcomes_in_pool(chunks, workers, lookups)
    else:
        outcomes = _outcomes_here(chunks, lookups)
    try:
        for outcome in outcomes:
            for line, raw, problems in outcome.errors:
                errors.add(line, raw, problems, report)
            report.read += outcome.read
            report.imported += outcome.imported
            report.duplicates += outcome.duplicates
            if progress:
                progress(outcome.read)
        if status:
            status("汇总统计")
        folding = monotonic()
        fold_kpis(engine, workers)
        report.fold_seconds = monotonic() - folding
    finally:
        outcomes.close()
        errors.close()
        report.seconds = monotonic() - started
    return report
