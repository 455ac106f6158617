"""Intake: the one write by which an order enters, whatever the door, then its routing.

`write` stores new orders with their timeline rows, exactly once per (channel, external id),
in the caller's transaction; `receive` commits one and hands it to routing. On PostgreSQL an
intake that closes nothing at once takes `receive_plain` instead: the same columns and the same
statement on an asyncpg connection in autocommit, on the event loop, without a session (per
desk intake 0.45 ms of CPU through SQLAlchemy's greenlet bridge; see bench/RESULTS.md). Every door takes
them: the operator's desk (dispatch/intake/views.py), every channel adapter and the 110
hand-over (channels/flows.py), the grid system's batches (channels/batch.py, one transaction
for the batch). The place and the owning platform come from the unit snapshot
(dispatch.orgs.directory.units_for); the statement is built per dialect in
dispatch/intake/service.py (one round trip on PostgreSQL).

What some intakes need beyond that composes on top of the same write, never beside it:
attachments are linked in its transaction, an order settled on the spot or answered on the
call is closed by the lifecycle right after the commit, and the desk's duplicate search reads
after it. The listeners of "intake" (notices, KPIs) run in the routing job, not here.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from anyio import to_thread
from sqlmodel import Session

from dispatch.auth.models import User
from dispatch.auth.service import check_current
from dispatch.config import get_settings
from dispatch.db import get_engine
from dispatch.errors import Unauthorized
from dispatch.intake import service as intake_db
from dispatch.intake.replays import check_replay, fingerprint
from dispatch.intake.schemas import IntakeRequest, IntakeResult
from dispatch.jobs.batcher import route_later
from dispatch.orders import flows as order_flows
from dispatch.orders import service as orders
from dispatch.orders.effects import ActionInput
from dispatch.orders.enums import Action, Channel, State
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Order
from dispatch.orgs import directory
from dispatch.sqltypes import utcnow

CHANNEL_ACTOR = "渠道接入"


def receive(session: Session, req: IntakeRequest, *, actor_name: str = CHANNEL_ACTOR,
            actor: Actor | None = None, guard: intake_db.Guard | None = None) -> IntakeResult:
    """The order of `req`, stored and committed once per (channel, external id), then routed
    (or closed at once); a replay answers the stored order (see `seen_before`). With `guard`,
    nothing is stored or answered unless that (user id, token version) is still current."""
    stored = write(session, [req], actor=actor, actor_name=actor_name, guard=guard)[0]
    if stored is None:  # a retry, a concurrent twin that committed first, or a revoked token
        session.rollback()
        return unstored(session, req, guard=guard, reach_path=actor.unit_path if actor else None)
    session.commit()
    if not closes_at_once(req):
        return route(stored)
    order = _close_at_once(session, stored.id, req, actor, actor_name)
    order_flows.announce(session, order=order, action="intake")
    return result_of(order)


async def receive_plain(pool, req: IntakeRequest, *, actor_name: str = CHANNEL_ACTOR,
                        actor: Actor | None = None, guard: intake_db.Guard | None = None,
                        requires: intake_db.Requires | None = None) -> IntakeResult:
    """`receive` of an intake that closes nothing at once, on PostgreSQL's asyncpg intake pool
    (dispatch.db.intake_pool), on the event loop: the columns of `write` (`order_values`,
    `timeline_values`) stored by its statement alone in autocommit, without a session. A unit
    the snapshot lacks is read on the connection; the answer to a replay too, except for a desk
    (``actor``: its reach decides), whose rare replays, and revoked tokens, take a thread.
    ``requires`` (table, id): nothing is stored or answered unless that row is still active
    (a channel's client): 401 otherwise."""
    if closes_at_once(req):
        raise ValueError("an intake closed at once takes receive(), in a transaction")
    now = utcnow()
    async with pool.acquire() as conn:
        units = await directory.held_units(conn, id(get_engine()))
        while True:
            try:
                values = order_values(units, req, now)
                break
            except directory.NotHeld as miss:
                await directory.read_unit(conn, units, miss.unit_id)
        got = await intake_db.insert_new_on(
            conn, values, number_prefix=number_prefix(now),
            timeline=timeline_values(values, req, now, actor=actor, actor_name=actor_name),
            attachment_ids=req.attachment_ids, guard=guard, requires=requires)
        if got is None and requires and not await intake_db.still_active(conn, requires):
            raise Unauthorized("these credentials were revoked; nothing stored",
                               headers={"WWW-Authenticate": "ApiKey"})
        if got is None and actor is None and guard is None:
            stored = await intake_db.stored_on(conn, channel=req.channel.value,
                                               external_id=req.external_id)
            if stored is None:
                raise _not_stored(req)
            check_replay(stored=stored.pop("payload_hash"), given=fingerprint(req), visible=True)
            return result_of(SimpleNamespace(**stored), created=False)
    if got is None:
        return await to_thread.run_sync(_unstored_in_own_session, req, guard,
                                        actor.unit_path if actor else None)
    return route(SimpleNamespace(**values, id=got[0], number=got[1]))


def closes_at_once(req: IntakeRequest) -> bool:
    """Settled on the spot (grid) or answered on the call: the lifecycle closes it after the
    write, in the same session."""
    return req.settled_on_spot or bool(req.direct_answer)


def _unstored_in_own_session(req: IntakeRequest, guard: intake_db.Guard | None,
                             reach_path: str | None) -> IntakeResult:
    with Session(get_engine()) as session:
        return unstored(session, req, guard=guard, reach_path=reach_path)


def unstored(session: Session, req: IntakeRequest, *, guard: intake_db.Guard | None,
             reach_path: str | None) -> IntakeResult:
    """The answer when the write stored nothing: 401 if ``guard``'s token is no longer current,
    else the stored order as a replay's answer (or a Conflict)."""
    if guard is not None:
        check_current(session.get(User, guard[0]), guard[1])
    result = seen_before(session, req, reach_path=reach_path)
    if result is None:
        raise _not_stored(req)
    return result


def write(session: Session, reqs: list[IntakeRequest], *, actor: Actor | None,
          actor_name: str, data: dict[str, Any] | None = None,
          guard: intake_db.Guard | None = None) -> list[SimpleNamespace | None]:
    """Each new request's order (its columns, id and number) with its timeline row (``data``
    added to the row's) and attachments, not committed; None for one stored already."""
    now = utcnow()
    units, prefix = directory.units_for(session), number_prefix(now)
    made: list[SimpleNamespace | None] = []
    for req in reqs:
        values = order_values(units, req, now)
        timeline = timeline_values(values, req, now, actor=actor, actor_name=actor_name)
        timeline["data"] |= data or {}
        got = intake_db.insert_new(session, values, number_prefix=prefix, timeline=timeline,
                                   attachment_ids=req.attachment_ids, guard=guard)
        made.append(SimpleNamespace(**values, id=got[0], number=got[1]) if got else None)
    return made


def route(order: SimpleNamespace | Order) -> IntakeResult:
    """Hand a committed new order to routing (and the intake listeners) in this process's next
    batch; its answer."""
    route_later(order.id, order_flows.event_for(order, "intake", [order.platform_path]))
    return result_of(order)


def result_of(order: SimpleNamespace | Order, created: bool = True) -> IntakeResult:
    return IntakeResult(order_id=order.id, number=order.number, state=order.state,
                        created=created, division_unresolved=order.division_unresolved)


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


def _not_stored(req: IntakeRequest) -> LookupError:
    return LookupError(f"{req.channel.value}/{req.external_id} conflicted but is not stored")


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
    return result_of(existing, created=False)


def _close_at_once(session: Session, order_id: int, req: IntakeRequest, actor: Actor | None,
                   actor_name: str) -> Order:
    """Settled on the spot (grid) or answered on the call (直接办结): closed, still recorded."""
    kind = "on_spot" if req.settled_on_spot else "direct"
    reason = req.direct_answer or "现场处置完毕"
    return order_flows.apply_action(
        session, order_id=order_id, action=Action.direct_close,
        actor=actor or order_flows.system_actor(session.get(Order, order_id)),
        actor_name=actor_name, publish=False,
        inp=ActionInput(reason=reason, public_reply=reason, extra={"close_kind": kind}))
