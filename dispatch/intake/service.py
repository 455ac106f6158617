"""The statement builder of the one intake write: every dialect difference of intake is here.

INSERT … ON CONFLICT DO NOTHING RETURNING decides "new or seen before" in one round trip. On
PostgreSQL one statement also checks the caller's token is still current, numbers the order
(from the id it draws), writes its timeline row and links its attachments: in the caller's
transaction on psycopg, or alone in autocommit on the asyncpg intake pool (dispatch.db.intake_pool,
`insert_new_on`: the driver itself sends it, with numbered parameters, one round trip and no
transaction of its own). SQLite takes a statement for each, in the caller's transaction. The
statements take their values as parameters, so SQLAlchemy compiles them once per process
(building `.values(**row)` per call costs more CPU than the database does).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from sqlalchemy import ARRAY, JSON, Integer, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.sqltypes import NullType
from sqlmodel import Session

from dispatch.auth.models import User
from dispatch.orders.models import Attachment, Order, TimelineEntry

ORDERS, TIMELINE, ATTACHMENTS = Order.__table__, TimelineEntry.__table__, Attachment.__table__
USERS = User.__table__
Guard = tuple[int, object]      # (user id, token version): store only while that token is current
Requires = tuple[str, int]      # (table, id): store only while that row is active (a channel's key)

_INSERT_ONCE = (sqlite_insert(ORDERS).on_conflict_do_nothing(
    index_elements=["channel", "external_id"]).returning(ORDERS.c.id))
_SET_NUMBER = (update(ORDERS).where(ORDERS.c.id == bindparam("order_id"))
               .values(number=bindparam("new_number")))
_ADD_TIMELINE = insert(TIMELINE)
_ATTACH = (update(ATTACHMENTS).where(ATTACHMENTS.c.id.in_(bindparam("ids", expanding=True)),
                                     ATTACHMENTS.c.order_id.is_(None))
           .values(order_id=bindparam("order_id")))
_CURRENT = select(USERS.c.id).where(USERS.c.id == bindparam("caller_id"), USERS.c.active,
                                    USERS.c.token_version == bindparam("caller_version"))


def insert_new(session: Session, row: dict[str, Any], *, number_prefix: str,
               timeline: dict[str, Any], attachment_ids: list[int],
               guard: Guard | None = None) -> tuple[int, str] | None:
    """(id, number) of the new order with its timeline row written and its attachments (those
    of no order yet) linked; None when (channel, external id) is stored already or ``guard``'s
    token is no longer current. The number is `number_prefix` + the id, 7 digits at least."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        key, params = _pg_params(row, number_prefix, timeline, attachment_ids, guard)
        got = conn.execute(_pg_insert_new(*key), params).first()
        return (got[0], got[1]) if got else None
    caller = {"caller_id": guard[0], "caller_version": guard[1]} if guard else {}
    if guard and conn.execute(_CURRENT, caller).first() is None:
        return None
    order_id = conn.execute(_INSERT_ONCE, row).scalar()
    if order_id is None:
        return None
    number = f"{number_prefix}{order_id:07d}"
    conn.execute(_SET_NUMBER, {"order_id": order_id, "new_number": number})
    conn.execute(_ADD_TIMELINE, {**timeline, "order_id": order_id})
    if attachment_ids:
        conn.execute(_ATTACH, {"order_id": order_id, "ids": list(attachment_ids)})
    return order_id, number


_ATTACH_CTE = f""",
a AS (UPDATE {ATTACHMENTS.name} SET order_id = o.id FROM o
      WHERE {ATTACHMENTS.name}.id = ANY(:attachment_ids) AND {ATTACHMENTS.name}.order_id IS NULL)"""


@lru_cache
def _pg_insert_new(cols: tuple[str, ...], tcols: tuple[str, ...], guarded: bool,
                   attaching: bool, required: str | None = None):
    """One statement with named parameters: the columns, `t_` + the timeline's, `number_prefix`,
    when ``guarded`` `caller_id` and `caller_version`, when ``attaching`` `attachment_ids`,
    with a ``required`` table `required_id` (that row must be active)."""
    cols = tuple(c for c in cols if c not in ("id", "number"))  # the statement makes them
    guard = (f"EXISTS (SELECT 1 FROM {USERS.name} WHERE id = :caller_id "
             "AND token_version = :caller_version AND active)") if guarded else "TRUE"
    if required:
        guard += f" AND EXISTS (SELECT 1 FROM {required} WHERE id = :required_id AND active)"
    sql = f"""
WITH n AS (SELECT nextval(pg_get_serial_sequence('{ORDERS.name}', 'id')) AS id WHERE {guard}),
o AS (INSERT INTO {ORDERS.name} (id, number, {", ".join(cols)})
      SELECT n.id, :number_prefix || lpad(n.id::text, greatest(7, length(n.id::text)), '0'),
             {", ".join(f":{c}" for c in cols)} FROM n
      ON CONFLICT (channel, external_id) DO NOTHING RETURNING id, number),
t AS (INSERT INTO {TIMELINE.name} (order_id, {", ".join(tcols)})
      SELECT o.id, {", ".join(f":t_{c}" for c in tcols)} FROM o){_ATTACH_CTE if attaching else ""}
SELECT id, number FROM o"""
    binds = [*[bindparam(c, type_=ORDERS.c[c].type) for c in cols],
             *[bindparam(f"t_{c}", type_=TIMELINE.c[c].type) for c in tcols]]
    if attaching:
        binds.append(bindparam("attachment_ids", type_=ARRAY(Integer)))
    if guarded:
        binds += [bindparam("caller_id", type_=USERS.c.id.type),
                  bindparam("caller_version", type_=USERS.c.token_version.type)]
    if required:
        binds.append(bindparam("required_id", type_=Integer()))
    return text(sql).bindparams(*binds)


def _pg_params(row: dict[str, Any], number_prefix: str, timeline: dict[str, Any],
               attachment_ids: list[int], guard: Guard | None,
               requires: Requires | None = None) -> tuple[tuple, dict[str, Any]]:
    """The key of `_pg_insert_new`'s statement for these values, and its parameters."""
    # a column left out is NULL (no column has a server default): with fewer than 50
    # parameters psycopg keeps the statement's conversion cached
    row = {k: v for k, v in row.items() if v is not None}
    caller = {"caller_id": guard[0], "caller_version": guard[1]} if guard else {}
    params = {**row, **{f"t_{k}": v for k, v in timeline.items()}, **caller,
              "number_prefix": number_prefix,
              **({"attachment_ids": list(attachment_ids)} if attachment_ids else {}),
              **({"required_id": requires[1]} if requires else {})}
    return ((tuple(row), tuple(timeline), bool(guard), bool(attachment_ids),
             requires[0] if requires else None), params)


async def insert_new_on(conn, row: dict[str, Any], *, number_prefix: str,
                        timeline: dict[str, Any], attachment_ids: list[int],
                        guard: Guard | None = None,
                        requires: Requires | None = None) -> tuple[int, str] | None:
    """`insert_new` on an asyncpg connection in autocommit (PostgreSQL's plain intake path):
    the same statement with numbered parameters, sent by the driver itself (SQLAlchemy's
    execution cost this hot path more CPU than the statement: 0.58 against 0.33 ms). With
    ``requires`` nothing is stored unless that row is still active (a channel's client, which
    the door knows from a cache: revoked by another process, it is refused here at once)."""
    key, params = _pg_params(row, number_prefix, timeline, attachment_ids, guard, requires)
    sql, names = _numbered(*key)
    args = [json.dumps(params[n], ensure_ascii=False) if is_json else params[n]
            for n, is_json in names]
    got = await conn.fetchrow(sql, *args)
    return (got[0], got[1]) if got else None


_STORED = (f"SELECT id, number, state, division_unresolved, payload_hash FROM {ORDERS.name} "
           "WHERE channel = $1 AND external_id = $2")


async def still_active(conn, requires: Requires) -> bool:
    return bool(await conn.fetchval(f"SELECT active FROM {requires[0]} WHERE id = $1",
                                    requires[1]))


async def stored_on(conn, *, channel: str, external_id: str) -> dict[str, Any] | None:
    """What a replay's answer needs of the stored order of (channel, external id), on an
    asyncpg connection; None when there is none."""
    got = await conn.fetchrow(_STORED, channel, external_id)
    return dict(got) if got else None


_NAMED = re.compile(r"(?<![:\w]):(\w+)")


@lru_cache
def _numbered(*key) -> tuple[str, tuple[tuple[str, bool], ...]]:
    """The statement with asyncpg's numbered parameters, each cast to its column's type (in
    INSERT … SELECT the server cannot infer them), and the parameters' names in order, each
    with whether its column is JSON (asyncpg takes JSON as text)."""
    stmt = _pg_insert_new(*key)
    types = {name: b.type for name, b in stmt._bindparams.items()}
    params: dict[str, tuple[int, bool]] = {}

    def number(m: re.Match) -> str:
        kind = types.get(m.group(1))
        kind = getattr(kind, "impl", kind)                   # UTCDateTime: its timestamp
        cast = "TEXT" if kind is None or isinstance(kind, NullType) else kind.compile(
            dialect=postgresql.dialect())
        n, _ = params.setdefault(m.group(1), (len(params) + 1, isinstance(kind, JSON)))
        return f"${n}::{cast}"

    sql = _NAMED.sub(number, stmt.text)
    return sql, tuple((name, is_json) for name, (_, is_json) in params.items())
