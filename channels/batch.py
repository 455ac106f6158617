"""The grid system's bulk sync: per-item results, idempotent, one transaction for the plain items.

Each item is checked on its own (one malformed item, even one that is not an object, refuses
only itself). Items with photos or settled on the spot go through the ordinary intake one by one
(they store files or close at once); the rest go through the same intake write together, in
one transaction, and are routed once it has committed (dispatch.intake.flows.write). An
event id already stored, or repeated within the batch, is a duplicate when its report is the
same and a conflict (no order disclosed) when it differs, as for a single event.
"""
from __future__ import annotations

import logging
from types import SimpleNamespace

from sqlmodel import Session

from channels import service
from channels.adapters.grid import GridBatch, GridReport
from channels.base import validate_model
from channels.flows import ingest
from channels.models import ChannelClient
from channels.registry import grid
from channels.schemas import BatchItemResult, BatchResult
from dispatch.errors import Conflict, DomainError
from dispatch.intake import flows as intake
from dispatch.intake.replays import REUSED, fingerprint, same_payload
from dispatch.intake.schemas import IntakeRequest
from dispatch.orders.enums import Channel
from dispatch.orders.models import Order

log = logging.getLogger(__name__)


def _result(index: int, event_id: str | None, status: str,
            order: Order | SimpleNamespace | None = None,
            error: str | None = None) -> BatchItemResult:
    return BatchItemResult(index=index, event_id=event_id, status=status,
                           order_id=order.id if order else None,
                           number=order.number if order else None,
                           state=order.state if order else None, error=error)


def sync_batch(session: Session, batch: GridBatch, *, client: ChannelClient) -> BatchResult:
    results: dict[int, BatchItemResult] = {}
    valid: dict[int, tuple[GridReport, IntakeRequest]] = {}
    for i, item in enumerate(batch.items):
        try:
            report = validate_model(GridReport, item, what=f"items[{i}]")
            valid[i] = (report, grid.to_intake(report))
        except DomainError as exc:
            eid = item.get("event_id") if isinstance(item, dict) else None
            results[i] = _result(i, eid if isinstance(eid, str) else None, "invalid",
                                 error=exc.message)
    # keyed by the intake's external id (the event id in NFC), as the orders are stored
    prints = {i: fingerprint(req) for i, (_, req) in valid.items()}
    known = service.existing_external(session, channel=Channel.grid.value,
                                      external_ids=[req.external_id for _, req in valid.values()])
    first_index: dict[str, int] = {}
    plain: dict[int, IntakeRequest] = {}
    for i, (report, req) in valid.items():
        eid = req.external_id
        if eid in known:
            results[i] = _replayed(i, report, known[eid], prints[i])
        elif eid not in first_index:
            first_index[eid] = i
            if not (report.photos or report.attachment_ids or report.settled_on_spot):
                plain[i] = req
    made = _insert_together(session, plain, batch.batch_id)
    for i, (report, req) in valid.items():
        if i in results or first_index[req.external_id] != i:
            continue  # a repeat within the batch: filled in below, once the first has its order
        results[i] = (_result(i, report.event_id, "created", made[i]) if i in made
                      else _one(session, i, report, client))
    for i, (report, req) in valid.items():
        if i not in results:
            first = first_index[req.external_id]
            if prints[i] != prints[first]:
                results[i] = _conflict(i, report)
                continue
            status = results[first].status
            results[i] = results[first].model_copy(update={
                "index": i, "status": "duplicate" if status == "created" else status})
    items = [results[i] for i in sorted(results)]
    return BatchResult(batch_id=batch.batch_id, items=items,
                       **{k: sum(r.status == k for r in items)
                          for k in ("created", "duplicate", "invalid", "conflict", "error")})


def _replayed(i: int, report: GridReport, order: Order, given: str) -> BatchItemResult:
    """An event stored before: the same report is a duplicate, another one a conflict."""
    if same_payload(order.payload_hash, given):
        return _result(i, report.event_id, "duplicate", order)
    return _conflict(i, report)


def _conflict(i: int, report: GridReport) -> BatchItemResult:
    return _result(i, report.event_id, "conflict", error=REUSED)


def _one(session: Session, i: int, report: GridReport, client: ChannelClient) -> BatchItemResult:
    try:
        res = ingest(session, grid, report, client=client)
    except Conflict:       # a twin with another report came first (a concurrent sync)
        session.rollback()
        return _conflict(i, report)
    except DomainError as exc:
        session.rollback()
        return _result(i, report.event_id, "invalid", error=exc.message)
    except Exception as exc:  # one item's failure must not lose the others' results
        log.exception("grid batch item %s failed", report.event_id)
        session.rollback()
        return _result(i, report.event_id, "error", error=type(exc).__name__)
    order = session.get(Order, res.order_id)
    return _result(i, report.event_id, "created" if res.created else "duplicate", order)


def _insert_together(session: Session, reqs: dict[int, IntakeRequest],
                     batch_id: str) -> dict[int, SimpleNamespace]:
    """Write the plain items with the one intake write in one transaction, then route them; an
    item a concurrent sync of the same batch stored first goes through the ordinary intake."""
    if not reqs:
        return {}
    stored = intake.write(session, list(reqs.values()), actor=None, actor_name=grid.actor_name,
                          data={"batch_id": batch_id})
    session.commit()
    made = {i: order for i, order in zip(reqs, stored) if order is not None}
    for order in made.values():
        intake.route(order)
    return made
