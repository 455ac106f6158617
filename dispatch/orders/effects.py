"""What each action does to the stored hops, once the transition table has allowed it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from dispatch.orders import deadlines
from dispatch.orders import service as orders
from dispatch.orders.enums import Action as A
from dispatch.orders.enums import OPEN_HOP_STATUSES, HopRole, HopStatus, State
from dispatch.orders.models import Assignment, Order
from dispatch.orgs import service as orgs
from dispatch.orgs.models import OrgUnit
from dispatch.sqltypes import new_row


@dataclass
class ActionInput:
    """Everything an action may carry; each action reads what it needs."""
    reason: str | None = None
    target_unit_id: str | None = None
    extension_days: int | None = None
    contacted: bool | None = None
    solved: bool | None = None
    public_reply: str | None = None
    reached: bool | None = None
    satisfied: bool | None = None
    rehandle: bool | None = None
    service: str | None = None           # 110 | 119 | 120 for hand-over
    master_id: int | None = None
    attachment_ids: list[int] = field(default_factory=list)
    category: str | None = None          # dispatch: the dispatcher's category
    reason_code: str | None = None       # return_order: a ReturnReason code
    rating: str | None = None            # rate: the citizen's Rating code
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Change:
    """The rows an effect touched, for the flow to persist and announce."""
    order: Order
    hop: Assignment | None
    now: datetime
    inp: ActionInput
    session: Session
    target: OrgUnit | None = None
    data: dict[str, Any] = field(default_factory=dict)
    new_hop: Assignment | None = None


def _new_hop(c: Change, *, to: OrgUnit, frm_id: str, frm_path: str, from_platform: bool,
             role: str = HopRole.lead.value, parent: Assignment | None = None) -> Assignment:
    o = c.order
    d = deadlines.hop_deadlines(now=c.now, request_type=o.request_type, urgency=o.urgency,
                                category=o.category, channel=o.channel,
                                cap=parent.deadline if parent else None)
    hop_no = (c.hop.hop_no + (0 if parent else 1)) if c.hop else 1
    hop = new_row(Assignment, order_id=o.id, hop_no=hop_no,
                  parent_id=parent.id if parent else None, role=role, from_unit_id=frm_id,
                  from_path=frm_path, from_platform=from_platform, to_unit_id=to.id,
                  to_path=to.path, dispatched_at=c.now, sign_deadline=d.sign_deadline,
                  return_deadline=d.return_deadline, deadline=d.deadline,
                  policy_version=d.policy_version, limit_unit=d.handling_unit)
    orders.add_hop(c.session, hop)
    c.data["to_unit"] = {"id": to.id, "name": to.name}
    c.data["deadline"] = d.deadline.isoformat()
    return hop


def _point_at(order: Order, hop: Assignment | None, unit_path: str | None = None) -> None:
    order.current_hop_id = hop.id if hop else None
    order.current_unit_path = hop.to_path if hop else unit_path
    order.due_at = hop.deadline if hop else None


def _set_category(c: Change) -> None:
    """The dispatcher's category, beside what the order had and what the model proposed."""
    new = (c.inp.category or "").strip()
    if not new:
        return
    routing = c.order.routing or {}
    top = (routing.get("scores") or [{}])[0]
    c.data["category"] = {"from": c.order.category, "to": new, "proposed": top.get("category"),
                          "model_version": routing.get("model_version")}
    c.order.category = new


def _dispatch(c: Change) -> None:
    o = c.order
    _set_category(c)
    hop = _new_hop(c, to=c.target, frm_id=o.platform_id, frm_path=o.platform_path,
                   from_platform=True)
    o.dispatched_at = o.dispatched_at or c.now
    _point_at(o, hop)
    c.new_hop = hop


def _transfer(c: Change) -> None:
    c.data["from_platform"] = c.order.platform_id
    c.order.platform_id, c.order.platform_path = c.target.id, c.target.path
    c.data["to_unit"] = {"id": c.target.id, "name": c.target.name}
    _point_at(c.order, None, c.target.path)


def _transfer_city(c: Change) -> None:
    """Another city's platform takes the order over; the place, named in the first city's
    tree, is left for the new city's dispatcher to set."""
    if c.order.division_code:
        c.data["from_division"] = c.order.division_code
    c.order.division_code = c.order.division_path = None
    _transfer(c)


def _close_direct(c: Change) -> None:
    c.order.close_kind = c.inp.extra.get("close_kind", "direct")
    c.order.public_reply = c.inp.public_reply or c.inp.reason
    c.order.closed_at = c.now
    _point_at(c.order, None)


def _cancel_open(c: Change) -> None:
    open_codes = {s.value for s in OPEN_HOP_STATUSES}
    for hop in orders.hops(c.session, order_id=c.order.id):
        if hop.status in open_codes:
            hop.status, hop.ended_at = HopStatus.cancelled.value, c.now


def _refuse(c: Change) -> None:
    _cancel_open(c)
    _point_at(c.order, None)


def _hand_over(c: Change) -> None:
    c.order.emergency = c.inp.service or c.order.emergency or "110"
    c.data["service"] = c.order.emergency
    _cancel_open(c)
    _point_at(c.order, None)


def _merge(c: Change) -> None:
    c.order.master_id = c.inp.master_id
    c.data["master_id"] = c.inp.master_id
    _point_at(c.order, None)


def _add_cohandler(c: Change) -> None:
    o = c.order
    c.new_hop = _new_hop(c, to=c.target, frm_id=o.platform_id, frm_path=o.platform_path,
                         from_platform=True, role=HopRole.cohandler.value)


def _sign_for(c: Change) -> None:
    c.hop.status, c.hop.signed_at = HopStatus.handling.value, c.now
    c.data["on_time"] = bool(c.hop.sign_deadline and c.now <= c.hop.sign_deadline)


def _return(c: Change) -> None:
    if c.inp.reason_code:
        c.data["reason_code"] = str(c.inp.reason_code)
    c.hop.status = HopStatus.return_requested.value
    c.hop.returns += 1
    c.order.return_count += 1


def _back_to_parent(c: Change) -> None:
    parent = c.session.get(Assignment, c.hop.parent_id) if c.hop.parent_id else None
    if parent is not None:
        parent.status = HopStatus.handling.value
        _point_at(c.order, parent)
    else:
        _point_at(c.order, None, c.order.platform_path)


def _approve_return(c: Change) -> None:
    c.hop.status, c.hop.ended_at = HopStatus.returned.value, c.now
    _back_to_parent(c)


def _reject_return(c: Change) -> None:
    c.hop.status = HopStatus.handling.value
    c.hop.signed_at = c.hop.signed_at or c.now


def _pass_down(c: Change) -> None:
    parent = c.hop
    parent.status = HopStatus.delegated.value
    child = _new_hop(c, to=c.target, frm_id=parent.to_unit_id, frm_path=parent.to_path,
                     from_platform=False, parent=parent)
    _point_at(c.order, child)
    c.new_hop = child


def _request_extension(c: Change) -> None:
    days = c.inp.extension_days or 5
    c.hop.pending_extension = {"days": days, "reason": c.inp.reason, "at": c.now.isoformat()}
    c.data["days"] = days


def _approve_extension(c: Change) -> None:
    req = c.hop.pending_extension or {}
    days = c.inp.extension_days or req.get("days", 5)
    c.hop.deadline = deadlines.extend(c.hop.deadline, days)
    c.hop.extensions = [*c.hop.extensions, {"days": days, "approved_at": c.now.isoformat(),
                                             "reason": req.get("reason")}]
    c.hop.pending_extension = None
    c.order.due_at = c.hop.deadline
    c.data.update(days=days, deadline=c.hop.deadline.isoformat())


def _reject_extension(c: Change) -> None:
    c.hop.pending_extension = None


def _request_suspension(c: Change) -> None:
    c.hop.pending_suspension = {"reason": c.inp.reason, "at": c.now.isoformat()}


def _approve_suspension(c: Change) -> None:
    c.hop.pending_suspension = None
    c.hop.status, c.hop.suspended_at = HopStatus.suspended.value, c.now


def _reject_suspension(c: Change) -> None:
    c.hop.pending_suspension = None


def _resume(c: Change) -> None:
    paused = deadlines.paused_amount(c.hop.suspended_at, c.now, c.hop.limit_unit)
    c.hop.deadline = deadlines.after_pause(c.hop.deadline, paused, c.hop.limit_unit)
    c.hop.paused_seconds += int((c.now - c.hop.suspended_at).total_seconds())
    c.hop.status, c.hop.suspended_at = HopStatus.handling.value, None
    c.order.due_at = c.hop.deadline
    c.data["paused_seconds"] = int(paused.total_seconds())


def _feedback(c: Change) -> None:
    c.hop.status, c.hop.reported_at = HopStatus.reported.value, c.now
    c.hop.feedback = {"text": c.inp.reason, "contacted": c.inp.contacted, "solved": c.inp.solved,
                      "public_reply": c.inp.public_reply, "attachment_ids": c.inp.attachment_ids}
    c.data["on_time"] = bool(c.hop.deadline and c.now <= c.hop.deadline)
    if c.hop.from_platform:
        c.order.public_reply = c.inp.public_reply or c.inp.reason
        _point_at(c.order, c.hop)
        c.order.current_unit_path = c.order.platform_path
    else:
        _back_to_parent(c)


def _cohandler_feedback(c: Change) -> None:
    hop = c.session.get(Assignment, c.inp.extra["cohandler_hop_id"])
    hop.status, hop.reported_at = HopStatus.reported.value, c.now
    hop.feedback = {"text": c.inp.reason, "attachment_ids": c.inp.attachment_ids}
    c.data["cohandler_hop_id"] = hop.id


def _rework(c: Change) -> None:
    """Audit or site check failed: the same unit handles it again."""
    c.hop.status, c.hop.reported_at = HopStatus.handling.value, None
    _point_at(c.order, c.hop)


def _audit_fail(c: Change) -> None:
    c.order.audit_failures += 1
    _rework(c)


def _site_check_fail(c: Change) -> None:
    c.order.failed_site_checks += 1
    _rework(c)


def _callback(c: Change) -> None:
    i = c.inp
    c.order.callback = {"reached": i.reached, "contacted": i.contacted, "solved": i.solved,
                        "satisfied": i.satisfied, "rehandle": bool(i.rehandle),
                        "at": c.now.isoformat(), "note": i.reason}
    c.data.update(c.order.callback)
    if i.rehandle:
        # 重办: a new hop to the same unit, counted
        c.order.rehandle_count += 1
        c.hop.status, c.hop.ended_at = HopStatus.done.value, c.now
        unit = orgs.get_unit(c.session, c.hop.to_unit_id)
        c.new_hop = _new_hop(c, to=unit, frm_id=c.order.platform_id, frm_path=c.order.platform_path,
                             from_platform=True)
        _point_at(c.order, c.new_hop)


def _close(c: Change) -> None:
    c.order.close_kind, c.order.closed_at = "dispatched", c.now
    _point_at(c.order, None)
    for hop in orders.hops(c.session, order_id=c.order.id):
        if hop.status == HopStatus.reported.value:
            hop.status, hop.ended_at = HopStatus.done.value, c.now


def _rate(c: Change) -> None:
    """群众评价: kept beside the callback's answers; the satisfaction rate reads it first."""
    own = {"rating": c.inp.rating, "comment": c.inp.reason, "at": c.now.isoformat()}
    c.order.callback = {**(c.order.callback or {}), "citizen": own}
    c.data.update(rating=c.inp.rating)


def _queue(c: Change) -> None:
    _point_at(c.order, None, c.order.platform_path)


def _nothing(c: Change) -> None:
    return None


EFFECTS: dict[A, Callable[[Change], None]] = {
    A.auto_dispatch: _dispatch, A.dispatch: _dispatch, A.queue_for_dispatcher: _queue,
    A.transfer_platform: _transfer, A.transfer_city: _transfer_city,
    A.direct_close: _close_direct, A.refuse: _refuse,
    A.hand_over: _hand_over, A.merge: _merge, A.add_cohandler: _add_cohandler,
    A.sign_for: _sign_for, A.return_order: _return, A.approve_return: _approve_return,
    A.reject_return: _reject_return, A.pass_down: _pass_down,
    A.request_extension: _request_extension, A.approve_extension: _approve_extension,
    A.reject_extension: _reject_extension, A.request_suspension: _request_suspension,
    A.approve_suspension: _approve_suspension, A.reject_suspension: _reject_suspension,
    A.resume: _resume, A.feedback: _feedback, A.cohandler_feedback: _cohandler_feedback,
    A.audit_pass: _nothing, A.audit_fail: _audit_fail, A.site_check_pass: _nothing,
    A.site_check_fail: _site_check_fail, A.callback: _callback, A.close: _close,
    A.rate: _rate,
}

# Actions that end in a state where no hop is open any more
TERMINAL = {State.closed, State.refused, State.transferred, State.merged}
