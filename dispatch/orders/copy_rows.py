"""Rows for PostgreSQL COPY: every column of a table in order, defaults filled in, JSON as text.

Shared by the bulk import (``hotline.bulk_import``) and the benchmark generator
(``bench/gen_orders.py``): both write orders, hops and KPI facts far faster than the ORM can.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from dispatch.orders.models import Assignment, Order, TimelineEntry

ORDER_COLS = [c.name for c in Order.__table__.columns]
HOP_COLS = [c.name for c in Assignment.__table__.columns]
TIMELINE_COLS = [c.name for c in TimelineEntry.__table__.columns]


def templates() -> tuple[dict, dict]:
    """Every column's default (so columns added later still get a value), JSON as text."""
    order = Order(channel="", external_id="", platform_id="", platform_path="").model_dump()
    hop = Assignment(order_id=0, from_unit_id="", from_path="", to_unit_id="", to_path="").model_dump()
    return order, hop


_JSON = (dict, list)
# json.dumps(..., ensure_ascii=False) builds an encoder per call: a third of its cost
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def cell(value: Any) -> Any:
    return _to_json(value) if isinstance(value, (dict, list)) else value


class RowShape:
    """A table's columns with the template's values already converted; a row fills in the rest.
    ``types`` (``column_types``) are for binary COPY; they also tell which columns are JSON, so
    only those are looked at for a dict or list to turn into text. ``index``: column → position.

    A row is built by a plan made once per set of keys (rows of one source share a few): one
    ``itemgetter`` takes the values the row has, the template fills the others, a second one
    puts them in column order. Both run in C; a comprehension calling ``dict.get`` per column
    cost the import about a quarter of its writing time."""

    def __init__(self, cols: list[str], template: dict, types: list[str] | None = None) -> None:
        self.cols = cols
        self.types = ["text" if t == "json" else t for t in types] if types else None
        self.base = [cell(template.get(c)) for c in cols]
        self.index = {c: i for i, c in enumerate(cols)}
        self.json = {c for c, t in zip(cols, types) if t == "json"} if types else set(cols)
        self._plans: dict[tuple, tuple] = {}

    def _plan(self, keys: tuple) -> tuple:
        given = [k for k in keys if k in self.index]
        rest = [c for c in self.cols if c not in set(given)]
        at = {c: i for i, c in enumerate(given + rest)}
        return (_getter(given), tuple(self.base[self.index[c]] for c in rest),
                _getter([at[c] for c in self.cols]), [self.index[c] for c in given if c in self.json])

    def row(self, values: dict) -> list:
        keys = tuple(values)
        plan = self._plans.get(keys) or self._plans.setdefault(keys, self._plan(keys))
        take, rest, arrange, json_cols = plan
        row = list(arrange(take(values) + rest))
        for i in json_cols:   # cell(), inlined: this runs for every row
            if row[i].__class__ in _JSON:
                row[i] = _to_json(row[i])
        return row


def _getter(keys: list) -> Callable[[Any], tuple]:
    """``itemgetter`` that always returns a tuple (it returns the item itself for one key)."""
    if len(keys) > 1:
        return itemgetter(*keys)
    if keys:
        key = keys[0]
        return lambda values: (values[key],)
    return lambda values: ()


def column_types(conn, table: str, cols: list[str]) -> list[str]:
    """The PostgreSQL type of each column, for binary COPY (see ``RowShape``: a ``json``
    column's binary form is its text, which ``RowShape`` makes)."""
    with conn.cursor() as cur:
        found = dict(cur.execute(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped", (table,)).fetchall())
    if "jsonb" in found.values():
        raise ValueError(f"{table}: binary COPY of jsonb columns is not supported here")
    return [found[c] for c in cols]


def copy_rows(conn, table: str, cols: list[str], rows: list, types: list[str] | None = None) -> None:
    """COPY ``rows`` (sequences in ``cols`` order) into ``table`` on a psycopg connection; in
    binary when the columns' ``types`` are given (no text to format and parse: about half the
    client's work)."""
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in cols)
    binary = " (FORMAT BINARY)" if types else ""
    with conn.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN{binary}') as copy:
        if types:
            copy.set_types(types)
        for row in rows:
            copy.write_row(row)
