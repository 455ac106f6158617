"""The six-step closed loop as a pure transition table: (state, action) -> state, with guards.

No database, queue or clock here. Flows build a `Context` from the order and its active hop,
call `decide`, persist what it returns, then notify.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dispatch.orders.enums import Action as A
from dispatch.orders.enums import Role as R
from dispatch.orders.enums import State as S


class IllegalTransition(Exception):
    """The action does not apply to an order in this state (HTTP 409)."""

    def __init__(self, action: str, state: str, reason: str | None = None):
        self.action, self.state = action, state
        msg = f"cannot {action} an order that is {state}"
        super().__init__(f"{msg}: {reason}" if reason else msg)


class MissingInput(IllegalTransition):
    """The action applies, but the request lacks what it needs, e.g. a reason (HTTP 422)."""


class ActionForbidden(Exception):
    """The actor's role or unit may not take this action on this order (HTTP 403)."""


@dataclass(frozen=True)
class Actor:
    role: R
    unit_path: str          # materialised path of the actor's org unit, e.g. "/6100/610001/"
    user_id: int | None = None


@dataclass(frozen=True)
class Context:
    """What the guards need to know about the order; built by the flow from stored rows."""
    platform_path: str                    # the platform that owns (dispatches, audits, closes) it
    division_path: str | None = None      # the place the matter is at
    hop_to_path: str | None = None        # unit of the active lead hop
    hop_from_path: str | None = None      # unit that gave the active hop
    hop_from_platform: bool = True        # active hop came from the platform (not passed down)
    is_grid: bool = False                 # grid cases get a site re-check
    open_subhops: int = 0                 # co-handler hops still open
    pending_extension: bool = False
    pending_suspension: bool = False
    deadline_passed: bool = False
    return_window_open: bool = True
    target_path: str | None = None        # unit named by dispatch / pass_down / add_cohandler
    target_is_platform: bool = False
    target_parent_path: str | None = None
    target_level: str | None = None
    in_province: bool = False             # the tree's root is a province above several cities
    cohandler_path: str | None = None     # the actor's own open co-handler hop, if any
    target_holds_order: bool = False      # the target unit already holds an open hop
    callback_rehandle: bool = False       # unsatisfied callback attributed to the unit
    has_reason: bool = False
    citizen_rated: bool = False           # the citizen already rated the closed order


Guard = Callable[[Context], str | None]   # returns why the action is illegal, or None


def _needs_reason(c: Context) -> str | None:
    return None if c.has_reason else "a reason is required"


def _target_in_platform(c: Context) -> str | None:
    if not c.target_path:
        return "a target unit is required"
    if c.target_is_platform:
        return "dispatch goes to a department or a territorial unit, not a platform"
    if not c.target_path.startswith(c.platform_path):
        return "the target unit is outside the dispatching platform's area"
    return None


def _cohandler_target(c: Context) -> str | None:
    if c.target_holds_order:
        return "the unit already holds this order"
    return _target_in_platform(c)


def _target_is_county_platform(c: Context) -> str | None:
    if not (c.target_path and c.target_is_platform):
        return "the target must be a platform"
    if c.target_path == c.platform_path or not c.target_path.startswith(c.platform_path):
        return "the target platform must be below the current platform"
    return None


def _in_province(c: Context) -> str | None:
    return None if c.in_province else "only a province's cities hand orders to each other"


def _target_is_other_city(c: Context) -> str | None:
    if not (c.target_path and c.target_is_platform and c.target_level == "city"):
        return "the target must be a city platform"
    if c.platform_path.startswith(c.target_path):
        return "the order is already in that city"
    return None


def _target_is_child(c: Context) -> str | None:
    if not c.target_path:
        return "a target unit is required"
    if c.target_parent_path != c.hop_to_path or c.target_is_platform:
        return "an order can only be passed down to a unit directly below the handling unit"
    return None


def _no_pending_extension(c: Context) -> str | None:
    return "an extension request is already pending" if c.pending_extension else None


def _pending_extension(c: Context) -> str | None:
    return None if c.pending_extension else "no extension request is pending"


def _before_deadline(c: Context) -> str | None:
    return "an extension must be requested before the deadline" if c.deadline_passed else None


def _no_pending_suspension(c: Context) -> str | None:
    return "a suspension request is already pending" if c.pending_suspension else None


def _pending_suspension(c: Context) -> str | None:
    return None if c.pending_suspension else "no suspension request is pending"


def _return_window(c: Context) -> str | None:
    return None if c.return_window_open else "the return window (2 working days) has passed"


def _subhops_done(c: Context) -> str | None:
    return f"{c.open_subhops} co-handler assignment(s) still open" if c.open_subhops else None


def _is_grid(c: Context) -> str | None:
    return None if c.is_grid else "only grid cases get a site check"


def _not_rated(c: Context) -> str | None:
    return "the citizen has already rated this order" if c.citizen_rated else None


def _back_to_handler_or_platform(c: Context) -> S:
    return S.pending_dispatch if c.hop_from_platform else S.handling


def _feedback_target(c: Context) -> S:
    return S.feedback_submitted if c.hop_from_platform else S.handling


def _after_audit(c: Context) -> S:
    return S.site_check if c.is_grid else S.callback_pending


def _after_callback(c: Context) -> S:
    return S.dispatched if c.callback_rehandle else S.verified


# Who may act, relative to the order:
PLATFORM = "platform"      # the owning platform or a platform above it
ASSIGNEE = "assignee"      # the unit holding the active lead hop
ASSIGNER = "assigner"      # whoever gave the active hop: the platform, or the unit that passed it down
COHANDLER = "cohandler"    # a unit holding an open co-handler hop
TERRITORY = "territory"    # the platform, or a handler whose area contains the place (grid re-check)


@dataclass(frozen=True)
class Rule:
    target: S | Callable[[Context], S]
    roles: frozenset[R]
    scope: str
    guards: tuple[Guard, ...] = field(default_factory=tuple)


def _r(target, roles, scope, *guards) -> Rule:
    return Rule(target, frozenset(roles), scope, tuple(guards))


_INTAKE = (S.received, S.pending_dispatch)
_LIVE = (S.received, S.pending_dispatch, S.dispatched, S.handling, S.return_requested, S.suspended)
_DESK = {R.operator, R.dispatcher}
_SYS = {R.system}
_DISP = {R.dispatcher}
_HANDLER = {R.handler}
_ASSIGNERS = {R.dispatcher, R.handler}

TABLE: dict[tuple[S, A], Rule] = {}
for _s in _INTAKE:
    TABLE[(_s, A.direct_close)] = _r(S.closed, _DESK | _SYS, PLATFORM, _needs_reason)
    TABLE[(_s, A.refuse)] = _r(S.refused, _DESK, PLATFORM, _needs_reason)
    TABLE[(_s, A.merge)] = _r(S.merged, _DISP | _SYS, PLATFORM)
    TABLE[(_s, A.dispatch)] = _r(S.dispatched, _DISP, PLATFORM, _target_in_platform)
    TABLE[(_s, A.transfer_platform)] = _r(S.pending_dispatch, _DISP | _SYS, PLATFORM,
                                         _target_is_county_platform)
    # crossing cities: only a dispatcher, deliberately, with a reason; routing never does
    TABLE[(_s, A.transfer_city)] = _r(S.pending_dispatch, _DISP, PLATFORM, _in_province,
                                     _needs_reason, _target_is_other_city)
for _s in _LIVE:
    TABLE[(_s, A.hand_over)] = _r(S.transferred, _DESK | _HANDLER, PLATFORM, _needs_reason)
TABLE.update({
    (S.received, A.auto_dispatch): _r(S.dispatched, _SYS, PLATFORM, _target_in_platform),
    # the county platform's own routing, right after the city handed the order over
    (S.pending_dispatch, A.auto_dispatch): _r(S.dispatched, _SYS, PLATFORM, _target_in_platform),
    (S.received, A.queue_for_dispatcher): _r(S.pending_dispatch, _SYS, PLATFORM),
    # step 3: handling
    (S.dispatched, A.sign_for): _r(S.handling, _HANDLER, ASSIGNEE),
    (S.dispatched, A.return_order): _r(S.return_requested, _HANDLER, ASSIGNEE, _needs_reason,
                                       _return_window),
    (S.handling, A.return_order): _r(S.return_requested, _HANDLER, ASSIGNEE, _needs_reason,
                                     _return_window),
    (S.return_requested, A.approve_return): _r(_back_to_handler_or_platform, _ASSIGNERS, ASSIGNER),
    (S.return_requested, A.reject_return): _r(S.handling, _ASSIGNERS, ASSIGNER, _needs_reason),
    (S.handling, A.pass_down): _r(S.dispatched, _HANDLER, ASSIGNEE, _target_is_child),
    (S.handling, A.request_extension): _r(S.handling, _HANDLER, ASSIGNEE, _needs_reason,
                                          _no_pending_extension, _before_deadline),
    (S.handling, A.approve_extension): _r(S.handling, _ASSIGNERS, ASSIGNER, _pending_extension),
    (S.handling, A.reject_extension): _r(S.handling, _ASSIGNERS, ASSIGNER, _pending_extension,
                                         _needs_reason),
    (S.handling, A.request_suspension): _r(S.handling, _HANDLER, ASSIGNEE, _needs_reason,
                                           _no_pending_suspension),
    (S.handling, A.approve_suspension): _r(S.suspended, _ASSIGNERS, ASSIGNER, _pending_suspension),
    (S.handling, A.reject_suspension): _r(S.handling, _ASSIGNERS, ASSIGNER, _pending_suspension,
                                          _needs_reason),
    (S.suspended, A.resume): _r(S.handling, _HANDLER | _DISP, ASSIGNEE),
    (S.handling, A.feedback): _r(_feedback_target, _HANDLER, ASSIGNEE, _needs_reason),
    # step 5: verify and call back
    (S.feedback_submitted, A.audit_pass): _r(_after_audit, _DISP, PLATFORM, _subhops_done),
    (S.feedback_submitted, A.audit_fail): _r(S.handling, _DISP, PLATFORM, _needs_reason),
    (S.site_check, A.site_check_pass): _r(S.callback_pending, _ASSIGNERS, TERRITORY, _is_grid),
    (S.site_check, A.site_check_fail): _r(S.handling, _ASSIGNERS, TERRITORY, _is_grid,
                                          _needs_reason),
    (S.callback_pending, A.callback): _r(_after_callback, {R.callback_agent, R.dispatcher},
                                         PLATFORM),
    # step 6: close
    (S.verified, A.close): _r(S.closed, {R.callback_agent, R.dispatcher}, PLATFORM,
                              _subhops_done),
    # the citizen's own rating through the closure notice's one-time link, once per order
    (S.closed, A.rate): _r(S.closed, _SYS, PLATFORM, _not_rated),
})
# co-handlers: added while the lead works; they report without moving the order's state
for _s in (S.dispatched, S.handling, S.suspended, S.return_requested):
    TABLE[(_s, A.add_cohandler)] = _r(_s, _DISP, PLATFORM, _cohandler_target)
for _s in (S.dispatched, S.handling, S.suspended, S.return_requested, S.feedback_submitted):
    TABLE[(_s, A.cohandler_feedback)] = _r(_s, _HANDLER, COHANDLER, _needs_reason)


def _under(path: str | None, ancestor: str) -> bool:
    return bool(path) and path.startswith(ancestor)


def in_scope(rule: Rule, actor: Actor, ctx: Context) -> bool:
    """Whether the actor's unit stands where this rule's scope demands."""
    if rule.scope == PLATFORM:
        return actor.role != R.handler and ctx.platform_path.startswith(actor.unit_path) \
            or actor.role == R.handler and actor.unit_path == ctx.hop_to_path
    if rule.scope == ASSIGNEE:
        return actor.unit_path == ctx.hop_to_path if actor.role == R.handler \
            else ctx.platform_path.startswith(actor.unit_path)
    if rule.scope == ASSIGNER:
        if ctx.hop_from_platform:
            return actor.role == R.dispatcher and ctx.platform_path.startswith(actor.unit_path)
        return actor.role == R.handler and actor.unit_path == ctx.hop_from_path
    if rule.scope == COHANDLER:
        return ctx.cohandler_path is not None and actor.unit_path == ctx.cohandler_path
    if rule.scope == TERRITORY:
        if actor.role == R.dispatcher:
            return ctx.platform_path.startswith(actor.unit_path)
        return _under(ctx.division_path, actor.unit_path)
    raise ValueError(f"unknown scope {rule.scope!r}")


def rule_for(state: S, action: A) -> Rule:
    """The rule for (state, action), or IllegalTransition."""
    rule = TABLE.get((S(state), A(action)))
    if rule is None:
        raise IllegalTransition(A(action).value, S(state).value)
    return rule


def decide(state: S, action: A, actor: Actor, ctx: Context) -> S:
    """The state after `action`; raises IllegalTransition (409), MissingInput (422) or
    ActionForbidden (403)."""
    rule = rule_for(state, action)
    if actor.role not in rule.roles:
        raise ActionForbidden(f"role {actor.role.value} may not {A(action).value}")
    if not in_scope(rule, actor, ctx):
        raise ActionForbidden(f"{A(action).value} is outside the reach of the actor's unit")
    for guard in rule.guards:
        why = guard(ctx)
        if why:
            refused = MissingInput if guard in _MISSING_INPUT else IllegalTransition
            raise refused(A(action).value, S(state).value, why)
    return rule.target(ctx) if callable(rule.target) else rule.target


# guards about what the request lacks, whatever the order's state: invalid input, not a conflict
_MISSING_INPUT = (_needs_reason,)
# guards about what the user has yet to type or choose: the button is offered anyway
_INPUT_GUARDS = (_needs_reason, _target_in_platform, _target_is_child, _target_is_county_platform,
                 _cohandler_target, _target_is_other_city)


def allowed_actions(state: S, actor: Actor, ctx: Context) -> list[A]:
    """Actions this actor could take now (guards included): what the console offers as buttons."""
    out = []
    for (s, action), rule in TABLE.items():
        if s != state or actor.role not in rule.roles or not in_scope(rule, actor, ctx):
            continue
        if all(g(ctx) is None or g in _INPUT_GUARDS for g in rule.guards):
            out.append(action)
    return out
