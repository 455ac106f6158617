"""COPY rows (dispatch.orders.copy_rows.RowShape), shared by the bulk import and the KPI
benchmark's generator: every column in table order, the template where a row has no value."""
from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import pytest

from dispatch.orders.copy_rows import HOP_COLS, ORDER_COLS, RowShape, templates
from tests.conftest import ROOT

COLS = ["id", "name", "data", "note", "tags"]
TEMPLATE = {"name": "?", "data": {"a": 1}, "note": None, "tags": []}


def expected(values: dict) -> list:
    """The row built the plain way: a value per column, JSON as text."""
    row = [values.get(c, TEMPLATE.get(c)) for c in COLS]
    return [json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v for v in row]


@pytest.mark.parametrize("values", [
    {"id": 1, "name": "张三"},
    {"name": "李四", "id": 2},                                   # other key order
    {"id": 3},                                                   # one key
    {},                                                          # none
    {"id": 4, "data": {"回访": True}, "tags": ["甲", "乙"]},     # JSON from the row, kept non-ASCII
    {"id": 5, "note": None, "extra": "not a column"},            # None kept, unknown keys ignored
    {"tags": "already text", "id": 6},
])
def test_row_fills_every_column_in_table_order(values):
    shape = RowShape(COLS, TEMPLATE)
    assert shape.row(values) == expected(values)


def test_rows_of_different_keys_do_not_mix():
    """Plans are made per set of keys: a row never gets another row's values or gaps."""
    shape = RowShape(COLS, TEMPLATE)
    rows = [{"id": 1, "name": "a"}, {"id": 2}, {"id": 3, "name": "c", "note": "n"}, {"id": 4}]
    assert [shape.row(r) for r in rows * 2] == [expected(r) for r in rows * 2]


def test_with_types_only_json_columns_are_turned_into_text():
    shape = RowShape(["id", "data", "tags"], {"tags": []}, ["integer", "json", "text[]"])
    assert shape.row({"id": 1, "data": {"x": "是"}, "tags": ["a"]}) == [1, '{"x": "是"}', ["a"]]
    assert shape.types == ["integer", "text", "text[]"]   # json goes as text in binary COPY


def test_generator_rows_carry_number_and_external_id_in_their_columns():
    """bench/gen_orders.py fills KPI benchmark databases with these rows (it broke once when
    RowShape lost its column index)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import gen_orders

    order_tpl, hop_tpl = templates()
    writer = gen_orders.Writer(copier=None, order_tpl=order_tpl, hop_tpl=hop_tpl)
    at = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    order = {**order_tpl, "id": 42, "received_at": at, "state": "closed", "version": 3,
             "channel": "12345", "category": "城乡建设", "callback": {"satisfied": True}}
    hop = {**hop_tpl, "id": 7, "order_id": 42, "parent": None}
    writer.add(order, [hop], {})
    row = dict(zip(ORDER_COLS, writer.orders[0]))
    assert row["number"] == "GD2026030200000042"
    assert row["external_id"] == "bench-42"
    assert row["callback"] == '{"satisfied": true}'
    assert dict(zip(HOP_COLS, writer.hops[0]))["parent_id"] is None
    assert len(writer.facts) == 1
