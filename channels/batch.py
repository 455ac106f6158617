"""The grid system's bulk sync: per-item results, idempotent, one transaction for the plain items.

Each item is checked on its own (one malformed item, even one that is not an object, refuses
only itself). Items with photos or settled on the spot go through the ordinary intake one by one
(they store files or close at once); the rest are written together and routed by one job. An
event id already stored, or repeated within the batch, is a duplicate when its report is the
same and a conflict (no order disclosed) when it differs, as for a single event.
"""
from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from channels import service
from channels.adapters.grid import GridBatch, GridReport
from channels.base import validate_model
from channels.flows import ingest
from channels.models import ChannelClient
from channels.registry import grid
from channels.schemas import BatchItemResult, BatchResult
from dispatch.errors import Conflict, DomainError
from dispatch.intake.flows import build_order, number_for
from dispatch.intake.replays import REUSED, fingerprint, same_payload
from dispatch.intake.schemas import IntakeRequest
from dispatch.jobs.queue import enqueue_safely
from dispatch.realtime.broker import get_broker
from dispatch.orders import flows as order_flows
from dispatch.orders import service as orders
from dispatch.orders.enums import Channel, State
from dispatch.orders.models import Order
from dispatch.sqltypes import utcnow

log = logging.getLogger(__name__)
ROUTE_MANY_JOB = "dispatch.jobs.tasks.route_orders"


def _result(index: int, event_id: str | None, status: str, order: Order | None = None,
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
                     batch_id: str) -> dict[int, Order]:
    """Write the plain items in one transaction; on a race with a concurrent sync of the same
    batch, give up the shortcut and let each item go through the ordinary intake."""
    if not reqs:
        return {}
    now = utcnow()
    made: dict[int, Order] = {}
    try:
        for i, req in reqs.items():
            order = build_order(session, req, now)
            session.add(order)
            session.flush()
            order.number = number_for(order.id, now)
            orders.append_timeline(session, order_id=order.id, at=now, action="intake",
                                   actor_name=grid.actor_name, actor_role="system",
                                   to_state=State.received.value,
                                   data={"channel": order.channel, "external_id": req.external_id,
                                         "division_unresolved": order.division_unresolved,
                                         "batch_id": batch_id})
            made[i] = order
        session.commit()
    except IntegrityError:
        session.rollback()
        log.info("grid batch %s raced with another sync; items go one by one", batch_id)
        return {}
    ids = [o.id for o in made.values()]
    enqueue_safely(ROUTE_MANY_JOB, ids, job_id=f"route-batch-{ids[0]}-{ids[-1]}")
    # the intake listeners (notices, KPIs) run in that routing job, as for a single intake
    get_broker().publish_many([order_flows.event_for(o, "intake", [o.platform_path])
                               for o in made.values()])
    return made
