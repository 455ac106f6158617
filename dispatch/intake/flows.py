"""Intake: persist first (idempotent on channel + external id), acknowledge, then hand to routing."""
from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from dispatch.config import get_settings
from dispatch.intake.replays import check_replay, fingerprint
from dispatch.intake.schemas import IntakeRequest, IntakeResult
from dispatch.intake import service as intake_db
from dispatch.jobs.batcher import route_later
from dispatch.orders import flows as order_flows
from dispatch.orders import service as orders
from dispatch.orders.effects import ActionInput
from dispatch.orders.enums import Action, Channel, State
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Attachment, Order
from dispatch.orgs import directory
from dispatch.sqltypes import utcnow

log = logging.getLogger(__name__)


def _title(req: IntakeRequest) -> str:
    return req.title.strip() or req.content.strip().replace("\n", " ")[:30]


def _owner(units: directory.Units, req: IntakeRequest, division) -> directory.UnitLike:
    if req.platform_id:
        unit = units.get(req.platform_id)
        if unit is not None:
            return directory.platform_of(units, unit)
    if req.channel == Channel.grid and division is not None:
        county = directory.county_platform_for(units, division.id)
        if county is not None:
            return county
    # the city of the place (a province holds several), else HOTLINE_CITY's
    city = directory.city_of(units, division) if division is not None else None
    return city if city is not None else units.city_platform()


def number_prefix(at: datetime) -> str:
    """The prefix and the centre's date of `at` (an order at 07:48 Beijing on 7 Dec is numbered
    …20261207…, though it is still 6 Dec in UTC)."""
    s = get_settings()
    return f"{s.order_prefix}{at.astimezone(s.tz):%Y%m%d}"


def number_for(order_id: int, at: datetime) -> str:
    return f"{number_prefix(at)}{order_id:07d}"


def build_order(session: Session, req: IntakeRequest, now: datetime) -> Order:
    return build_order_from(directory.SessionUnits(session), req, now)


def build_order_from(units: directory.Units, req: IntakeRequest, now: datetime) -> Order:
    """The new order (not stored) of `req`: its place and owning platform looked up in `units`."""
    return Order(**order_values(units, req, now))


@lru_cache
def _field_defaults() -> tuple[tuple[str, Any, Any], ...]:
    return tuple((name, f.default, f.default_factory) for name, f in Order.model_fields.items()
                 if name not in ("id", "number"))


def order_values(units: directory.Units, req: IntakeRequest, now: datetime) -> dict[str, Any]:
    """Every column of the new order but its id and number, as a plain dict (building the model
    costs the hot path more than storing it: pydantic inspects each default factory anew)."""
    division = directory.place(units, req.division_code)
    platform = _owner(units, req, division)
    return {name: factory() if factory else default
            for name, default, factory in _field_defaults()} | dict(
        channel=req.channel.value, external_id=req.external_id, title=_title(req),
        content=req.content, citizen_name=req.citizen_name, citizen_phone=req.citizen_phone,
        confidential=req.confidential, address=req.address,
        division_code=division.id if division else None,
        division_path=division.path if division else None,
        division_unresolved=bool(req.division_code) and division is None,
        latitude=req.latitude, longitude=req.longitude,
        request_type=(req.request_type.value if req.request_type else "other"),
        urgency=(req.urgency.value if req.urgency else "normal"),
        category_hint=req.category_hint, is_grid=req.channel == Channel.grid,
        settled_on_spot=req.settled_on_spot, platform_id=platform.id,
        platform_path=platform.path, raw=req.raw, payload_hash=fingerprint(req),
        received_at=req.received_at or now,
        created_at=now, updated_at=now,
        routing={"requested": {"request_type": bool(req.request_type),
                               "urgency": bool(req.urgency)}})


def timeline_values(values: dict[str, Any], req: IntakeRequest, now: datetime, *,
                    actor: Actor | None, actor_name: str) -> dict[str, Any]:
    """The new order's first timeline row, as the insert takes it."""
    return dict(at=now, action="intake", actor_name=actor_name,
                actor_role=actor.role.value if actor else "system",
                actor_user_id=actor.user_id if actor else None, to_state=State.received.value,
                data={"channel": values["channel"], "external_id": req.external_id,
                      "division_unresolved": values["division_unresolved"],
                      # kept for the dispatcher who places the order (desk intakes keep no raw)
                      **({"division_code_given": req.division_code}
                         if values["division_unresolved"] else {})},
                attachment_ids=list(req.attachment_ids))


def receive(session: Session, req: IntakeRequest, *, actor_name: str = "渠道接入",
            actor: Actor | None = None) -> IntakeResult:
    """Store the order durably, exactly once per (channel, external id), then hand it to routing.

    The hot path of every channel: one INSERT … ON CONFLICT DO NOTHING decides new or seen
    before; the listeners of "intake" (notices, KPIs) run in the routing job, not here."""
    now = utcnow()
    order = build_order(session, req, now)
    row = order.model_dump(exclude={"id", "number"})
    stored = intake_db.insert_new(session, row, number_prefix=number_prefix(now),
                                  timeline=timeline_values(row, req, now, actor=actor,
                                                           actor_name=actor_name))
    if stored is None:  # a channel's retry, or a concurrent twin that committed first
        session.rollback()
        return _stored(session, req, reach_path=actor.unit_path if actor else None)
    order.id, order.number = stored
    _attach(session, order, req.attachment_ids)
    session.commit()
    if req.settled_on_spot or req.direct_answer:
        order = _close_at_once(session, order, req, actor, actor_name)
        order_flows.announce(session, order=order, action="intake")
    else:  # routing (and the intake listeners) in the next job of this process's batch
        route_later(order.id, order_flows.event_for(order, "intake", [order.platform_path]))
    return IntakeResult(order_id=order.id, number=order.number, state=order.state, created=True,
                        division_unresolved=order.division_unresolved)


def _stored(session: Session, req: IntakeRequest, *, reach_path: str | None) -> IntakeResult:
    result = seen_before(session, req, reach_path=reach_path)
    if result is None:
        raise LookupError(f"{req.channel.value}/{req.external_id} conflicted but is not stored")
    return result


def seen_before(session: Session, req: IntakeRequest, *,
                reach_path: str | None = None) -> IntakeResult | None:
    """The stored order of this (channel, external id) as a replay's answer, or None when there
    is none; a Conflict unless the caller (within ``reach_path``; None: a channel, which owns its
    ids) may see it and the payload is the same (see dispatch/intake/replays.py)."""
    existing = orders.find_by_external(session, channel=req.channel.value,
                                       external_id=req.external_id)
    if existing is None:
        return None
    visible = reach_path is None or orders.within_reach(session, order_id=existing.id,
                                                        unit_path=reach_path)
    check_replay(stored=existing.payload_hash, given=fingerprint(req), visible=visible)
    return IntakeResult(order_id=existing.id, number=existing.number, state=existing.state,
                        created=False, division_unresolved=existing.division_unresolved)


def _attach(session: Session, order: Order, ids: list[int]) -> None:
    for att_id in ids:
        att = session.get(Attachment, att_id)
        if att is not None and att.order_id is None:
            att.order_id = order.id
            session.add(att)


def _close_at_once(session: Session, order: Order, req: IntakeRequest, actor: Actor | None,
                   actor_name: str) -> Order:
    """Settled on the spot (grid) or answered on the call (直接办结): closed, still recorded."""
    if not (req.settled_on_spot or req.direct_answer):
        return order
    kind = "on_spot" if req.settled_on_spot else "direct"
    reason = req.direct_answer or "现场处置完毕"
    return order_flows.apply_action(
        session, order_id=order.id, action=Action.direct_close,
        actor=actor or order_flows.system_actor(order), actor_name=actor_name,
        inp=ActionInput(reason=reason, public_reply=reason, extra={"close_kind": kind}),
        publish=False)
