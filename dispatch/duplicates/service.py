"""Candidates for the duplicate finder: open or recent orders near the new one, bounded.

The finder itself is the classifiers' (a layer above the core): `matcher()` and `gazetteer()`
name it by import path, as dispatch.routing.ROUTERS names the router (docs/architecture.md).
"""
from __future__ import annotations

import importlib
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_
from sqlmodel import Session, col, select

from dispatch.orders.enums import State
from dispatch.orders.models import Order
from dispatch.orders.service import reach_clause
from dispatch.sqltypes import starts_with

if TYPE_CHECKING:      # annotations only; lint-imports leaves type-checking imports out
    from classifiers import duplicates as dup

MATCHER = "classifiers.duplicates"              # Report, find, get_similarity, DEFAULT_WEIGHTS
GAZETTEER = "classifiers.place.get_gazetteer"   # a text's place, for a report not yet placed


def matcher():
    return importlib.import_module(MATCHER)


def gazetteer(divisions_csv):
    module, _, name = GAZETTEER.rpartition(".")
    return getattr(importlib.import_module(module), name)(divisions_csv)


# orders that left the loop without a result of their own are no master for anything
NOT_MASTERS = (State.refused.value, State.transferred.value, State.merged.value)
MAX_NEARBY = 300
MAX_SAME_CALLER = 20


def as_report(order: Order) -> dup.Report:
    return matcher().Report(id=order.id, text=f"{order.title}{order.content}", at=order.received_at,
                      division_code=order.division_code, phone=order.citizen_phone)


def candidates(session: Session, *, report: dup.Report, platform_path: str, reach_path: str,
               window_days: float) -> list[Order]:
    """Orders received in the window, still able to be a master, that the user reaches: the
    newest ``MAX_NEARBY`` of the same county (and the platform's orders not yet placed; all the
    platform's when the new report's place is unknown) plus the same caller's newest
    ``MAX_SAME_CALLER``."""
    since = report.at - timedelta(days=window_days)
    base = select(Order).where(col(Order.received_at) >= since,
                               col(Order.state).notin_(NOT_MASTERS), reach_clause(reach_path))
    if report.id is not None:
        base = base.where(Order.id != report.id)
    same_platform_unplaced = (Order.platform_path == platform_path) & \
        col(Order.division_code).is_(None)
    nearby = base.where(or_(starts_with(col(Order.division_code), report.division_code[:6]),
                            same_platform_unplaced)) \
        if report.division_code else base.where(Order.platform_path == platform_path)
    found = {o.id: o for o in session.exec(nearby.order_by(col(Order.id).desc())
                                           .limit(MAX_NEARBY)).all()}
    if report.phone:
        for o in session.exec(base.where(Order.citizen_phone == report.phone)
                              .order_by(col(Order.id).desc()).limit(MAX_SAME_CALLER)).all():
            found.setdefault(o.id, o)
    return list(found.values())


def merged_into(session: Session, *, master_id: int, limit: int = 200) -> list[Order]:
    return list(session.exec(select(Order).where(Order.master_id == master_id,
                                                 Order.state == State.merged.value)
                             .order_by(Order.id).limit(limit)).all())
