"""What a person reads for a routing rule: one catalogue from the rule's code to Chinese.

The router's decision keeps a stable machine code (``RoutingDecision.rule``, e.g.
``territorial:城乡建设-><township code>``); the routing job records it in ``data.routing.rule`` and, in
its machine form ``rule <code>``, as the timeline entry's reason. The API shows the Chinese text
instead (``shown_reason``), when the timeline is read, so entries written before a rule's text
existed read in Chinese too. Codes are read by their prefix (before ``:`` or ``->``): a rule the
router gains later still reads as a sensible Chinese fallback until its line is added here.
"""
from __future__ import annotations

MACHINE = "rule "                 # the reason's machine form: "rule <code>[ refused: <why>]"
REFUSED = " refused: "
ROUTING_ACTIONS = frozenset({"auto_dispatch", "transfer_platform", "queue_for_dispatcher"})

# why the rule decided so, by prefix; {arg} is what follows ":" (a category, or 110/119/120)
WHY = {
    "territorial": "属地管理事项「{arg}」：按事发地派往属地乡镇（街道）",
    "functional": "行业管理事项「{arg}」：派往主管职能部门",
    "hint": "按来件渠道给出的分类「{arg}」派往主管职能部门",
    "unit_model": "依据承办单位模型的推荐",
    "place": "依据事发地所属辖区",
    "unclear": "事发地在下级县区，诉求分类待定",
    "division": "依据来件所给的行政区划",
    "emergency": "疑似紧急事项（{arg}）：转人工研判",
    "low_confidence": "智能分类把握不足：转派单员人工派单",
    "no_category": "未能识别诉求分类：转派单员人工派单",
    "no_hint_no_division": "来件未给分类和行政区划：转派单员人工派单",
}
# what was done, by what follows "->", when the prefix does not say it; a unit id says nothing
# here (the timeline names the unit the order went to)
TARGETS = {"county_platform": "，交所属县区平台研判办理"}
FALLBACK = "依据智能分拨规则"
REFUSED_TEXT = "；该建议未能执行，已转派单员人工派单"


def rule_text(code: str) -> str:
    """The Chinese text of a routing rule's code; the fallback for a prefix not listed."""
    head, _, target = code.strip().partition("->")
    prefix, _, arg = head.partition(":")
    why = WHY.get(prefix)
    if why is None or ("{arg}" in why and not arg):
        return FALLBACK + TARGETS.get(target, "")
    return why.format(arg=arg) + TARGETS.get(target, "")


def rule_reason(code: str, refused: str | None = None) -> str:
    """The machine form the routing job stores as the timeline reason."""
    return f"{MACHINE}{code}" + (f"{REFUSED}{refused}" if refused else "")


def shown_reason(action: str, reason: str | None) -> str | None:
    """The reason as a person reads it: a routing rule's machine form becomes its Chinese text
    (and a refused proposal says so); every other reason is shown as written."""
    if action not in ROUTING_ACTIONS or not reason or not reason.startswith(MACHINE):
        return reason
    code, refused, _ = reason[len(MACHINE):].partition(REFUSED)
    return rule_text(code) + (REFUSED_TEXT if refused else "")
