"""Intake's writes: the hot path of every channel, in statements built once per process.

INSERT … ON CONFLICT DO NOTHING RETURNING decides "new or seen before" in one round trip. On
PostgreSQL one statement also numbers the order (from the id it draws) and writes its timeline
row; SQLite takes three. The statements take their values as parameters, so SQLAlchemy compiles
them once (building `.values(**row)` per call costs more CPU than the database does).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from dispatch.orders.models import Order, TimelineEntry

ORDERS, TIMELINE = Order.__table__, TimelineEntry.__table__


@lru_cache
def _insert_once(dialect: str):
    upsert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect]
    return (upsert(ORDERS).on_conflict_do_nothing(index_elements=["channel", "external_id"])
            .returning(ORDERS.c.id))


_SET_NUMBER = (update(ORDERS).where(ORDERS.c.id == bindparam("order_id"))
               .values(number=bindparam("new_number")))
_ADD_TIMELINE = insert(TIMELINE)


def insert_new(session: Session, row: dict[str, Any], *, number_prefix: str,
               timeline: dict[str, Any]) -> tuple[int, str] | None:
    """(id, number) of the new order with its timeline row written, or None when
    (channel, external id) is stored already; `number_prefix` + the id, 7 digits at least."""
    if session.get_bind().dialect.name == "postgresql":
        params = {**row, **{f"t_{k}": v for k, v in timeline.items()}, "number_prefix": number_prefix}
        got = session.connection().execute(_pg_insert_new(tuple(row), tuple(timeline)),
                                           params).first()
        return (got[0], got[1]) if got else None
    order_id = insert_order_once(session, row)
    if order_id is None:
        return None
    number = f"{number_prefix}{order_id:07d}"
    set_number(session, order_id=order_id, number=number)
    add_timeline(session, order_id=order_id, **timeline)
    return order_id, number


@lru_cache
def _pg_insert_new(cols: tuple[str, ...], tcols: tuple[str, ...]):
    cols = _stored_by_insert(cols)
    return text(pg_insert_new_sql(cols, tcols)).bindparams(
        *[bindparam(c, type_=ORDERS.c[c].type) for c in cols],
        *[bindparam(f"t_{c}", type_=TIMELINE.c[c].type) for c in tcols])


def pg_insert_new_sql(cols: tuple[str, ...], tcols: tuple[str, ...], guard: str = "TRUE") -> str:
    """The statement with named parameters: the columns, `t_` + the timeline's, `number_prefix`;
    nothing is stored (and no id drawn) unless the SQL condition `guard` holds."""
    cols = _stored_by_insert(cols)
    return f"""
WITH n AS (SELECT nextval(pg_get_serial_sequence('{ORDERS.name}', 'id')) AS id WHERE {guard}),
o AS (INSERT INTO {ORDERS.name} (id, number, {", ".join(cols)})
      SELECT n.id, :number_prefix || lpad(n.id::text, greatest(7, length(n.id::text)), '0'),
             {", ".join(f":{c}" for c in cols)} FROM n
      ON CONFLICT (channel, external_id) DO NOTHING RETURNING id, number),
t AS (INSERT INTO {TIMELINE.name} (order_id, {", ".join(tcols)})
      SELECT o.id, {", ".join(f":t_{c}" for c in tcols)} FROM o)
SELECT id, number FROM o"""


def _stored_by_insert(cols: tuple[str, ...]) -> tuple[str, ...]:
    """The columns the caller gives: the statement draws the id and makes the number."""
    return tuple(c for c in cols if c not in ("id", "number"))


def insert_order_once(session: Session, row: dict[str, Any]) -> int | None:
    """The new order's id, or None when (channel, external id) is stored already."""
    conn = session.connection()
    return conn.execute(_insert_once(conn.dialect.name), row).scalar()


def set_number(session: Session, *, order_id: int, number: str) -> None:
    session.connection().execute(_SET_NUMBER, {"order_id": order_id, "new_number": number})


def add_timeline(session: Session, **fields: Any) -> None:
    session.connection().execute(_ADD_TIMELINE, fields)
