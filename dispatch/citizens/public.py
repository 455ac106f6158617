"""What a citizen may see of an order: a pure rule, no DB, no clock.

The public part is the order number, its state in plain Chinese, whether it is still open, its
dates and — once the order is finished — the public reply. Never the name, phone, address,
text, place or units: the status page, WeChat's 查询 and Open311 all show this part only.
The reply is shown only at the end (closed or refused), because the handler's reply may still
be rejected by the platform's audit before that.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from dispatch.orders.enums import TERMINAL_STATES, State

# one plain sentence per state, as a citizen would put it (not the console's workflow words)
STATE_TEXT: dict[str, str] = {
    State.received: "已受理，正在分派",
    State.pending_dispatch: "已受理，正在分派",
    State.dispatched: "已转交承办单位",
    State.handling: "承办单位正在办理",
    State.return_requested: "正在重新确定承办单位",
    State.suspended: "暂缓办理",
    State.feedback_submitted: "已办理，正在审核",
    State.site_check: "已办理，正在现场核查",
    State.callback_pending: "已办理，等待回访",
    State.verified: "已回访，即将办结",
    State.closed: "已办结",
    State.refused: "不予受理",
    State.transferred: "已转交 110/119/120 处置",
    State.merged: "已与同一问题的其他工单合并办理",
}
SUFFIX_DIGITS = 4


@dataclass(frozen=True)
class PublicStatus:
    number: str
    state_text: str
    open: bool                      # Open311's open / closed
    received_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    reply: str | None               # the public reply, once the order is finished


def public_status(*, number: str, state: str, received_at: datetime, updated_at: datetime,
                  closed_at: datetime | None, public_reply: str | None) -> PublicStatus:
    finished = state in (State.closed, State.refused)
    return PublicStatus(number=number, state_text=STATE_TEXT.get(state, "办理中"),
                        open=state not in TERMINAL_STATES, received_at=received_at,
                        updated_at=updated_at, closed_at=closed_at,
                        reply=(public_reply or None) if finished else None)


def suffix_matches(phone: str | None, suffix: str) -> bool:
    """The last four digits of the reporter's phone, compared in constant time; an order
    without a phone matches nothing."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) < SUFFIX_DIGITS or len(suffix) != SUFFIX_DIGITS:
        return False
    return hmac.compare_digest(digits[-SUFFIX_DIGITS:].encode(), suffix.encode())


def parse_query_command(text: str, *, prefix: str) -> str | None:
    """The order number of a WeChat text "查询 GD…" (spaces, a colon or none between), or None
    when the text is not such a command (it is then an ordinary report)."""
    t = (text or "").strip()
    if not t.startswith("查询"):
        return None
    rest = t[2:].strip().lstrip(":：").strip().upper()
    if not rest.startswith(prefix.upper()) or not rest.isalnum() or len(rest) > 40:
        return None
    return rest


def _line(status: PublicStatus) -> str:
    text = f"工单 {status.number}：{status.state_text}。"
    if status.reply:
        text += f"答复意见：{status.reply.rstrip('。')}。"
    return text


def wechat_answer(status: PublicStatus | None, *, number: str, centre: str) -> str:
    """The reply to "查询 <number>": the public part for the order's reporter; for anyone or
    anything else one polite sentence that does not say whether the order exists."""
    if status is None:
        return (f"【{centre}】未查到您通过本公众号反映的工单 {number}。请核对工单号；"
                "通过其他渠道反映的问题，可在工单查询页输入工单号和手机号后四位查询。")
    return f"【{centre}】{_line(status)}"


MENU_ORDERS = 3                 # the 查询 menu button answers this many recent orders at most


def wechat_menu_answer(statuses: list[PublicStatus], *, centre: str, prefix: str) -> str:
    """The reply to the 查询 menu button: the sender's most recent orders (newest first, at
    most MENU_ORDERS), one line each; none: how to ask about one order by its number."""
    if not statuses:
        return (f"【{centre}】未查到您通过本公众号反映的工单。如需查询某件工单，请发送"
                f"“查询”加工单号，例如“查询 {prefix.upper()}……”；通过其他渠道反映的问题，"
                "可在工单查询页输入工单号和手机号后四位查询。")
    lines = [_line(s) for s in statuses[:MENU_ORDERS]]
    return f"【{centre}】您最近反映的工单：\n" + "\n".join(lines)
