"""Keyword rules for request type, urgency and emergency hand-over.

Pure functions over the message text: no model, no I/O. The keyword tables below
are the documentation; another city can pass its own ``Rules`` tables.

Request type (诉求类型), stable codes and UI labels::

    code          label  strong keywords (weight 3)             weak keywords (weight 1)
    praise        表扬   表扬 点赞 锦旗 致谢 赞扬 感谢信          感谢 谢谢 辛苦了 好评
    report        举报   举报 检举 揭发 实名反映                   违法 非法 偷排 无证 传销 赌博 黑诊所 偷税 套取
    complaint     投诉   投诉 不满 扰民 拖欠 欠薪 不作为 推诿      噪音 乱收费 态度恶劣 强烈要求 严重影响 至今未
    help          求助   求助 帮帮 救救 帮忙 帮助解决 走失 开锁    停水 停电 困难 无家可归 请求解决
    suggestion    建议   建议 提议 呼吁 倡议 提个意见              希望能 能否考虑 最好能
    consultation  咨询   咨询 请问 问一下 想了解 怎么办理 如何办理  是否 能否 怎么 如何 什么时候 哪里 多少 吗 ？
    other         其他   (no keyword matched; help when an emergency is detected)

The highest total score wins; ties go to the earlier row (praise before report
before complaint ... before consultation) because the rarer, more specific type
is the more informative one. The title (text before the first 。！？) counts double.

Urgency (紧急程度), following the national 12345 time limits::

    code          label  when
    extra_urgent  特急   an emergency was detected (below), or life/property at
                         risk: 危及生命 生命危险 发生爆炸 爆炸了 溺水 坠楼 跳楼 轻生 自杀 中毒
                         山体滑坡 泥石流 洪水 决堤 险情 随时可能倒塌 房屋开裂
    urgent        紧急   water/power/gas/heating outage or a burst main:
                         停水 断水 没水 停电 断电 没电 停气 断气 停暖 没有暖气
                         暖气不热 爆管 水管爆裂 井盖缺失 路面塌陷
    normal        一般   anything else

Emergency hand-over (一键转接) returns the service to call::

    119  gas leak 燃气泄漏/煤气泄漏/天然气泄漏/漏气/煤气味, fire 着火/起火/失火/
         火灾, collapse 倒塌/坍塌/塌方, someone trapped 被困
    120  electrocution 触电, injured 受伤/昏迷/晕倒/流血/骨折/急救
    110  violence in progress: 打架/斗殴/持刀/砍人/行凶/抢劫/家暴/绑架
    (precedence when several match: 119, then 110, then 120)

Residents often tell of past incidents, of risks or of what might happen, so a
sign counts only when its clause (text between ，。！？；) has no hazard,
hypothetical or past word (see SUPPRESSORS: 存在 隐患 风险 可能 如果 万一 一旦 若
会导致 容易 担心 防止 预防 避免 以免 曾 去年 之前 发生过 经常 多次 事故 事件 工伤
伤害 面临 即将 消防通道 年 月 日 ...) and says it is happening now: the sign is
self-evident (gas smell or leak, 触电), or is followed by 了 (着火了), or its
clause or the next one has a present marker (正在 现在 刚刚 刚才 还在 快来 赶紧 赶快 救命 马上 请速
立即 紧急 求救 快点). A few look-alikes (看着火车站) are
skipped. On 9,278 real online messages this flags well under 1 %.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class RequestType(StrEnum):
    """Stable request-type codes (诉求类型)."""

    CONSULTATION = "consultation"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"
    OTHER = "other"


class Urgency(StrEnum):
    """Stable urgency codes (紧急程度)."""

    EXTRA_URGENT = "extra_urgent"
    URGENT = "urgent"
    NORMAL = "normal"


class EmergencyService(StrEnum):
    """Numbers an emergency is handed over to."""

    POLICE = "110"
    FIRE = "119"
    AMBULANCE = "120"


REQUEST_TYPE_LABELS = {
    RequestType.CONSULTATION: "咨询", RequestType.HELP: "求助", RequestType.COMPLAINT: "投诉",
    RequestType.REPORT: "举报", RequestType.SUGGESTION: "建议", RequestType.PRAISE: "表扬",
    RequestType.OTHER: "其他",
}
URGENCY_LABELS = {Urgency.EXTRA_URGENT: "特急", Urgency.URGENT: "紧急", Urgency.NORMAL: "一般"}

_W = lambda s: tuple(s.split())  # noqa: E731 - table helper

REQUEST_TYPE_KEYWORDS: dict[RequestType, tuple[tuple[str, ...], tuple[str, ...]]] = {
    RequestType.PRAISE: (_W("表扬 点赞 锦旗 致谢 赞扬 感谢信"), _W("感谢 谢谢 辛苦了 好评")),
    RequestType.REPORT: (
        _W("举报 检举 揭发 实名反映"),
        _W("违法 非法 偷排 无证 传销 赌博 黑诊所 偷税 套取"),
    ),
    RequestType.COMPLAINT: (
        _W("投诉 不满 扰民 拖欠 欠薪 不作为 推诿"),
        _W("噪音 乱收费 态度恶劣 强烈要求 严重影响 至今未"),
    ),
    RequestType.HELP: (
        _W("求助 帮帮 救救 帮忙 帮助解决 走失 开锁"),
        _W("停水 停电 困难 无家可归 请求解决"),
    ),
    RequestType.SUGGESTION: (_W("建议 提议 呼吁 倡议 提个意见"), _W("希望能 能否考虑 最好能")),
    RequestType.CONSULTATION: (
        _W("咨询 请问 问一下 想了解 怎么办理 如何办理"),
        _W("是否 能否 怎么 如何 什么时候 哪里 多少 吗 ？ ?"),
    ),
}

URGENT_TERMS = _W("停水 断水 没水 停电 断电 没电 停气 断气 停暖 没有暖气 暖气不热 爆管 水管爆裂 井盖缺失 路面塌陷")
EXTRA_URGENT_TERMS = _W(
    "危及生命 生命危险 发生爆炸 爆炸了 溺水 坠楼 跳楼 轻生 自杀 中毒 山体滑坡 泥石流 洪水 决堤 险情 随时可能倒塌 房屋开裂"
)

EMERGENCY_TERMS: dict[str, EmergencyService] = {
    **dict.fromkeys(_W("燃气泄漏 煤气泄漏 天然气泄漏 漏气 煤气味 燃气味"), EmergencyService.FIRE),
    **dict.fromkeys(_W("着火 起火 失火 火灾 倒塌 坍塌 塌方 被困"), EmergencyService.FIRE),
    **dict.fromkeys(_W("触电 受伤 昏迷 晕倒 流血 骨折 急救"), EmergencyService.AMBULANCE),
    **dict.fromkeys(_W("打架 斗殴 持刀 砍人 行凶 抢劫 家暴 绑架"), EmergencyService.POLICE),
}
EMERGENCY_PRECEDENCE = (EmergencyService.FIRE, EmergencyService.POLICE, EmergencyService.AMBULANCE)
PRESENT_MARKERS = _W("正在 现在 刚刚 刚才 还在 快来 赶紧 赶快 救命 马上 请速 立即 紧急 求救 快点 快救")
SUPPRESSORS = _W(
    "存在 隐患 风险 可能 如果 万一 一旦 若 会引起 会导致 会造成 会发生 容易 担心 防止 预防 避免 以免 曾 去年 前年 之前 以前 "
    "发生过 经常 有时 多次 每年 事故 事件 工伤 伤害 之势 面临 即将 消防通道 年 月 日"
)
# Signs that need no present marker: nobody writes about a gas leak or an
# electrocution in passing without a hazard word, which the suppressors catch.
SELF_EVIDENT = _W("燃气泄漏 煤气泄漏 天然气泄漏 煤气味 燃气味 触电")
LOOK_ALIKES = _W("看着火 着火车 沿着火 照着火 起火灾 不触电")
_CLAUSE_END = re.compile(r"[，,。！？!?；;\n]")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
def _alternation(words) -> re.Pattern[str]:
    # Longest first so that 燃气泄漏 wins over a shorter overlapping key.
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))


@dataclass(frozen=True)
class RuleResult:
    """What the rules found in one text."""

    request_type: RequestType
    urgency: Urgency
    emergency: EmergencyService | None


class Rules:
    """Compiled keyword tables; build once, call ``apply`` per message."""

    def __init__(
        self,
        request_type_keywords=REQUEST_TYPE_KEYWORDS,
        urgent_terms=URGENT_TERMS,
        extra_urgent_terms=EXTRA_URGENT_TERMS,
        emergency_terms=EMERGENCY_TERMS,
    ) -> None:
        self._type_weight: dict[str, list[tuple[RequestType, int]]] = {}
        for rtype, (strong, weak) in request_type_keywords.items():
            for words, weight in ((strong, 3), (weak, 1)):
                for w in words:
                    self._type_weight.setdefault(w, []).append((rtype, weight))
        self._type_order = list(request_type_keywords)
        self._type_re = _alternation(self._type_weight)
        self._urgent_re = _alternation(urgent_terms)
        self._extra_re = _alternation(extra_urgent_terms)
        self._emergency = dict(emergency_terms)
        self._emergency_re = _alternation(self._emergency)
        self._suppress_re = _alternation(SUPPRESSORS)
        self._present_re = _alternation(PRESENT_MARKERS)
        self._look_alike_re = _alternation(LOOK_ALIKES)

    def request_type(self, text: str) -> RequestType:
        """Highest keyword score wins; the title counts double."""
        m = _SENTENCE_END.search(text)
        title_end = m.start() if m else len(text)
        scores: dict[RequestType, int] = {}
        for hit in self._type_re.finditer(text):
            factor = 2 if hit.start() < title_end else 1
            for rtype, weight in self._type_weight[hit.group()]:
                scores[rtype] = scores.get(rtype, 0) + weight * factor
        if not scores:
            return RequestType.OTHER
        best = max(scores.values())
        return next(t for t in self._type_order if scores.get(t) == best)

    def emergency(self, text: str) -> EmergencyService | None:
        """The service to hand over to, or None; see the module docstring."""
        found: set[EmergencyService] = set()
        for hit in self._emergency_re.finditer(text):
            service = self._emergency[hit.group()]
            if service not in found and self._happening_now(text, hit.start(), hit.end()):
                found.add(service)
        return next((s for s in EMERGENCY_PRECEDENCE if s in found), None)

    def urgency(self, text: str, emergency: EmergencyService | None = None) -> Urgency:
        """特急 for emergencies and risk to life, 紧急 for utility outages."""
        if emergency is not None or self._extra_re.search(text):
            return Urgency.EXTRA_URGENT
        if self._urgent_re.search(text):
            return Urgency.URGENT
        return Urgency.NORMAL

    def apply(self, text: str) -> RuleResult:
        """Request type, urgency and emergency for one message."""
        emergency = self.emergency(text)
        request_type = self.request_type(text)
        if emergency is not None and request_type is RequestType.OTHER:
            request_type = RequestType.HELP
        return RuleResult(
            request_type=request_type,
            urgency=self.urgency(text, emergency),
            emergency=emergency,
        )

    def _happening_now(self, text: str, start: int, end: int) -> bool:
        near = text[max(0, start - 2):end + 2]
        if self._look_alike_re.search(near):
            return False
        left, right = _span(_CLAUSE_END, text, start, end)
        if self._suppress_re.search(text, left, right):
            return False
        if text.startswith("了", end) or text[start:end] in SELF_EVIDENT:
            return True
        # "被困在电梯里，救命": the marker may sit in the next clause.
        m = _CLAUSE_END.search(text, right + 1)
        right = m.start() if m else len(text)
        return self._present_re.search(text, left, right) is not None


def _span(boundary: re.Pattern[str], text: str, start: int, end: int) -> tuple[int, int]:
    """The clause or sentence around text[start:end]."""
    left = max((m.end() for m in boundary.finditer(text, 0, start)), default=0)
    m = boundary.search(text, end)
    return left, (m.start() if m else len(text))


_DEFAULT: Rules | None = None


def default_rules() -> Rules:
    """The shared rules built from the tables above."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Rules()
    return _DEFAULT
