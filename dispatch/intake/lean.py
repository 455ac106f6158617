"""Intake's lean path on PostgreSQL: the hot path of every channel, without a thread or the ORM.

An API process on PostgreSQL keeps a small asyncpg pool beside SQLAlchemy's. A plain intake (no
attachments, not closed at once, no duplicate search) then costs one round trip and no
transaction of its own: the one statement that checks the caller's token is still current (a
logout bumps the user's token version, which revokes every earlier token), then numbers and
stores the order with its timeline row, exactly once per (channel, external id). Who the caller
is (role, unit) is read from their row once per ``USER_TTL`` seconds: a changed role or unit
takes effect within that time, a logout or deactivation at once. The place and the owning platform come
from a snapshot of the unit tree by the same rules as the full path (dispatch.orgs.directory).

Whatever the lean path does not cover — SQLite, a unit newer than the snapshot, attachments,
closing at once, the duplicate search, a replay of a stored (channel, external id), whose answer
depends on the caller's reach and the stored payload — it declines (returns None) and the caller
takes the full path, `dispatch.intake.flows.receive`, which remains the reference.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import JSON
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

from dispatch.auth.models import User
from dispatch.auth.service import check_current
from dispatch.errors import Invalid, Unauthorized, Unavailable
from dispatch.intake import flows
from dispatch.intake import service as intake_db
from dispatch.intake.schemas import IntakeRequest, IntakeResult
from dispatch.jobs.batcher import route_later
from dispatch.orders import flows as order_flows
from dispatch.orders.enums import Role
from dispatch.orders.lifecycle import Actor
from dispatch.orgs.directory import COLUMNS, Snapshot
from dispatch.sqltypes import utcnow

log = logging.getLogger(__name__)
POOL_SIZE = 8
USER_TTL = 10.0
_USER = "SELECT id, role, unit_id, token_version, active, full_name, username FROM app_user " \
        "WHERE id = $1"


class LeanIntake:
    """The pool and the unit snapshot of one API process (one event loop)."""

    def __init__(self, pool) -> None:
        self.pool = pool
        self.snapshot: Snapshot | None = None
        self._reload = asyncio.Lock()
        self._callers: dict[int, tuple[float, Caller]] = {}   # user id -> (read until, caller)

    @classmethod
    async def open(cls, database_url: str) -> LeanIntake | None:
        """For PostgreSQL; None for other databases. Connects lazily, so a database that is
        down at start-up delays nothing."""
        url = make_url(database_url)
        if url.get_backend_name() != "postgresql":
            return None
        import asyncpg

        from dispatch.db import asyncpg_args

        dsn, kwargs = asyncpg_args(database_url)
        return cls(await asyncpg.create_pool(dsn, min_size=0, max_size=POOL_SIZE,
                                             command_timeout=30, reset=_keep, **kwargs))

    async def close(self) -> None:
        await self.pool.close()

    async def units(self, conn) -> Snapshot:
        now = time.monotonic()
        if self.snapshot is None or not self.snapshot.fresh(now):
            async with self._reload:
                if self.snapshot is None or not self.snapshot.fresh(now):
                    rows = await conn.fetch(f"SELECT {COLUMNS} FROM org_unit")
                    self.snapshot = Snapshot((tuple(r) for r in rows), time.monotonic())
        return self.snapshot

    async def caller(self, user_id: int | None, version: object) -> Caller | None:
        """The signed-in user (their row read at most ``USER_TTL`` seconds ago, with the same
        token version); None when their unit is newer than the snapshot (the full path then
        reads it). A caller from memory is ``checked`` by the statement that uses it."""
        known = self._callers.get(user_id) if user_id is not None else None
        if known and known[0] > time.monotonic() and known[1].token_version == version:
            return known[1]
        async with self._connection() as conn:
            caller = await self._read_caller(conn, user_id, version)
        if caller is not None:
            if len(self._callers) >= 4096:
                self._callers.clear()
            self._callers[user_id] = (time.monotonic() + USER_TTL, replace(caller, checked=False))
        return caller

    async def _read_caller(self, conn, user_id: int | None, version: object) -> Caller | None:
        row = await conn.fetchrow(_USER, user_id) if user_id is not None else None
        try:
            user = check_current(SimpleNamespace(**dict(row)) if row else None, version)
        except Unauthorized:
            self._callers.pop(user_id, None)
            raise
        unit = (await self.units(conn)).get(user.unit_id)
        if unit is None:
            return None
        return Caller(actor=Actor(role=Role(user.role), unit_path=unit.path, user_id=user.id),
                      name=user.full_name or user.username, unit_id=unit.id, unit_path=unit.path,
                      token_version=version, checked=True)

    async def receive(self, req: IntakeRequest, caller: Caller,
                      full: bool = False) -> IntakeResult | None:
        """The acknowledged order, or None when the full path must take this request (``full``:
        the caller wants it); a caller from memory is checked first, as the full path does not."""
        async with self._connection() as conn:
            units = await self.units(conn)
            if (full or req.attachment_ids or req.settled_on_spot or req.direct_answer
                    or (req.division_code and units.get(req.division_code) is None)):
                # the full path's; a place newer than the snapshot (or none such) too
                if not caller.checked:
                    await self._read_caller(conn, caller.actor.user_id, caller.token_version)
                return None
            req = req.model_copy(update={"platform_id": caller.unit_id})
            now = utcnow()
            values = flows.order_values(units, req, now)
            timeline = flows.timeline_values(values, req, now, actor=caller.actor,
                                             actor_name=caller.name)
            sql, names = _insert_sql(tuple(values), tuple(timeline))
            params = {**values, **{f"t_{k}": v for k, v in timeline.items()},
                      "number_prefix": flows.number_prefix(now),
                      "caller_id": caller.actor.user_id, "caller_version": caller.token_version}
            got = await conn.fetchrow(sql, *(json.dumps(params[n], ensure_ascii=False)
                                             if is_json else params[n] for n, is_json in names))
            if got is None:   # a retry, a twin that came first, or a token revoked meanwhile
                await self._read_caller(conn, caller.actor.user_id, caller.token_version)
                return None   # the full path answers replays (reach, same payload)
        order = SimpleNamespace(**values, id=got["id"], number=got["number"])
        route_later(order.id, order_flows.event_for(order, "intake", [order.platform_path]))
        return IntakeResult(order_id=order.id, number=order.number, state=order.state,
                            created=True, division_unresolved=order.division_unresolved)

    @asynccontextmanager
    async def _connection(self):
        """A pooled connection; the database's failures as the API's answers (422, 503)."""
        import asyncpg

        try:
            async with self.pool.acquire() as conn:
                yield conn
        except asyncpg.DataError:
            raise Invalid("a value is out of range for its field") from None
        except (OSError, asyncio.TimeoutError, asyncpg.PostgresConnectionError,
                asyncpg.InterfaceError, asyncpg.CannotConnectNowError,
                asyncpg.OperatorInterventionError) as exc:
            log.warning("intake: database unavailable (%s)", exc)
            raise Unavailable("the database is unavailable; retry shortly",
                              headers={"Retry-After": "5"}) from None


async def _keep(conn) -> None:
    """Hand a connection back as it is: this path sets no session state, so asyncpg's reset (a
    round trip on every release) has nothing to undo."""


@dataclass(frozen=True)
class Caller:
    """Who logs the call: what intake records of them."""
    actor: Actor
    name: str
    unit_id: str
    unit_path: str
    token_version: object = None
    checked: bool = True      # against the user's row during this request


# The order is stored only while the caller's token is current (see ``check_current``).
_CURRENT_CALLER = (f"EXISTS (SELECT 1 FROM {User.__tablename__} WHERE id = :caller_id "
                   "AND token_version = :caller_version AND active)")
_GUARD = {"caller_id": User.__table__.c.id, "caller_version": User.__table__.c.token_version}
_NAMED = re.compile(r"(?<![:\w]):(\w+)")


def _column(name: str):
    if name in _GUARD:
        return _GUARD[name]
    if name.startswith("t_"):
        return intake_db.TIMELINE.c[name[2:]]
    return intake_db.ORDERS.c.get(name)          # None: number_prefix


@lru_cache
def _insert_sql(cols: tuple[str, ...],
                tcols: tuple[str, ...]) -> tuple[str, tuple[tuple[str, bool], ...]]:
    """The full path's statement with asyncpg's numbered parameters, each cast to its column's
    type (in INSERT … SELECT the server cannot infer them); the parameters' names in order,
    each with whether its column is JSON (asyncpg takes JSON as text)."""
    dialect = postgresql.dialect()
    params: dict[str, tuple[int, bool]] = {}

    def number(m: re.Match) -> str:
        col = _column(m.group(1))
        kind = getattr(col.type, "impl", col.type) if col is not None else None  # UTCDateTime
        n, _ = params.setdefault(m.group(1), (len(params) + 1, isinstance(kind, JSON)))
        return f"${n}::{kind.compile(dialect=dialect) if kind is not None else 'TEXT'}"

    sql = _NAMED.sub(number, intake_db.pg_insert_new_sql(cols, tcols, guard=_CURRENT_CALLER))
    return sql, tuple((name, is_json) for name, (_, is_json) in params.items())
