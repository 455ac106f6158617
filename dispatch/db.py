"""Engine and sessions; the same code runs on SQLite (embedded) and PostgreSQL (production)."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from weakref import WeakKeyDictionary

import asyncpg
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Engine
from sqlmodel import Session, create_engine

from dispatch.config import get_settings


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    url = settings.database_url
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            from pathlib import Path
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "handle_error", _sqlite_overflow)
        return engine
    # No JIT compilation: it pays off for long analytical scans, not for this application's
    # short reads, whose plans PostgreSQL can still cost above jit_above_cost (a subtree's
    # order counts spent 180 of 250 ms compiling). Custom plans always: a statement the driver
    # has prepared is planned for the parameters it runs with. A subtree's orders are one range
    # of an index whose size depends on the unit (the city's: all of them; a village's: a few),
    # and the generic plan PostgreSQL settled on after some runs suited the small units, so the
    # city's counts went from 90 to 720 ms on the same connection.
    return create_engine(url, pool_size=settings.db_pool_size,
                         max_overflow=settings.db_max_overflow, pool_pre_ping=True,
                         connect_args=PG_CONNECT_ARGS)


PG_CONNECT_ARGS = {"options": "-c jit=off -c plan_cache_mode=force_custom_plan"}
INTAKE_POOL = 8


_intake_pools: WeakKeyDictionary = WeakKeyDictionary()   # by event loop


async def intake_pool() -> asyncpg.Pool | None:
    """The pool of plain intakes on PostgreSQL (None elsewhere): asyncpg connections in
    autocommit, used by the doors on the event loop without a session, a greenlet or a thread
    (dispatch.intake.flows.receive_plain). Every intake there is one statement, so a connection
    goes back to the pool without a ping or a reset (asyncpg's reset is a round trip per
    request). A connection lost in a failover fails that one request with a 503 and is
    replaced on the next checkout, which tries every host of an HA URL. One per event loop,
    since an asyncpg connection belongs to the loop that opened it: a server process has one
    loop, tests a few (using another loop's connection crashed the interpreter)."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        return None
    loop = asyncio.get_running_loop()
    opening = _intake_pools.get(loop)
    if opening is None:
        opening = _intake_pools[loop] = loop.create_task(_open_intake_pool(engine.url))
    try:
        return opening.result() if opening.done() else await opening
    except Exception:
        _intake_pools.pop(loop, None)       # the next intake tries again
        raise


async def _open_intake_pool(main_url: URL) -> asyncpg.Pool:
    """min_size 0: opening connects nothing, so a database down at the first intake fails that
    request (a 503), not the pool."""
    from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

    url, connect_args = intake_url(main_url)
    _, params = PGDialect_asyncpg().create_connect_args(url)
    return await asyncpg.create_pool(min_size=0, max_size=INTAKE_POOL, reset=_no_reset,
                                     **params, **connect_args)


async def _no_reset(_conn) -> None:
    """Nothing to undo: an intake runs one statement in autocommit and sets nothing."""


def intake_url(url: URL) -> tuple[URL, dict]:
    """The intake pool's asyncpg URL and connect arguments for the main engine's URL. A
    multi-host URL (high availability: ``?host=a:5432&host=b:5432&target_session_attrs=
    read-write``) keeps its hosts and requirement, which SQLAlchemy hands asyncpg as they are;
    libpq's ``connect_timeout`` becomes asyncpg's ``timeout`` (asyncpg takes no such
    keyword, and every connection failed)."""
    url = url.set(drivername="postgresql+asyncpg")
    args: dict = {"server_settings": {"jit": "off", "plan_cache_mode": "force_custom_plan"}}
    if "connect_timeout" in url.query:
        args["timeout"] = float(url.query["connect_timeout"])
        url = url.difference_update_query(["connect_timeout"])
    return url, args


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_overflow(context) -> None:
    """An integer beyond 64 bits (an id in a URL, say) is the DataError PostgreSQL raises for
    it, answered 422 by the API, not an OverflowError from the sqlite3 module (a 500)."""
    if isinstance(context.original_exception, OverflowError):
        raise sa_exc.DataError(context.statement, context.parameters,
                               context.original_exception) from context.original_exception


def init_db() -> None:
    """Migrate the schema to head (idempotent) and install the guards of the audit record.

    Every process runs it at start-up (API workers, RQ workers, the sweeper), often several at
    once. On PostgreSQL one runs it at a time (an advisory lock), and a guard already in place
    is left alone: replacing it concurrently failed a worker's start ("tuple concurrently
    updated"), and dropping and creating a trigger locks its table against every reader, so a
    worker restarting during a long export would have stalled all work on the orders."""
    import dispatch.models  # noqa: F401  registers every table
    from dispatch.migrate import upgrade

    engine = get_engine()
    if engine.dialect.name != "postgresql":
        upgrade(engine)
        if engine.dialect.name == "sqlite":
            with engine.begin() as conn:
                for stmt in SQLITE_TIMELINE_IS_APPEND_ONLY + SQLITE_ORDERS_ARE_KEPT:
                    conn.exec_driver_sql(stmt)
        return
    with engine.connect() as lock:
        lock.exec_driver_sql("SELECT pg_advisory_lock(%s)", (INIT_LOCK,))
        try:
            upgrade(engine)
            with engine.begin() as conn:
                install_guards(conn.connection.driver_connection)
        finally:
            lock.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (INIT_LOCK,))
            lock.commit()


INIT_LOCK = 0x686F746C696E65   # the advisory lock key of init_db (any constant of ours)


def install_guards(pg) -> list[str]:
    """Install the PostgreSQL guards (``PG_GUARDS``) missing or changed on a psycopg
    connection; returns their names."""
    installed = set(pg.execute(
        "SELECT t.tgname, c.relname, p.prosrc FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal AND p.proname = t.tgname").fetchall())
    done = []
    for name, table, when, body in PG_GUARDS:
        if (name, table, body) not in installed:
            pg.execute(guard_sql(name, table, when, body))
            done.append(name)
    return done


def guard_sql(name: str, table: str, when: str, body: str) -> str:
    return (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $${body}$$ LANGUAGE plpgsql;\n"
            f"DROP TRIGGER IF EXISTS {name} ON {table};\n"
            f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();\n")


def _guard(name: str, table: str, when: str, message: str) -> tuple[str, str, str, str]:
    """(name, table, when, function body); the body names ``when``, so that a guard whose
    timing changes is installed again (``install_guards`` compares bodies)."""
    return name, table, when, f"\n-- {when}\nBEGIN\n  RAISE EXCEPTION '{message}', TG_OP;\nEND "


# The timeline is the audit record: the database itself refuses to change or delete a row.
TIMELINE_IS_APPEND_ONLY = _guard("timeline_append_only", "timeline_entry", "BEFORE UPDATE OR DELETE",
                                 "timeline_entry is append-only: % refused")
SQLITE_TIMELINE_IS_APPEND_ONLY = [
    f"CREATE TRIGGER IF NOT EXISTS timeline_no_{op.lower()} BEFORE {op} ON timeline_entry "
    f"BEGIN SELECT RAISE(ABORT, 'timeline_entry is append-only: {op} refused'); END"
    for op in ("UPDATE", "DELETE")]

# An order is never deleted, so its hops and timeline rows always have it. That is what their
# foreign keys to work_order guarded, at a price: each checked row locked its order (a write of
# the order's row and a WAL record), 20-26 µs of PostgreSQL per imported order side by side,
# about a sixth of the bulk import's CPU (migration 0b8e6c4d2f1a). They are written in the transaction that
# writes or locks their order, so there is nothing else to check.
ORDERS_ARE_KEPT = _guard("order_is_kept", "work_order", "BEFORE DELETE",
                         "work_order rows are kept with their timeline: % refused")
SQLITE_ORDERS_ARE_KEPT = [
    "CREATE TRIGGER IF NOT EXISTS order_is_kept BEFORE DELETE ON work_order "
    "BEGIN SELECT RAISE(ABORT, 'work_order rows are kept with their timeline: DELETE refused'); END"]
PG_GUARDS = (TIMELINE_IS_APPEND_ONLY, ORDERS_ARE_KEPT)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session for jobs and scripts: commit on success, roll back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def is_postgres() -> bool:
    return get_engine().dialect.name == "postgresql"
