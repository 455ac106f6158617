"""Jobs: take ids, JSON-serialisable, safe to re-run (a re-run of done work does nothing)."""
from __future__ import annotations

import logging

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, select

from dispatch import hooks, routing
from dispatch.db import session_scope
from dispatch.errors import Conflict
from dispatch.jobs import queue
from dispatch.jobs.batcher import ROUTE_BATCH_JOB
from dispatch.orders import flows as order_flows
from dispatch.orders import group_writes
from dispatch.orders import service as orders
from dispatch.orders.effects import ActionInput
from dispatch.orders.enums import Action, State
from dispatch.orders.lifecycle import IllegalTransition
from dispatch.orders.models import Order
from dispatch.realtime.broker import get_broker
from dispatch.routing import RoutingDecision, get_router
from dispatch.routing_text import rule_reason

log = logging.getLogger(__name__)


def route_order(order_id: int) -> str:
    """Classify and route one received order; an order already routed is left alone."""
    counts = route_orders([order_id])
    return next(iter(counts))


MERGE_JOBS = 10          # queued routing jobs a job takes along with its own, at most
MERGE_BELOW = 300        # orders: a group this large already takes no other job


def route_orders(order_ids: list[int]) -> dict[str, int]:
    """Route a group: this job's orders and, in an RQ worker, those of the routing jobs still
    waiting in the queue (up to MERGE_JOBS of them), so a worker that falls behind routes ever
    larger groups instead of one small job after another. A job taken along is deleted once
    its orders are committed, put back in the queue if the group fails."""
    merged = queue.take_queued(ROUTE_BATCH_JOB, MERGE_JOBS) if len(order_ids) < MERGE_BELOW else []
    try:
        counts = _route_group([*order_ids, *(i for job in merged for i in job.args[0])])
    except Exception:
        queue.give_back(merged)
        raise
    queue.forget(merged)
    return counts


def _route_group(order_ids: list[int]) -> dict[str, int]:
    """Route a batch (intake's micro-batches, the sweeper, grid batches) in one session.

    First the intake listeners of the orders still received (deferred from intake: notices,
    KPIs), then the orders: all in one transaction, their live events pushed once it commits;
    if any is refused (changed by someone else meanwhile, a proposal that does not fit), that
    transaction is rolled back and each order is routed alone, its event pushed at once. Then
    the routing listeners, one call per listener and action; the KPI refresh (a state listener)
    once per order, at the end. Orders routed meanwhile by another job are skipped."""
    counts: dict[str, int] = {}
    done: dict[str, list[Order]] = {}
    with session_scope() as session, hooks.coalesced(session):
        fresh = list(session.exec(select(Order).where(col(Order.id).in_(order_ids),
                                                      Order.state == State.received.value)))
        hooks.emit_many(session, orders=fresh, action="intake")
        routing.prepare(get_router(), session, fresh)
        ids = [o.id for o in fresh]
        routed = _route_together(session, ids)
        if routed is None:
            orders.keep_hops(session, ids)
            routed = [(order_id, *_route(session, order_id)) for order_id in ids]
        for order_id, result, actions in routed:
            counts[result] = counts.get(result, 0) + 1
            for action in actions:
                done.setdefault(action, []).append(session.get(Order, order_id))
        for action, group in done.items():
            hooks.emit_many(session, orders=group, action=action)
    if len(fresh) < len(order_ids):
        counts["skipped"] = counts.get("skipped", 0) + len(order_ids) - len(fresh)
    return counts


def _route_together(session, ids: list[int]) -> list[tuple[int, str, list[str]]] | None:
    """(order, result, actions) of every order, routed in one transaction: one commit, one
    UPDATE statement of the orders and one INSERT of the hops and of the timeline rows for the
    batch, instead of each per order. None, rolled back, if any order was refused."""
    orders.keep_hops(session, ids)
    # a hop and a timeline row per step; a city call about a county takes two steps
    orders.reserve_ids(session, 2 * len(ids))
    try:
        with orders.one_transaction(session), order_flows.holding_events(session) as events:
            routed = [(order_id, *_route(session, order_id)) for order_id in ids]
            # the orders' UPDATEs as one statement, not one round trip each at the flush
            group_writes.update_orders(session, [session.get(Order, i) for i in ids])
        session.commit()
    except (Conflict, IllegalTransition, StaleDataError) as exc:
        session.rollback()
        log.info("routing %d orders together refused (%s); routing each alone", len(ids), exc)
        return None
    get_broker().publish_many(events)       # one round trip to Redis for the batch
    return routed


def _route(session, order_id: int) -> tuple[str, list[str]]:
    """(result, the actions applied) for one order, each committed and pushed (unless routed
    together). An order the city hands to a county platform is routed again there at once, as
    that platform's own proposal: dispatched if it is confident, else it waits in the county's
    queue."""
    order = session.get(Order, order_id)
    if order is None or order.state != State.received.value:
        return "skipped", []
    given = order.category          # a guess recorded by the city's routing is not a given
    result, action = _decide_and_apply(session, order)
    if action != Action.transfer_platform.value:
        return result, [action] if action else []
    order = session.get(Order, order_id)
    order.category = given
    decision = get_router().route(session, order)        # now owned by the county platform
    _record(order, decision)
    if decision.kind != "dispatch":
        session.add(order)
        orders.commit(session)      # its proposal (suggestions, scores) for the county's queue
        return "transfer", [action]
    try:
        _apply(session, order, Action.auto_dispatch, _action_for(decision)[1])
    except (Conflict, IllegalTransition) as exc:
        if orders.in_one_transaction(session):
            raise                   # the batch is routed again, one order at a time
        log.warning("county routing of %s refused (%s); left in its queue", order.number, exc)
        session.rollback()
        return "transfer", [action]
    return "dispatch", [action, Action.auto_dispatch.value]


def _decide_and_apply(session, order: Order) -> tuple[str, str | None]:
    order_id = order.id
    decision = get_router().route(session, order)
    _record(order, decision)
    action, inp = _action_for(decision)
    try:
        _apply(session, order, action, inp)
    except (Conflict, IllegalTransition) as exc:
        if orders.in_one_transaction(session):
            raise                   # the batch is routed again, one order at a time
        if isinstance(exc, Conflict):
            session.rollback()
            return "skipped", None  # another worker routed it first: never dispatch twice
        # the proposal does not fit (e.g. a unit outside the platform): a person decides
        log.warning("routing proposal for %s refused (%s); queued", order.number, exc)
        session.rollback()
        order = session.get(Order, order_id)
        if order is None or order.state != State.received.value:
            return "skipped", None
        action = Action.queue_for_dispatcher
        _apply(session, order, action, ActionInput(
            reason=rule_reason(decision.rule, refused=str(exc))))
        return "queue", action.value
    return decision.kind, action.value


def _apply(session, order: Order, action: Action, inp: ActionInput) -> None:
    """Apply and push the event (when routing together: once the batch commits); the
    listeners wait for the end of the batch."""
    order = order_flows.apply_action(session, order_id=order.id, action=action,
                                     actor=order_flows.system_actor(order),
                                     actor_name="智能分拨", inp=inp, publish=False)
    order_flows.publish(session, order=order, action=action.value)


def _record(order: Order, d: RoutingDecision) -> None:
    order.routing = {**order.routing, **d.to_dict()}
    order.suggestions = d.scores
    requested = order.routing.get("requested", {})
    if d.category and not order.category:
        order.category = d.category
    if d.request_type and not requested.get("request_type"):
        order.request_type = d.request_type
    if d.urgency and not requested.get("urgency"):
        order.urgency = d.urgency
    if d.emergency:
        order.emergency = d.emergency
    if d.division_code and not order.division_code:
        order.division_code = d.division_code


def _action_for(d: RoutingDecision) -> tuple[Action, ActionInput]:
    # the rule's machine form: the API shows its Chinese text (dispatch.routing_text)
    if d.kind == "dispatch":
        return Action.auto_dispatch, ActionInput(target_unit_id=d.target_unit_id,
                                                 reason=rule_reason(d.rule))
    if d.kind == "transfer":
        return Action.transfer_platform, ActionInput(target_unit_id=d.target_unit_id,
                                                     reason=rule_reason(d.rule))
    return Action.queue_for_dispatcher, ActionInput(reason=rule_reason(d.rule))

