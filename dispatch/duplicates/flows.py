"""Find the possible duplicates of an order (or a call being logged) and list merged reports."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlmodel import Session

from dispatch.config import get_settings
from dispatch.duplicates import service
from dispatch.duplicates.schemas import DuplicatePublic, DuplicatesOf
from dispatch.errors import Conflict, Invalid
from dispatch.orders import service as orders
from dispatch.orders.enums import State
from dispatch.orders.models import Order

if TYPE_CHECKING:      # annotations only: the finder is reached by import path (service.py)
    from classifiers import duplicates as dup


def _public(order: Order, m: dup.Match | None = None) -> DuplicatePublic:
    extra = {} if m is None else {"score": round(m.score, 3),
                                  "similarity": round(m.similarity, 3), "place": m.place,
                                  "same_caller": m.same_caller,
                                  "days_apart": round(m.days_apart, 1)}
    return DuplicatePublic(order_id=order.id, number=order.number, title=order.title,
                           state=order.state, division_code=order.division_code,
                           received_at=order.received_at, **extra)


def _placed(report: dup.Report) -> dup.Report:
    """An order not yet routed may name its place only in the text: read it from there."""
    if report.division_code:
        return report
    found = service.gazetteer(get_settings().divisions_csv).resolve(report.text)
    return replace(report, division_code=found.match.code) if found.match else report


def possible_duplicates(session: Session, *, order: Order, reach_path: str,
                        limit: int = 5) -> list[DuplicatePublic]:
    """The open or recent orders the user reaches that are likely the same matter, best first."""
    dup = service.matcher()
    report = _placed(service.as_report(order))
    pool = service.candidates(session, report=report, platform_path=order.platform_path,
                              reach_path=reach_path, window_days=dup.DEFAULT_WEIGHTS.window_days)
    by_id = {o.id: o for o in pool}
    found = dup.find(report, [service.as_report(o) for o in pool], dup.get_similarity(),
                     limit=limit)
    return [_public(by_id[m.id], m) for m in found]


def duplicates_of(session: Session, *, order: Order, reach_path: str) -> DuplicatesOf:
    """Candidates only while the order can still be merged (the search is the costly part)."""
    mergeable = order.state in (State.received.value, State.pending_dispatch.value)
    return DuplicatesOf(
        order_id=order.id,
        candidates=possible_duplicates(session, order=order, reach_path=reach_path)
        if mergeable else [],
        merged=[_public(o) for o in service.merged_into(session, master_id=order.id)])


def check_master(session: Session, *, order_id: int, master_id: int | None,
                 reach_path: str) -> Order:
    """The master a merge names: another order the user reaches (404 otherwise) that can still
    give a result (not refused, handed over or itself merged)."""
    if not master_id or master_id == order_id:
        raise Invalid("merge needs master_id: the number of another order")
    master = orders.get_visible_order(session, order_id=master_id, unit_path=reach_path)
    if master.state in service.NOT_MASTERS:
        raise Conflict(f"cannot merge into an order that is {master.state}")
    return master
