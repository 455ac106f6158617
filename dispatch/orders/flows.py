"""Apply an action to an order: check the table, change the rows, record the timeline, announce."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlmodel import Session

from dispatch import hooks
from dispatch.errors import Invalid, NotFound
from dispatch.orders import lifecycle
from dispatch.orders import service as orders
from dispatch.orders.effects import EFFECTS, ActionInput, Change
from dispatch.orders.enums import (OPEN_HOP_STATUSES, Action, HopRole, Level, Role, State,
                                   UnitKind)
from dispatch.orders.lifecycle import Actor, Context
from dispatch.orders.models import Assignment, Order
from dispatch.orgs import service as orgs
from dispatch.orgs.models import OrgUnit
from dispatch.realtime.broker import get_broker
from dispatch.sqltypes import utcnow

log = logging.getLogger(__name__)
NEEDS_TARGET = {Action.dispatch, Action.auto_dispatch, Action.transfer_platform, Action.pass_down,
                Action.add_cohandler, Action.transfer_city}
SYSTEM_NAME = "系统"


def build_context(session: Session, *, order: Order, hop: Assignment | None, actor: Actor,
                  action: Action, inp: ActionInput, target: OrgUnit | None,
                  now: datetime) -> Context:
    """What the transition guards need, read from the stored rows."""
    open_co = orders.open_cohandler_hops(session, order_id=order.id)
    cohandler = next((h for h in open_co if h.to_path == actor.unit_path), None)
    if cohandler is not None and action == Action.cohandler_feedback:
        inp.extra["cohandler_hop_id"] = cohandler.id
    holders = {h.to_path for h in open_co} | ({hop.to_path} if hop else set())
    return Context(
        platform_path=order.platform_path, division_path=order.division_path,
        hop_to_path=hop.to_path if hop else None, hop_from_path=hop.from_path if hop else None,
        hop_from_platform=hop.from_platform if hop else True, is_grid=order.is_grid,
        open_subhops=len(open_co),
        target_holds_order=bool(target and target.path in holders),
        pending_extension=bool(hop and hop.pending_extension),
        pending_suspension=bool(hop and hop.pending_suspension),
        deadline_passed=bool(hop and hop.deadline and now > hop.deadline),
        return_window_open=not (hop and hop.return_deadline and now > hop.return_deadline),
        target_path=target.path if target else None,
        target_is_platform=bool(target and target.kind == UnitKind.platform.value),
        target_parent_path=_parent_path(target.path) if target else None,
        target_level=target.level if target else None,
        in_province=_in_province(session, order.platform_path),
        cohandler_path=cohandler.to_path if cohandler else None,
        callback_rehandle=bool(inp.rehandle),
        has_reason=bool(inp.reason and inp.reason.strip()),
        citizen_rated=bool((order.callback or {}).get("citizen")),
    )


def _in_province(session: Session, platform_path: str) -> bool:
    root = orgs.get_unit(session, platform_path.strip("/").split("/")[0])
    return root is not None and root.level == Level.province.value


def _parent_path(path: str) -> str:
    return path[: path.rstrip("/").rfind("/") + 1]


def apply_action(session: Session, *, order_id: int, action: Action, actor: Actor,
                 actor_name: str = SYSTEM_NAME, inp: ActionInput | None = None,
                 now: datetime | None = None, publish: bool = True) -> Order:
    """Move the order by one action; commits (unless inside `orders.one_transaction`), then
    pushes the event to the consoles concerned."""
    inp, now = inp or ActionInput(), now or utcnow()
    order = orders.get_order(session, order_id=order_id)
    hop = session.get(Assignment, order.current_hop_id) if order.current_hop_id else None
    target = _target(session, action, inp)
    ctx = build_context(session, order=order, hop=hop, actor=actor, action=action, inp=inp,
                        target=target, now=now)
    from_state = State(order.state)
    to_state = lifecycle.decide(from_state, action, actor, ctx)
    with orders.stale(session):
        orders.bump_version(session, order=order)
        change = Change(order=order, hop=hop, now=now, inp=inp, session=session, target=target)
        EFFECTS[action](change)
        order.state = to_state.value
        orders.touch(order)
        data = {**change.data,
                **({"extension_days": inp.extension_days} if inp.extension_days else {})}
        if action in (Action.auto_dispatch, Action.queue_for_dispatcher, Action.transfer_platform) \
                and order.routing:
            data["routing"] = order.routing
        orders.append_timeline(session, order_id=order.id, at=now, actor_user_id=actor.user_id,
                               actor_name=actor_name, actor_role=actor.role.value,
                               actor_unit_id=_unit_id(actor.unit_path), action=action.value,
                               from_state=from_state.value, to_state=to_state.value,
                               reason=inp.reason, data=data,
                               hop_id=getattr(change.new_hop or hop, "id", None),
                               attachment_ids=list(inp.attachment_ids))
        orders.link_attachments(session, order_id=order.id, ids=inp.attachment_ids,
                                uploaded_by=actor.user_id)
        if order not in session:        # read by this session: adding it again walks its cascades
            session.add(order)
        orders.commit(session)
    if publish:
        announce(session, order=order, action=action.value)
    return order


def _unit_id(path: str) -> str | None:
    parts = path.strip("/").split("/")
    return parts[-1] if parts and parts[-1] else None


def _target(session: Session, action: Action, inp: ActionInput) -> OrgUnit | None:
    if action not in NEEDS_TARGET:
        return None
    if not inp.target_unit_id:
        raise Invalid(f"{action.value} needs target_unit_id")
    unit = orgs.get_unit(session, inp.target_unit_id)
    if unit is None:
        raise NotFound(f"unit {inp.target_unit_id} not found")
    return unit


def concerned_paths(session: Session, order: Order) -> list[str]:
    """Units whose consoles hear about this order: its platform and every unit it went to."""
    return [order.platform_path, *{h.to_path for h in orders.hops(session, order_id=order.id)}]


def event_for(order: Order, action: str, paths: list[str]) -> dict:
    """The live event for the consoles of `paths` (see dispatch.realtime.broker.visible_to)."""
    return {"type": "order", "action": action, "order_id": order.id, "number": order.number,
            "state": order.state, "current_unit_path": order.current_unit_path,
            "paths": paths, "at": utcnow().isoformat()}


def publish(session: Session, *, order: Order, action: str) -> None:
    """Push the event to the consoles concerned (no listeners); inside `holding_events`, keep
    it for the caller to push once its transaction has committed."""
    event = event_for(order, action, concerned_paths(session, order))
    held = session.info.get(HELD_EVENTS)
    if held is not None:
        held.append(event)
    else:
        get_broker().publish(event)


HELD_EVENTS = "flows.held_events"


@contextmanager
def holding_events(session: Session) -> Iterator[list[dict]]:
    """The events `publish` is asked for inside, held back in the list yielded: the caller
    pushes them (`publish_many`) once the transaction they describe has committed."""
    held: list[dict] = []
    session.info[HELD_EVENTS] = held
    try:
        yield held
    finally:
        session.info.pop(HELD_EVENTS, None)


def announce(session: Session, *, order: Order, action: str) -> None:
    publish(session, order=order, action=action)
    hooks.emit(session, order=order, action=action)


def system_actor(order: Order) -> Actor:
    return Actor(role=Role.system, unit_path=order.platform_path)


def open_hops_for_unit(session: Session, *, order: Order, unit_path: str) -> list[Assignment]:
    return [h for h in orders.hops(session, order_id=order.id)
            if h.to_path == unit_path and h.status in {s.value for s in OPEN_HOP_STATUSES}]


def is_cohandler(hop: Assignment) -> bool:
    return hop.role == HopRole.cohandler.value
