"""The centre's own answered history: closed orders and the unit whose report closed each."""
from __future__ import annotations

import csv

from classifiers.answering import AnswerReader
from classifiers.divisions import Divisions
from classifiers.history import export_history
from dispatch.config import get_settings
from dispatch.orders.models import Assignment
from dispatch.orgs.service import read_departments
from dispatch.sqltypes import utcnow
from tests.helpers import unrouted_order


def _closed(session, seeded, text: str, handlers) -> int:
    order = unrouted_order(session, content=text, platform_id=seeded.city.id)
    for hop_no, (unit, reported) in enumerate(handlers, 1):
        session.add(Assignment(order_id=order.id, hop_no=hop_no, role="lead",
                               from_unit_id=seeded.city.id, from_path=seeded.city.path,
                               to_unit_id=unit.id, to_path=unit.path,
                               reported_at=utcnow() if reported else None))
    order.state = "closed"
    session.add(order)
    session.commit()
    return order.id


def test_closed_orders_become_history_the_unit_model_can_read(session, seeded, tmp_path):
    township = _closed(session, seeded, "家门口的路灯坏了", [(seeded.township, True)])
    city_dept = _closed(session, seeded, "公积金提取要什么材料",
                        [(seeded.township, False), (seeded.city_dept, True)])
    still_open = unrouted_order(session, content="刚受理的", platform_id=seeded.city.id).id
    out = tmp_path / "history.csv"
    assert export_history(session, out) >= 2
    with open(out, encoding="utf-8") as fh:
        rows = {int(r["order_id"]): r for r in csv.DictReader(fh)}
    assert still_open not in rows
    s = get_settings()
    reader = AnswerReader(Divisions.from_csv(s.divisions_csv), read_departments(s.departments_file))
    assert reader.read(rows[township]["answered_by"]).county == seeded.county.id
    handler = reader.read(rows[city_dept]["answered_by"])
    assert handler.level == "city" and handler.dept_type == seeded.city_dept.dept_type
