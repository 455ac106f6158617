"""A group's changed orders written by one statement (the routing job's batches).

The ORM writes a versioned row with one UPDATE of its own (it checks each row's count), so a
batch of 100 orders cost 100 round trips to the database at its commit. `update_orders` sends
the group's UPDATEs as one executemany instead: one statement text for the group (the union of
the columns any of its orders changed), one round trip (psycopg pipelines an executemany), the
same optimistic lock (`WHERE id = … AND version = <the one read>`), checked on the summed row
count. The ORM then holds the orders as written and no longer modified (`_commit_all`, the
state a flush leaves), so its flush does not even look at them: with only the changed keys
marked committed, it still compared each order's ~47 columns with their history, about 3 % of
the routing job's CPU. Hops are left to the ORM (the county's step reads the hop the city's step
made), which inserts a group's rows in one statement; timeline rows see `dispatch.orders.service
.append_timeline`.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import bindparam, update
from sqlalchemy.orm import attributes
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from dispatch.orders.models import Order

_ID, _READ = "w_id", "w_version_read"


def update_orders(session: Session, orders: Sequence[Order]) -> int:
    """Write the changes of `orders` in one statement; how many were changed. StaleDataError
    (the ORM's own) if any was changed by someone else since it was read, nothing written."""
    changed = [(o, attributes.instance_state(o)) for o in orders]
    changed = [(o, s) for o, s in changed if s.committed_state and s.key is not None]
    if not changed:
        return 0
    keys = sorted({k for _, s in changed for k in s.committed_state} & _columns().keys())
    rows = [{_ID: o.id, _READ: s.committed_state.get("version", o.version),
             **{f"w_{k}": getattr(o, k) for k in keys}} for o, s in changed]
    with session.no_autoflush:          # the ORM would write them first, one UPDATE each
        result = session.execute(_statement(tuple(keys)), rows)
    if result.rowcount != len(rows):
        raise StaleDataError(f"expected {len(rows)} orders as read, "
                             f"{result.rowcount} matched: changed meanwhile")
    for _, s in changed:    # as written: the flush no longer compares their ~47 columns
        s._commit_all(s.dict, session.identity_map)
    return len(rows)


@lru_cache
def _columns() -> dict:
    return {prop.key: prop.columns[0] for prop in Order.__mapper__.column_attrs}


@lru_cache(maxsize=64)
def _statement(keys: tuple[str, ...]):
    table, cols = Order.__table__, _columns()
    return (update(table)
            .where(table.c.id == bindparam(_ID), table.c.version == bindparam(_READ))
            .values({cols[k].name: bindparam(f"w_{k}", type_=cols[k].type) for k in keys}))
