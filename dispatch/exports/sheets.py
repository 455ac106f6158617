"""What an order export holds: Chinese headers and one row per order, contact masked as the
order list masks it (pure: no database)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from dispatch.orders.enums import Role
from dispatch.orders.schemas import mask_name, mask_phone, sees_contact

SHANGHAI = ZoneInfo("Asia/Shanghai")
# (column read from work_order, header)
ORDER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "工单编号"), ("channel", "渠道"), ("received_at", "受理时间"),
    ("request_type", "诉求类型"), ("category", "类别"), ("urgency", "紧急程度"),
    ("title", "标题"), ("content", "诉求内容"), ("citizen_name", "诉求人"),
    ("citizen_phone", "联系电话"), ("address", "地址"), ("division_code", "区划代码"),
    ("state", "状态"), ("due_at", "办理期限"), ("closed_at", "结案时间"), ("close_kind", "办结方式"),
)
READ = [c for c, _ in ORDER_COLUMNS] + ["confidential"]
HEADERS = [h for _, h in ORDER_COLUMNS]
STATE_NAMES = {"received": "已受理", "pending_dispatch": "待派单", "dispatched": "待签收",
               "handling": "处置中", "return_requested": "退回待审", "suspended": "已挂起",
               "feedback_submitted": "待审核", "site_check": "待核查", "callback_pending": "待回访",
               "verified": "已回访", "closed": "结案", "refused": "不予受理", "transferred": "已转警",
               "merged": "已并单"}
TYPE_NAMES = {"consultation": "咨询", "help": "求助", "complaint": "投诉", "report": "举报",
              "suggestion": "建议", "praise": "表扬", "other": "其他"}
URGENCY_NAMES = {"extra_urgent": "特急", "urgent": "紧急", "normal": "一般"}
CLOSE_NAMES = {"direct": "直接办结", "on_spot": "现场处置", "dispatched": "派单办结"}
_NAMES = {"state": STATE_NAMES, "request_type": TYPE_NAMES, "urgency": URGENCY_NAMES,
          "close_kind": CLOSE_NAMES}
_PHONE, _NAME = READ.index("citizen_phone"), READ.index("citizen_name")


def local(value: datetime | None) -> datetime | None:
    """Excel has no time zones: Beijing wall-clock time."""
    return value.astimezone(SHANGHAI).replace(tzinfo=None) if value else None


def order_row(values: Sequence, role: Role, channel_names: dict[str, str]) -> list:
    """One spreadsheet row from the READ columns of an order, as the role may see it."""
    row = list(values)
    confidential = row.pop()
    if not sees_contact(role, bool(confidential)):
        row[_PHONE], row[_NAME] = mask_phone(row[_PHONE]), mask_name(row[_NAME])
    for i, (column, _) in enumerate(ORDER_COLUMNS):
        value = row[i]
        if isinstance(value, datetime):
            row[i] = local(value)
        elif column == "channel":
            row[i] = channel_names.get(value, value)
        elif column in _NAMES and value is not None:
            row[i] = _NAMES[column].get(value, value)
    return row
