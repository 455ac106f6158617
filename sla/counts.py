"""How every KPI count is derived from one order and its hops (pure: no database, no clock).

An order's *contribution* is a small set of buckets ``(local day, unit path) -> {count: n}``.
The KPI of a unit, level, department, channel, category and period is the sum of the
contributions falling in it, so aggregates can be maintained exactly by retracting an order's
old contribution and adding its new one whenever it changes (see ``sla.aggregates``).
A contribution depends only on the stored rows, never on "now", so it is reproducible.

Terms (all dates are local dates in Asia/Shanghai):

* **responsible unit** U: the ``to_path`` of the latest lead hop (主办) that was not returned or
  cancelled -- the deepest unit that handled it; the owning platform while nobody holds it.
* **closing hop** H: the latest lead hop dispatched by the platform that was not cancelled;
  its ``deadline`` D (after extensions and pauses) is the order's **closing deadline**.
* An order is **dispatched** when it has a closing hop and did not leave the loop (refused,
  merged, handed over to 110/119/120).

Anchors: the *intake* counts fall on the day the order was received, the *closing* counts on
the day of D, the *callback* counts on the day of the final callback, the *hop* counts on the
day each hop was dispatched (and go to that hop's unit, not to U).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from dispatch.citizens.rating import citizen_satisfied
from sla.kpi import KpiCounts, counts_as_dict

SHANGHAI = ZoneInfo("Asia/Shanghai")
COUNT_FIELDS: tuple[str, ...] = tuple(counts_as_dict(KpiCounts()))
LEFT_LOOP = frozenset({"refused", "merged", "transferred"})
CALLBACK_STEP = frozenset({"callback_pending", "verified", "closed"})
CALLED_BACK = frozenset({"verified", "closed"})
DIRECT_KINDS = frozenset({"direct", "on_spot"})

BucketKey = tuple[date, str]
Contribution = dict[BucketKey, dict[str, int]]

# Chinese name and exact derivation of every count, shown beside the numbers and in exports.
COUNT_DEFINITIONS: Mapping[str, tuple[str, str]] = {
    "received": ("来电(来件)总数", "受理日在统计期内的全部工单(含不予受理、并单、转110/119/120)，计入责任单位"),
    "repeat_calls": ("重复来电数", "受理日在统计期内、关联了已有工单(repeat_of_id)或被并单(master_id)的工单"),
    "valid": ("有效工单数", "受理日在统计期内、未被不予受理/并单/转出的工单"),
    "closed_direct": ("直接办结工单数", "受理日在统计期内、未派单即办结(直接答复或现场处置)的工单"),
    "closed_after_dispatch": ("派单后办结工单数", "受理日在统计期内、派单后已结案的工单"),
    "due_to_close": ("应结案工单数", "已派单工单中，办理时限截止日(主办单位最后一次派单的期限，含延期与挂起顺延)在统计期内的工单"),
    "closed": ("已结案工单数", "应结案工单中已结案的工单(截至统计时)"),
    "closed_on_time": ("按期结案工单数", "已结案工单中，最后一次派单的办理反馈时间不晚于办理时限的工单"),
    "reopened_unsatisfied": ("回访不满意重办工单数", "已结案工单中，曾因回访不满意重办的工单"),
    "failed_site_checks": ("核查不通过工单数", "已结案工单中，曾核查不通过且未重办的工单(既重办又核查不通过的只计入重办，避免重复扣减)"),
    "rehandled": ("重办工单数", "已结案工单中，重办次数≥1的工单"),
    "closed_first_time": ("未经重办结案工单数", "已结案工单中，重办次数为0的工单"),
    "callbacks_due": ("应回访工单数", "应结案工单中，已进入回访环节(待回访、已回访、已结案)的工单"),
    "callbacks_done": ("已回访工单数", "应回访工单中，最终回访联系到诉求人的工单(未接通只算尝试)"),
    "evaluated": ("参评工单数", "最终回访日期在统计期内、回访联系到诉求人且已回访或已结案的工单"),
    "contacted": ("承办单位已联系诉求人工单数", "参评工单中，诉求人确认承办单位联系过本人的工单"),
    "solved": ("回访确认已解决工单数", "参评工单中，诉求人确认问题已解决的工单"),
    "satisfied": ("满意工单数", "参评工单中，诉求人通过办结短信链接本人评价为满意或基本满意的工单；未本人评价的，按回访时表示满意计"),
    "dispatched_assignments": ("派单数", "派出日在统计期内、未被取消的派单(主办与协办，每一级下派各算一次)，计入接收单位"),
    "signed_on_time": ("按时签收派单数", "派单中，签收时间不晚于签收时限的派单"),
    "returned": ("退回派单数", "派单中，退回申请被批准(状态为已退回)的派单"),
}


class OrderLike(Protocol):
    state: str
    received_at: datetime
    close_kind: str | None
    platform_path: str
    repeat_of_id: int | None
    master_id: int | None
    rehandle_count: int
    failed_site_checks: int
    callback: Mapping[str, Any]


class HopLike(Protocol):
    role: str
    from_platform: bool
    status: str
    to_path: str
    dispatched_at: datetime
    deadline: datetime | None
    sign_deadline: datetime | None
    signed_at: datetime | None
    reported_at: datetime | None


def local_day(moment: datetime, tz: ZoneInfo = SHANGHAI) -> date:
    """The local calendar date of an aware datetime."""
    return moment.astimezone(tz).date()


def responsible_unit(order: OrderLike, hops: Sequence[HopLike]) -> str:
    """U: the latest lead hop still standing, else the owning platform."""
    for hop in reversed(hops):
        if hop.role == "lead" and hop.status not in ("returned", "cancelled"):
            return hop.to_path
    return order.platform_path


def closing_hop(hops: Sequence[HopLike]) -> HopLike | None:
    """H: the latest lead hop the platform dispatched that was not cancelled."""
    for hop in reversed(hops):
        if hop.role == "lead" and hop.from_platform and hop.status != "cancelled":
            return hop
    return None


def intake_counts(order: OrderLike) -> dict[str, int]:
    """Counts anchored on the day the order was received."""
    closed = order.state == "closed"
    return {
        "received": 1,
        "repeat_calls": int(order.repeat_of_id is not None or order.master_id is not None),
        "valid": int(order.state not in LEFT_LOOP),
        "closed_direct": int(closed and order.close_kind in DIRECT_KINDS),
        "closed_after_dispatch": int(closed and order.close_kind == "dispatched"),
    }


def closing_counts(order: OrderLike, hop: HopLike) -> dict[str, int]:
    """Counts anchored on the closing deadline D of a dispatched order."""
    closed = order.state == "closed"
    rehandled = order.rehandle_count > 0
    on_time = bool(hop.reported_at and hop.deadline and hop.reported_at <= hop.deadline)
    due_callback = order.state in CALLBACK_STEP
    return {
        "due_to_close": 1,
        "closed": int(closed),
        "closed_on_time": int(closed and on_time),
        "reopened_unsatisfied": int(closed and rehandled),
        "failed_site_checks": int(closed and order.failed_site_checks > 0 and not rehandled),
        "rehandled": int(closed and rehandled),
        "closed_first_time": int(closed and not rehandled),
        "callbacks_due": int(due_callback),
        "callbacks_done": int(due_callback and order.state in CALLED_BACK
                              and order.callback.get("reached") is True),
    }


def callback_counts(order: OrderLike) -> dict[str, int]:
    """The three rates' counts, anchored on the final callback's day (empty if not evaluated).

    Satisfied is the citizen's own rating (群众评价: 满意 or 基本满意) when given, else the
    callback's answer: one evaluation per order. An order rated but never reached by the
    callback is not evaluated, since nobody answered whether the unit contacted the citizen or
    solved the problem, and counting it would lower the response and resolution rates."""
    cb = order.callback or {}
    if order.state not in CALLED_BACK or cb.get("reached") is not True or not cb.get("at"):
        return {}
    return {"evaluated": 1, "contacted": int(cb.get("contacted") is True),
            "solved": int(cb.get("solved") is True), "satisfied": int(citizen_satisfied(cb) is True)}


def hop_counts(hop: HopLike) -> dict[str, int]:
    """Counts of one assignment, anchored on its dispatch day."""
    on_time = bool(hop.signed_at and hop.sign_deadline and hop.signed_at <= hop.sign_deadline)
    return {"dispatched_assignments": 1, "signed_on_time": int(on_time),
            "returned": int(hop.status == "returned")}


def _parse_at(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return None


def contribution(order: OrderLike, hops: Sequence[HopLike], tz: ZoneInfo = SHANGHAI) -> Contribution:
    """Every bucket this order adds to; ``hops`` in creation order (ascending id)."""
    out: Contribution = {}
    unit = responsible_unit(order, hops)
    accumulate(out, (local_day(order.received_at, tz), unit), intake_counts(order))
    hop = closing_hop(hops)
    if hop is not None and hop.deadline is not None and order.state not in LEFT_LOOP:
        accumulate(out, (local_day(hop.deadline, tz), unit), closing_counts(order, hop))
    called_at = _parse_at((order.callback or {}).get("at"))
    if called_at is not None:
        accumulate(out, (local_day(called_at, tz), unit), callback_counts(order))
    for each in hops:
        if each.status != "cancelled":
            accumulate(out, (local_day(each.dispatched_at, tz), each.to_path), hop_counts(each))
    return out


def accumulate(out: dict, key: Any, values: Mapping[str, int]) -> None:
    """Add ``values`` into ``out[key]`` (zeros left out; no empty bucket is created)."""
    bucket = None
    for name, value in values.items():
        if value:
            if bucket is None:
                bucket = out.setdefault(key, {})
            bucket[name] = bucket.get(name, 0) + value


def difference(new: Contribution, old: Contribution) -> Contribution:
    """``new − old`` per bucket, leaving out buckets and counts that do not change."""
    delta: Contribution = {}
    for key in new.keys() | old.keys():
        a, b = new.get(key, {}), old.get(key, {})
        change = {name: a.get(name, 0) - b.get(name, 0) for name in a.keys() | b.keys()}
        change = {name: v for name, v in change.items() if v}
        if change:
            delta[key] = change
    return delta


def to_json(contrib: Contribution) -> list[list[Any]]:
    """Storable form: ``[[day ISO, unit path, {count: n}], ...]`` sorted by key."""
    return [[day.isoformat(), path, dict(sorted(counts.items()))]
            for (day, path), counts in sorted(contrib.items())]


def from_json(rows: Iterable[Sequence[Any]] | None) -> Contribution:
    """Inverse of ``to_json``."""
    return {(date.fromisoformat(day), path): dict(counts) for day, path, counts in rows or ()}
