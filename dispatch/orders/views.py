"""Order endpoints: thin — parse, call one service or flow, return a public schema."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from dispatch.deps import CurrentPrincipal, Principal, SessionDep
from dispatch.duplicates.flows import check_master
from dispatch.errors import Forbidden
from dispatch.orders import deadlines, flows
from dispatch.orders import service as orders
from dispatch.orders.effects import ActionInput
from dispatch.orders.enums import Action, Role, State
from dispatch.orders.lifecycle import allowed_actions
from dispatch.orders.models import Assignment, Order
from dispatch.orders.schemas import (ActionRequest, HopPublic, OrderDetail, OrderPage, OrderPublic,
                                     TimelinePublic, mask_name, mask_phone, sees_contact)
from dispatch.orgs.models import OrgUnit
from dispatch.sqltypes import utcnow

router = APIRouter(prefix="/orders", tags=["orders"])


def to_public(order: Order, principal: Principal, cls=OrderPublic, **extra) -> OrderPublic:
    data = order.model_dump()
    if not sees_contact(principal.role, order.confidential):
        data["citizen_phone"] = mask_phone(order.citizen_phone)
        data["citizen_name"] = mask_name(order.citizen_name)
    now = utcnow()
    data["light"] = deadlines.light(now, order.dispatched_at or order.received_at, order.due_at) \
        if order.state in (State.dispatched, State.handling, State.return_requested) else None
    return cls(**{**data, **extra})


def _hop_public(session: Session, hop: Assignment) -> HopPublic:
    unit = session.get(OrgUnit, hop.to_unit_id)
    light = deadlines.light(utcnow(), hop.dispatched_at, hop.deadline) \
        if hop.status in ("dispatched", "handling") else None
    return HopPublic(**hop.model_dump(), to_unit_name=unit.name if unit else None, light=light)


@router.get("", response_model=OrderPage)
def list_orders(session: SessionDep, principal: CurrentPrincipal,
                state: Annotated[list[State] | None, Query()] = None,
                unit_id: str | None = None, channel: str | None = None,
                category: str | None = None, overdue: bool | None = None,
                q: Annotated[str | None, Query(max_length=100)] = None,
                inbox: bool = False, before_id: int | None = None,
                limit: Annotated[int, Query(ge=1, le=200)] = 50) -> OrderPage:
    unit = session.get(OrgUnit, unit_id) if unit_id else None
    flt = orders.OrderFilter(state=[s.value for s in state] if state else None,
                             unit_path=unit.path if unit else None, channel=channel,
                             category=category, overdue=overdue, q=q,
                             inbox_unit_path=principal.unit.path if inbox else None)
    rows = orders.list_orders(session, reach_path=principal.unit.path, flt=flt, now=utcnow(),
                              before_id=before_id, limit=limit)
    return OrderPage(items=[to_public(o, principal) for o in rows],
                     next_cursor=rows[-1].id if len(rows) == limit else None)


@router.get("/stats/by-state", response_model=dict[str, int])
def count_by_state(session: SessionDep, principal: CurrentPrincipal) -> dict[str, int]:
    return orders.count_by_state(session, reach_path=principal.unit.path)


@router.get("/by-phone/{phone}", response_model=list[OrderPublic])
def by_phone(phone: str, session: SessionDep, principal: CurrentPrincipal) -> list[OrderPublic]:
    """A caller's open and recent orders (operators see them as the call comes in)."""
    if principal.role not in (Role.operator, Role.dispatcher, Role.callback_agent):
        raise Forbidden("only platform staff look callers up by phone")
    return [to_public(o, principal) for o in
            orders.orders_by_phone(session, phone=phone, reach_path=principal.unit.path)]


@router.get("/{order_id}", response_model=OrderDetail)
def get_order(order_id: int, session: SessionDep, principal: CurrentPrincipal) -> OrderDetail:
    order = orders.get_visible_order(session, order_id=order_id, unit_path=principal.unit.path)
    hop = session.get(Assignment, order.current_hop_id) if order.current_hop_id else None
    ctx = flows.build_context(session, order=order, hop=hop, actor=principal.actor,
                              action=Action.feedback, inp=ActionInput(reason="x"), target=None,
                              now=utcnow())
    current = session.get(OrgUnit, hop.to_unit_id) if hop else None
    return to_public(order, principal, OrderDetail,
                     hops=[_hop_public(session, h) for h in orders.hops(session, order_id=order.id)],
                     timeline=[TimelinePublic(**t.model_dump())
                               for t in orders.timeline(session, order_id=order.id)],
                     allowed_actions=allowed_actions(State(order.state), principal.actor, ctx),
                     current_unit_name=current.name if current else None)


@router.post("/{order_id}/actions/{action}", response_model=OrderPublic)
def act(order_id: int, action: Action, body: ActionRequest, session: SessionDep,
        principal: CurrentPrincipal) -> OrderPublic:
    """Take one step of the closed loop. 409 when the order's state does not allow it."""
    if action in (Action.auto_dispatch, Action.queue_for_dispatcher):
        raise Forbidden(f"{action.value} is taken by the routing job only")
    orders.get_visible_order(session, order_id=order_id, unit_path=principal.unit.path)
    if action == Action.merge:
        check_master(session, order_id=order_id, master_id=body.master_id,
                     reach_path=principal.unit.path)
    order = flows.apply_action(session, order_id=order_id, action=action, actor=principal.actor,
                               actor_name=principal.user.full_name or principal.user.username,
                               inp=ActionInput(**body.model_dump()))
    return to_public(order, principal)
