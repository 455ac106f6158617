"""Random action sequences by random actors through the real flows and database: the
invariants of the closed loop hold after every step, whatever was tried."""
from __future__ import annotations


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from dispatch.errors import DomainError
from dispatch.intake import flows as intake
from dispatch.orders import flows
from dispatch.orders.effects import ActionInput
from dispatch.orders.enums import Action, HopRole, Role, State
from dispatch.orders.lifecycle import (ActionForbidden, Actor, IllegalTransition, allowed_actions,
                                       decide)
from dispatch.orgs.models import OrgUnit
from tests.helpers import unrouted_order
from dispatch.orders.models import Assignment, Order, TimelineEntry
from dispatch.orgs import service as orgs

LOOP_ACTIONS = [a for a in Action if a not in (Action.auto_dispatch,)]
# guided steps skip endings and co-handler churn so that walks reach the later steps
ENDINGS = {Action.direct_close, Action.refuse, Action.merge, Action.hand_over, Action.add_cohandler}
ACTIVE = {"dispatched", "handling", "return_requested", "suspended"}


def _cast(session, seeded):
    other_village = [v for v in orgs.children(session, seeded.township.id)
                     if v.id != seeded.village.id][0]
    other_county = [u for u in orgs.children(session, seeded.city.id)
                    if u.kind == "platform" and u.id != seeded.county.id][0]
    actors = [
        Actor(Role.system, seeded.county.path), Actor(Role.operator, seeded.county.path),
        Actor(Role.dispatcher, seeded.county.path), Actor(Role.callback_agent, seeded.county.path),
        Actor(Role.dispatcher, seeded.city.path), Actor(Role.dispatcher, other_county.path),
        Actor(Role.handler, seeded.township.path), Actor(Role.handler, seeded.village.path),
        Actor(Role.handler, other_village.path), Actor(Role.handler, seeded.county_dept.path),
        Actor(Role.supervisor, seeded.county.path), Actor(Role.admin, seeded.city.path),
    ]
    targets = [seeded.township.id, seeded.village.id, other_village.id, seeded.county_dept.id,
               seeded.city_dept.id, other_county.id, None]
    return actors, targets


def _new_order(session, seeded, grid: bool) -> int:
    return unrouted_order(session, channel="grid" if grid else "12345",
                          content="路灯不亮，晚上出行不安全", division_code=seeded.village.id,
                          platform_id=seeded.county.id).id


def _related(actor: Actor, order: Order, hops: list[Assignment]) -> bool:
    if actor.role == Role.system:
        return True
    paths = {order.platform_path} | {h.to_path for h in hops} | {h.from_path for h in hops}
    return any(p.startswith(actor.unit_path) or actor.unit_path == p for p in paths) or \
        bool(order.division_path and order.division_path.startswith(actor.unit_path))


def _check_invariants(session, oid: int) -> None:
    order = session.get(Order, oid)
    session.refresh(order)
    hops = list(session.exec(select(Assignment).where(Assignment.order_id == oid)).all())
    lead_open = [h for h in hops if h.role == HopRole.lead.value and h.status in ACTIVE]
    assert len(lead_open) <= 1, f"{len(lead_open)} open lead hops"
    entries = list(session.exec(select(TimelineEntry).where(TimelineEntry.order_id == oid)
                                .order_by(TimelineEntry.id)).all())
    assert entries[0].action == "intake"
    for prev, cur in zip(entries, entries[1:]):
        assert cur.at >= prev.at
        assert cur.from_state == prev.to_state, f"gap before {cur.action}"
    assert entries[-1].to_state == order.state
    if order.state == State.closed.value and order.close_kind == "dispatched":
        acts = [e.action for e in entries]
        last_feedback = max(i for i, a in enumerate(acts) if a == "feedback")
        assert "audit_pass" in acts[last_feedback:], "closed without audited feedback"
        assert "callback" in acts[last_feedback:], "closed without a callback"
        assert all(h.status not in ACTIVE for h in hops)


steps = st.lists(st.tuples(st.sampled_from(LOOP_ACTIONS), st.integers(0, 11), st.integers(0, 6),
                           st.booleans(), st.sampled_from([True, True, True, False])),
                 min_size=20, max_size=60)
REACHED: set[str] = set()


def _guided(session, order: Order, actors, targets, start: int, pick: int):
    """An (actor, action, target) the table accepts now, so walks get deep into the loop."""
    hop = session.get(Assignment, order.current_hop_id) if order.current_hop_id else None
    for k in range(len(actors)):
        actor = actors[(start + k) % len(actors)]
        ctx = flows.build_context(session, order=order, hop=hop, actor=actor,
                                  action=Action.feedback, inp=ActionInput(reason="x"),
                                  target=None, now=intake.utcnow())
        offered = [a for a in allowed_actions(State(order.state), actor, ctx)
                   if a in LOOP_ACTIONS and a not in ENDINGS]
        for n in range(len(offered)):
            action = offered[(pick + n) % len(offered)]
            if action not in flows.NEEDS_TARGET:
                return actor, action, None
            for m in range(len(targets)):
                tid = targets[(pick + m) % len(targets)]
                unit = session.get(OrgUnit, tid) if tid else None
                tctx = flows.build_context(session, order=order, hop=hop, actor=actor,
                                           action=action, inp=ActionInput(reason="x"),
                                           target=unit, now=intake.utcnow())
                try:
                    decide(State(order.state), action, actor, tctx)
                except (IllegalTransition, ActionForbidden):
                    continue
                return actor, action, tid
    return None


# 40 walks: with 20, now and then none got as far as callback_pending and the guard below
# failed a CI run (about 4 s more per database). Derandomized: the same 40 walks every run, so
# the guard judges the walks, not the luck of the draw (a new action, transfer_city, made the
# random ones fall short now and then again).
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(grid=st.booleans(), plan=steps)
def test_random_actions_keep_the_loop_consistent(seeded, session, grid, plan):
    actors, targets = _cast(session, seeded)
    oid = _new_order(session, seeded, grid)
    for action, who, target, flag, guided in plan:
        actor = actors[who]
        before = session.get(Order, oid)
        session.refresh(before)
        choice = _guided(session, before, actors, targets, who, target) if guided else None
        target_id = targets[target]
        if choice:
            actor, action, target_id = choice
            flag = True
        version, hops = before.version, list(session.exec(
            select(Assignment).where(Assignment.order_id == oid)).all())
        inp = ActionInput(reason="理由" if flag or action != Action.refuse else None,
                          target_unit_id=target_id, rehandle=not flag, satisfied=flag,
                          extension_days=3, service="110", master_id=None)
        try:
            flows.apply_action(session, order_id=oid, action=action, actor=actor, inp=inp,
                               publish=False)
        except (IllegalTransition, ActionForbidden, DomainError):
            session.rollback()
            after = session.get(Order, oid)
            session.refresh(after)
            assert after.version == version, "a refused action changed the order"
        else:
            assert _related(actor, before, hops), f"{actor} acted outside its reach"
        _check_invariants(session, oid)
        REACHED.add(session.get(Order, oid).state)


def test_random_walks_reached_deep_states():
    """Guards the property test itself: the walks must get past the first steps."""
    if not REACHED:  # run alone: nothing to judge
        import pytest
        pytest.skip("runs after the property test")
    assert {"handling", "feedback_submitted", "callback_pending"} <= REACHED, REACHED


def test_handler_of_other_village_is_refused_every_loop_action(seeded, session):
    actors, _ = _cast(session, seeded)
    stranger = actors[8]
    oid = _new_order(session, seeded, grid=False)
    for action in LOOP_ACTIONS:
        try:
            flows.apply_action(session, order_id=oid, action=action, actor=stranger,
                               inp=ActionInput(reason="x", target_unit_id=seeded.village.id),
                               publish=False)
        except (IllegalTransition, ActionForbidden, DomainError):
            session.rollback()
            continue
        raise AssertionError(f"{action} by another village's handler was accepted")
