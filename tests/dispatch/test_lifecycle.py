"""The transition table, exhaustively: every (state, action) pair is either a listed transition
of the closed loop or refused with 409's message."""
from __future__ import annotations

import pytest

from dispatch.orders.enums import Action as A
from dispatch.orders.enums import Role as R
from dispatch.orders.enums import State as S
from dispatch.orders.lifecycle import (TABLE, ActionForbidden, Actor, Context, IllegalTransition,
                                       MissingInput, allowed_actions, decide)

CITY, COUNTY = "/4311/", "/4311/431102/"
TOWN = COUNTY + "431102001/"
VILLAGE = TOWN + "431102001001/"
DEPT = COUNTY + "431102-housing/"
# two cities of a province (docs/province.md)
P_CITY, P_OTHER = "/00/4311/", "/00/6110/"

# (state, action, actor, context overrides, expected state) — one row per transition of domain.md
ROWS = [
    (S.received, A.auto_dispatch, Actor(R.system, COUNTY), dict(target_path=DEPT), S.dispatched),
    (S.received, A.queue_for_dispatcher, Actor(R.system, COUNTY), {}, S.pending_dispatch),
    (S.pending_dispatch, A.auto_dispatch, Actor(R.system, COUNTY), dict(target_path=DEPT),
     S.dispatched),
    (S.received, A.direct_close, Actor(R.operator, COUNTY), dict(has_reason=True), S.closed),
    (S.pending_dispatch, A.direct_close, Actor(R.dispatcher, COUNTY), dict(has_reason=True), S.closed),
    (S.received, A.refuse, Actor(R.operator, COUNTY), dict(has_reason=True), S.refused),
    (S.pending_dispatch, A.refuse, Actor(R.dispatcher, CITY), dict(has_reason=True), S.refused),
    (S.received, A.hand_over, Actor(R.operator, COUNTY), dict(has_reason=True), S.transferred),
    (S.handling, A.hand_over, Actor(R.handler, TOWN), dict(has_reason=True, hop_to_path=TOWN),
     S.transferred),
    (S.pending_dispatch, A.dispatch, Actor(R.dispatcher, COUNTY), dict(target_path=TOWN),
     S.dispatched),
    (S.pending_dispatch, A.transfer_platform, Actor(R.dispatcher, CITY),
     dict(platform_path=CITY, target_path=COUNTY, target_is_platform=True), S.pending_dispatch),
    (S.pending_dispatch, A.transfer_city, Actor(R.dispatcher, P_CITY),
     dict(platform_path=P_CITY, target_path=P_OTHER, target_is_platform=True, target_level="city",
          in_province=True, has_reason=True), S.pending_dispatch),
    (S.received, A.merge, Actor(R.dispatcher, COUNTY), {}, S.merged),
    (S.dispatched, A.sign_for, Actor(R.handler, TOWN), dict(hop_to_path=TOWN), S.handling),
    (S.dispatched, A.return_order, Actor(R.handler, TOWN), dict(hop_to_path=TOWN, has_reason=True),
     S.return_requested),
    (S.handling, A.return_order, Actor(R.handler, TOWN), dict(hop_to_path=TOWN, has_reason=True),
     S.return_requested),
    (S.return_requested, A.approve_return, Actor(R.dispatcher, COUNTY), dict(hop_to_path=TOWN),
     S.pending_dispatch),
    (S.return_requested, A.approve_return, Actor(R.handler, TOWN),
     dict(hop_to_path=VILLAGE, hop_from_path=TOWN, hop_from_platform=False), S.handling),
    (S.return_requested, A.reject_return, Actor(R.dispatcher, COUNTY),
     dict(hop_to_path=TOWN, has_reason=True), S.handling),
    (S.handling, A.pass_down, Actor(R.handler, TOWN),
     dict(hop_to_path=TOWN, target_path=VILLAGE, target_parent_path=TOWN), S.dispatched),
    (S.handling, A.request_extension, Actor(R.handler, TOWN), dict(hop_to_path=TOWN, has_reason=True),
     S.handling),
    (S.handling, A.approve_extension, Actor(R.dispatcher, COUNTY),
     dict(hop_to_path=TOWN, pending_extension=True), S.handling),
    (S.handling, A.reject_extension, Actor(R.dispatcher, COUNTY),
     dict(hop_to_path=TOWN, pending_extension=True, has_reason=True), S.handling),
    (S.handling, A.request_suspension, Actor(R.handler, TOWN),
     dict(hop_to_path=TOWN, has_reason=True), S.handling),
    (S.handling, A.approve_suspension, Actor(R.dispatcher, COUNTY),
     dict(hop_to_path=TOWN, pending_suspension=True), S.suspended),
    (S.handling, A.reject_suspension, Actor(R.dispatcher, COUNTY),
     dict(hop_to_path=TOWN, pending_suspension=True, has_reason=True), S.handling),
    (S.suspended, A.resume, Actor(R.handler, TOWN), dict(hop_to_path=TOWN), S.handling),
    (S.handling, A.feedback, Actor(R.handler, TOWN), dict(hop_to_path=TOWN, has_reason=True),
     S.feedback_submitted),
    (S.handling, A.feedback, Actor(R.handler, VILLAGE),
     dict(hop_to_path=VILLAGE, hop_from_path=TOWN, hop_from_platform=False, has_reason=True),
     S.handling),
    (S.handling, A.add_cohandler, Actor(R.dispatcher, COUNTY), dict(target_path=DEPT), S.handling),
    (S.handling, A.cohandler_feedback, Actor(R.handler, DEPT),
     dict(cohandler_path=DEPT, has_reason=True), S.handling),
    (S.feedback_submitted, A.audit_pass, Actor(R.dispatcher, COUNTY), {}, S.callback_pending),
    (S.feedback_submitted, A.audit_pass, Actor(R.dispatcher, COUNTY), dict(is_grid=True),
     S.site_check),
    (S.feedback_submitted, A.audit_fail, Actor(R.dispatcher, COUNTY), dict(has_reason=True),
     S.handling),
    (S.site_check, A.site_check_pass, Actor(R.handler, VILLAGE),
     dict(is_grid=True, division_path=VILLAGE), S.callback_pending),
    (S.site_check, A.site_check_fail, Actor(R.handler, TOWN),
     dict(is_grid=True, division_path=VILLAGE, has_reason=True), S.handling),
    (S.callback_pending, A.callback, Actor(R.callback_agent, COUNTY), {}, S.verified),
    (S.callback_pending, A.callback, Actor(R.callback_agent, COUNTY), dict(callback_rehandle=True),
     S.dispatched),
    (S.verified, A.close, Actor(R.callback_agent, COUNTY), {}, S.closed),
    # the citizen's rating through the closure link (the public endpoint acts as the system)
    (S.closed, A.rate, Actor(R.system, COUNTY), {}, S.closed),
]


def ctx(**over) -> Context:
    return Context(**{"platform_path": COUNTY, **over})


@pytest.mark.parametrize("state,action,actor,over,expected", ROWS,
                         ids=[f"{r[0].value}-{r[1].value}-{i}" for i, r in enumerate(ROWS)])
def test_listed_transition_reaches_expected_state(state, action, actor, over, expected):
    assert decide(state, action, actor, ctx(**over)) == expected


def test_every_table_entry_has_a_row_and_every_row_is_in_the_table():
    rows = {(s, a) for s, a, *_ in ROWS}
    # add_cohandler / cohandler_feedback / hand_over / direct_close etc. repeat over several states
    families = {a for _, a in TABLE} - {a for _, a in rows}
    assert families == set()
    assert rows <= set(TABLE)


UNLISTED = [(s, a) for s in S for a in A if (s, a) not in TABLE]


@pytest.mark.parametrize("state,action", UNLISTED)
def test_unlisted_pairs_are_refused_with_409_message(state, action):
    with pytest.raises(IllegalTransition) as err:
        decide(state, action, Actor(R.dispatcher, COUNTY), ctx(hop_to_path=TOWN))
    assert str(err.value) == f"cannot {action.value} an order that is {state.value}"


@pytest.mark.parametrize("state", [S.closed, S.refused, S.transferred, S.merged])
def test_terminal_states_allow_no_work_only_the_citizens_one_rating(state):
    for actor in (Actor(R.dispatcher, CITY), Actor(R.handler, TOWN)):
        assert allowed_actions(state, actor, ctx(hop_to_path=TOWN)) == []
    system = Actor(R.system, COUNTY)
    assert allowed_actions(state, system, ctx(hop_to_path=TOWN)) == \
        ([A.rate] if state == S.closed else [])
    assert allowed_actions(state, system, ctx(hop_to_path=TOWN, citizen_rated=True)) == []


GUARDS = [
    (S.handling, A.feedback, Actor(R.handler, TOWN), dict(hop_to_path=TOWN), "a reason is required"),
    (S.handling, A.request_extension, Actor(R.handler, TOWN),
     dict(hop_to_path=TOWN, has_reason=True, deadline_passed=True), "before the deadline"),
    (S.handling, A.request_extension, Actor(R.handler, TOWN),
     dict(hop_to_path=TOWN, has_reason=True, pending_extension=True), "already pending"),
    (S.handling, A.approve_extension, Actor(R.dispatcher, COUNTY), dict(hop_to_path=TOWN),
     "no extension request is pending"),
    (S.dispatched, A.return_order, Actor(R.handler, TOWN),
     dict(hop_to_path=TOWN, has_reason=True, return_window_open=False), "return window"),
    (S.verified, A.close, Actor(R.dispatcher, COUNTY), dict(open_subhops=1),
     "co-handler assignment(s) still open"),
    (S.feedback_submitted, A.audit_pass, Actor(R.dispatcher, COUNTY), dict(open_subhops=2),
     "still open"),
    (S.handling, A.pass_down, Actor(R.handler, TOWN),
     dict(hop_to_path=TOWN, target_path="/4311/431103/x/", target_parent_path="/4311/431103/"),
     "directly below"),
    (S.pending_dispatch, A.dispatch, Actor(R.dispatcher, COUNTY),
     dict(target_path="/4311/431103/431103001/"), "outside the dispatching platform"),
    (S.site_check, A.site_check_pass, Actor(R.dispatcher, COUNTY), {}, "only grid cases"),
    (S.pending_dispatch, A.transfer_city, Actor(R.dispatcher, CITY),
     dict(platform_path=CITY, target_path="/4311/", target_is_platform=True, target_level="city",
          has_reason=True), "only a province's cities"),
    (S.pending_dispatch, A.transfer_city, Actor(R.dispatcher, P_CITY),
     dict(platform_path=P_CITY, target_path=P_OTHER, target_is_platform=True, target_level="city",
          in_province=True), "a reason is required"),
    (S.pending_dispatch, A.transfer_city, Actor(R.dispatcher, P_CITY),
     dict(platform_path=P_CITY + "431102/", target_path=P_CITY, target_is_platform=True,
          target_level="city", in_province=True, has_reason=True), "already in that city"),
    (S.pending_dispatch, A.transfer_city, Actor(R.dispatcher, P_CITY),
     dict(platform_path=P_CITY, target_path=P_OTHER + "611002/", target_is_platform=True,
          target_level="county", in_province=True, has_reason=True), "a city platform"),
    (S.closed, A.rate, Actor(R.system, COUNTY), dict(citizen_rated=True), "already rated"),
]


@pytest.mark.parametrize("state,action,actor,over,why", GUARDS)
def test_guard_refuses_with_reason(state, action, actor, over, why):
    with pytest.raises(IllegalTransition) as err:
        decide(state, action, actor, ctx(**over))
    assert why in str(err.value)
    assert str(err.value).startswith(f"cannot {action.value} an order that is {state.value}")


@pytest.mark.parametrize("state,action,actor,over", [
    (S.dispatched, A.return_order, Actor(R.handler, TOWN), dict(hop_to_path=TOWN)),
    (S.handling, A.request_extension, Actor(R.handler, TOWN), dict(hop_to_path=TOWN)),
    (S.received, A.refuse, Actor(R.operator, COUNTY), {}),
])
def test_a_missing_reason_is_missing_input_not_a_conflict(state, action, actor, over):
    with pytest.raises(MissingInput, match="a reason is required"):
        decide(state, action, actor, ctx(**over))


def test_a_refusal_by_the_orders_state_is_no_missing_input():
    with pytest.raises(IllegalTransition) as err:
        decide(S.dispatched, A.return_order, Actor(R.handler, TOWN),
               ctx(hop_to_path=TOWN, has_reason=True, return_window_open=False))
    assert not isinstance(err.value, MissingInput)


SCOPE = [
    # a village handler cannot sign for the township's hop
    (S.dispatched, A.sign_for, Actor(R.handler, VILLAGE), dict(hop_to_path=TOWN)),
    # another county's dispatcher cannot dispatch this county's order
    (S.pending_dispatch, A.dispatch, Actor(R.dispatcher, "/4311/431103/"), dict(target_path=TOWN)),
    # a county dispatcher cannot act on the city platform's order
    (S.verified, A.close, Actor(R.dispatcher, COUNTY), dict(platform_path=CITY)),
    # handlers never audit; supervisors and admins take no loop actions
    (S.feedback_submitted, A.audit_pass, Actor(R.handler, TOWN), dict(hop_to_path=TOWN)),
    (S.handling, A.feedback, Actor(R.supervisor, COUNTY), dict(hop_to_path=TOWN, has_reason=True)),
    (S.pending_dispatch, A.dispatch, Actor(R.admin, CITY), dict(target_path=TOWN)),
    # a passed-down hop's return is approved by the township that passed it, not the platform
    (S.return_requested, A.approve_return, Actor(R.dispatcher, COUNTY),
     dict(hop_to_path=VILLAGE, hop_from_path=TOWN, hop_from_platform=False)),
    # a province: another city's dispatcher takes nothing of this city's, and the routing job
    # never hands an order to another city
    (S.pending_dispatch, A.transfer_city, Actor(R.dispatcher, P_OTHER),
     dict(platform_path=P_CITY, target_path=P_OTHER, target_is_platform=True, target_level="city",
          in_province=True, has_reason=True)),
    (S.received, A.transfer_city, Actor(R.system, P_CITY),
     dict(platform_path=P_CITY, target_path=P_OTHER, target_is_platform=True, target_level="city",
          in_province=True, has_reason=True)),
    # only the routing job auto-dispatches
    (S.received, A.auto_dispatch, Actor(R.dispatcher, COUNTY), dict(target_path=DEPT)),
]


@pytest.mark.parametrize("state,action,actor,over", SCOPE)
def test_actor_outside_scope_is_forbidden(state, action, actor, over):
    with pytest.raises(ActionForbidden):
        decide(state, action, actor, ctx(**over))


def test_cohandler_cannot_be_the_unit_already_holding_the_order():
    with pytest.raises(IllegalTransition, match="already holds"):
        decide(S.handling, A.add_cohandler, Actor(R.dispatcher, COUNTY),
               ctx(hop_to_path=TOWN, target_path=TOWN, target_holds_order=True))
