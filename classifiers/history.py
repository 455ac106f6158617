"""The centre's own answered history: closed orders with the unit that handled each.

`hotline routing-history` writes it (``title,text,answered_by``, the same columns as a city's
answered letters) to ``var/answered_history.csv``; the unit-routing model reads it beside the
city's shipped history and retrains when it changes (`classifiers.routing`). The handling unit
is the lead unit whose report (反馈) closed the order: a township or county department names its
county, a city department its type (`answering.AnswerReader`). Orders handled by several lead
units in turn count the last one; co-handlers (协办) do not count.
"""
from __future__ import annotations

import csv
from pathlib import Path

from sqlmodel import Session, select

from dispatch.orders.enums import State
from dispatch.orders.models import Assignment, Order
from dispatch.orgs.models import OrgUnit

FIELDS = ("order_id", "title", "text", "answered_by")


def export_history(session: Session, out: Path, *, batch: int = 5000) -> int:
    """Write every closed order with its handling unit; returns the number of rows."""
    names = dict(session.exec(select(OrgUnit.id, OrgUnit.name)).all())
    tmp = out.with_suffix(".tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    n, last = 0, 0
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        while True:
            orders = session.exec(select(Order).where(Order.state == State.closed.value,
                                                      Order.id > last)
                                  .order_by(Order.id).limit(batch)).all()
            if not orders:
                break
            last = orders[-1].id
            handlers = _handlers(session, [o.id for o in orders])
            for o in orders:
                unit = handlers.get(o.id)
                if unit is None or unit not in names:
                    continue
                writer.writerow({"order_id": o.id, "title": o.title, "text": o.content,
                                 "answered_by": names[unit]})
                n += 1
    tmp.replace(out)
    return n


def _handlers(session: Session, order_ids: list[int]) -> dict[int, str]:
    """order id -> the last lead unit that reported on it."""
    rows = session.exec(select(Assignment.order_id, Assignment.to_unit_id, Assignment.reported_at)
                        .where(Assignment.order_id.in_(order_ids), Assignment.role == "lead",
                               Assignment.reported_at.is_not(None))).all()
    out: dict[int, tuple] = {}
    for order_id, unit, at in rows:
        if order_id not in out or at >= out[order_id][1]:
            out[order_id] = (unit, at)
    return {k: v[0] for k, v in out.items()}
