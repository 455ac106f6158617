"""What to tell whom when an order moves: a pure plan, no DB, no network, no clock."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from channels.enums import DeliveryKind, Transport
from dispatch.orders.enums import State

CLOSING_ACTIONS = frozenset({"close", "direct_close"})
WATCHED_ACTIONS = CLOSING_ACTIONS | {"intake", "refuse", "hand_over", "merge"}
SURVEY = {"question": "请对办理结果评价", "options": {"1": "满意", "2": "基本满意", "3": "不满意"}}


@dataclass(frozen=True)
class OrderFacts:
    """The few fields of an order (and its last step) the plan needs."""
    order_id: int
    number: str
    channel: str
    state: str
    citizen_phone: str | None = None
    citizen_name: str | None = None
    reply_to: dict[str, Any] = field(default_factory=dict)
    public_reply: str | None = None
    emergency: str | None = None
    close_kind: str | None = None
    title: str = ""
    content: str = ""
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    received_at: datetime | None = None
    closed_at: datetime | None = None
    reason: str | None = None          # of the action being announced
    merged_into: str | None = None     # the master's number, for a report merged into it (并单)
    rating_url: str | None = None      # the one-time rating link of a closed order (群众评价)


@dataclass(frozen=True)
class Texts:
    centre_name: str
    app_name: str


@dataclass(frozen=True)
class Planned:
    kind: DeliveryKind
    transport: Transport
    recipient: str
    payload: dict[str, Any]


def reply_route(f: OrderFacts) -> tuple[Transport, str] | None:
    """Back on the channel the citizen used: WeChat, app push, the police; else SMS to a phone."""
    to = f.reply_to or {}
    if to.get("transport") == Transport.wechat and to.get("openid"):
        return Transport.wechat, str(to["openid"])
    if to.get("transport") == Transport.app_push and to.get("user_id"):
        return Transport.app_push, str(to["user_id"])
    if to.get("transport") == Transport.police and to.get("incident_no"):
        return Transport.police, str(to["incident_no"])
    if f.citizen_phone:
        return Transport.sms, f.citizen_phone
    return None


def accepted_text(f: OrderFacts, t: Texts) -> str:
    return (f"【{t.centre_name}】您反映的问题已受理，工单号 {f.number}。"
            "我们将尽快办理，结果会及时告知您。")


def closed_text(f: OrderFacts, t: Texts) -> str:
    reply = (f.public_reply or "已办结").rstrip("。")
    options = "，".join(f"{k} {v}" for k, v in SURVEY["options"].items())
    merged = f"（已与工单 {f.merged_into} 合并办理）" if f.merged_into else ""
    ask = (f"{SURVEY['question']}：{f.rating_url}" if f.rating_url
           else f"{SURVEY['question']}，请回复：{options}。")
    return f"【{t.centre_name}】您的工单 {f.number}{merged}已办结：{reply}。{ask}"



def _citizen(kind: DeliveryKind, transport: Transport, recipient: str, f: OrderFacts,
             t: Texts) -> Planned:
    text = accepted_text(f, t) if kind == DeliveryKind.accepted else closed_text(f, t)
    if transport == Transport.app_push:
        title = f"{t.app_name}：" + ("诉求已受理" if kind == DeliveryKind.accepted else "诉求已办结")
        payload: dict[str, Any] = {"user_id": recipient, "title": title, "body": text,
                                   "order_number": f.number, "kind": kind.value}
        if kind == DeliveryKind.closed:
            payload["survey"] = SURVEY
            if f.rating_url:
                payload["rating_url"] = f.rating_url
    elif transport in (Transport.wechat, Transport.wechat_passive):
        payload = {"openid": recipient, "text": text}
    else:
        payload = {"phone": recipient, "text": text, "ref": f"{f.number}-{kind.value}"}
    return Planned(kind, transport, recipient, payload)


def police_result(f: OrderFacts) -> Planned:
    incident = str(f.reply_to.get("incident_no"))
    return Planned(DeliveryKind.police_result, Transport.police, incident, {
        "incident_no": incident, "order_number": f.number, "state": f.state,
        "close_kind": f.close_kind, "result": f.public_reply or f.reason,
        "closed_at": f.closed_at.isoformat() if f.closed_at else None})


def police_handover(f: OrderFacts) -> Planned:
    return Planned(DeliveryKind.police_handover, Transport.police, "110", {
        "order_number": f.number, "reason": f.reason, "title": f.title, "content": f.content,
        "caller": f.citizen_phone, "caller_name": f.citizen_name, "address": f.address,
        "latitude": f.latitude, "longitude": f.longitude,
        "received_at": f.received_at.isoformat() if f.received_at else None})


def as_merged(report: OrderFacts, master: OrderFacts) -> OrderFacts:
    """A report merged into ``master`` (并单), told the master's result as its own closure."""
    return replace(report, state=master.state, public_reply=master.public_reply,
                   close_kind=master.close_kind, closed_at=master.closed_at,
                   merged_into=master.number, rating_url=None)


def plan_merged(reports: list[OrderFacts], master: OrderFacts, t: Texts,
                told: set[str]) -> list[tuple[int, Planned]]:
    """The closing notice for every report merged into a closed master, by (order id, plan).

    A recipient in ``told`` (the master's own caller, or one already told through another
    report) is not told again: the same person calling three times hears the result once."""
    if master.state != State.closed:
        return []
    out = []
    for report in reports:
        for p in plan(as_merged(report, master), "close", t):
            if p.recipient not in told:
                told.add(p.recipient)
                out.append((report.order_id, p))
    return out


def plan(f: OrderFacts, action: str, t: Texts) -> list[Planned]:
    """The deliveries this announcement calls for (each order gets each kind at most once)."""
    route = reply_route(f)
    out: list[Planned] = []
    closed_now = action in CLOSING_ACTIONS or (action == "intake" and f.state == State.closed)
    if route and route[0] == Transport.police:
        if closed_now or action == "refuse":
            out.append(police_result(f))
    elif route and closed_now:
        out.append(_citizen(DeliveryKind.closed, *route, f, t))
    elif route and action == "intake":
        # WeChat's acceptance is the passive reply in the callback's own response
        transport = Transport.wechat_passive if route[0] == Transport.wechat else route[0]
        out.append(_citizen(DeliveryKind.accepted, transport, route[1], f, t))
    if action == "hand_over" and f.emergency == "110":
        out.append(police_handover(f))
    return out
