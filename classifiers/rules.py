"""Keyword rules for request type, urgency and emergency hand-over.

Pure functions over the message text: no model, no I/O; another city can pass its own
``Rules`` tables. The highest-scoring request type wins (ties go to the rarer, more specific
type; the title counts double); urgency follows the national 12345 time limits; an emergency
hands over to 119/110/120. Each hit of a danger word gets a ``Tense`` from the marker words
around it (TENSE_MARKERS) and only ``now`` hands over: mailbox letters write of past incidents,
risks and prevention far more than of emergencies (0 of 511 letters flagged,
``bench/eval_emergency.py``). The keyword tables and the tense rules, spelled out:
docs/classification.md, "Request type, urgency and emergencies".
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
    **dict.fromkeys(_W("着火 起火 失火 火灾 爆炸 倒塌 坍塌 塌方 被困 被埋 溺水 落水"), EmergencyService.FIRE),
    **dict.fromkeys(_W("触电 中毒 受伤 昏迷 晕倒 流血 骨折 急救"), EmergencyService.AMBULANCE),
    **dict.fromkeys(_W("打架 斗殴 持刀 砍人 行凶 抢劫 家暴 绑架"), EmergencyService.POLICE),
}
EMERGENCY_PRECEDENCE = (EmergencyService.FIRE, EmergencyService.POLICE, EmergencyService.AMBULANCE)
# Signs that need no present marker: nobody writes about a gas leak or an
# electrocution in passing without a hazard word, which the worry words catch.
SELF_EVIDENT = _W("燃气泄漏 煤气泄漏 天然气泄漏 煤气味 燃气味 触电")
LOOK_ALIKES = _W("看着火 着火车 沿着火 照着火 起火灾 不触电 受伤害 爆炸性 爆炸式 信息爆炸")


class Tense(StrEnum):
    """How a message speaks of a danger word (see TENSE_MARKERS)."""

    NOW = "now"          # happening now or about to: hand over
    PLAIN = "plain"      # no marker either way
    FEARED = "feared"    # worry, hypothesis or standing hazard
    NOT_NOW = "not_now"  # negated, prevented, past, aftermath or hearsay


# Tense and negation markers, one table for a city admin. Scopes (a clause ends
# at ，。！？；, a sentence at 。！？；):
#   negation   before the danger word, in its clause ("没有发生火灾", not "着火了没人管")
#   not_now    its clause, or an earlier clause of its sentence ("2013年的一天，…着火了")
#   feared     the same scope as not_now ("如果…，…被困在里面怎么办")
#   hazard     its clause only; read as feared ("存在火灾隐患", "随时可能倒塌")
#   present    its clause or the next one; a present marker in its own clause
#              outweighs a not_now or feared marker in an earlier clause
#              ("昨天报修过，现在又着火了"); the next clause counts only when it
#              has no not_now or feared marker itself ("…火灾…，现在康复期")
#   ongoing    its clause; says now like a following 了 ("着火了") but, being no
#              time word, does not outweigh an earlier date ("2010年…，…被困在…")
#   neutral    contain a marker but are not one (救命之恩, 未成年, 没人)
TENSE_MARKERS: dict[str, tuple[str, ...]] = {
    "negation": _W("没有 没发生 没出现 并没 并未 未 未曾 从未 从没 不会 不曾 不再"),
    "not_now": _W(
        # prevention and drills
        "防止 预防 避免 以免 谨防 严防 防范 杜绝 严禁 禁止 防溺水 安全教育 宣传 演练 模拟 "
        # past: times, narrative, habit
        "去年 前年 上次 上回 那次 那场 当年 那年 那天 当天 当时 那时 昨天 昨晚 前天 上周 上个月 "
        "前几天 前些天 前段时间 曾 曾经 以前 之前 从前 早年 过去 多年前 后来 此前 发生过 "
        "经常 常常 时常 有时 总是 老是 每次 每当 每年 多次 屡次 "
        # since then, aftermath
        "至今 到现在 直到现在 迄今 一直 到目前为止 事故后 事发后 善后 赔偿 补偿 理赔 工伤 认定 鉴定 "
        "伤残 致残 残疾 康复 住院 出院 抚恤 医药费 医疗费 后遗症 重建 安置 "
        # heard of, not seen
        "听说 据说 新闻 报道 电视 网上"
    ),
    "feared": _W("担心 害怕 怕 生怕 恐怕 如果 假如 要是 万一 一旦 若 倘若 如遇 难道 是不是 要等"),
    "hazard": _W("可能 或将 随时 容易 会不会 才会 会引起 会导致 会造成 会发生 存在 隐患 风险 之势 面临 消防通道"),
    "present": _W(
        "正在 现在 此刻 目前 刚刚 刚才 还在 即将 快要 快来 快叫 快派 快救 快点 赶紧 赶快 救命 "
        "马上 请速 立即 紧急 求救"
    ),
    "ongoing": _W("被困在 被困于"),
    "neutral": _W("救命之恩 可怕 未成年 未来 没人 没法"),
}
# Written dates and spans of time also mark the past; an emergency is told
# with 现在/刚才, not with the date ("2018年", "3月8日", "三年前", "两次").
PAST_PATTERNS = (
    r"[0-9０-９〇零一二三四五六七八九]{2,4}年",
    r"[0-9０-９一二三四五六七八九十]+月[0-9０-９一二三四五六七八九十]*[日号份]",
    r"[0-9０-９一二两三四五六七八九十几数多半]+(?:个多|个|多)?(?:年|月)(?:前|以前|之前|了|来|多)",
    r"[0-9０-９一二两三四五六七八九十几数多半]+(?:天|周|星期)(?:前|以前|之前)",
    r"[0-9０-９两三四五六七八九十几数多]+次",
)
# A danger word directly followed by one of these is over, general or an event
# talked about ("着火后", "被抢劫过", "溺水时怎么自救", "爆炸事件").
AFTER_SIGN = _W("后 之后 以后 过后 过 时 的时候 的事 事件")
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
        tense_markers=TENSE_MARKERS,
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
        self._look_alike_re = _alternation(LOOK_ALIKES)
        self._marker_kind = {w: kind for kind, words in tense_markers.items() for w in words}
        words = "|".join(re.escape(w) for w in sorted(self._marker_kind, key=len, reverse=True))
        self._marker_re = re.compile("|".join((words, *PAST_PATTERNS)))

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
        found = {self._emergency[hit.group()] for hit in self.emergency_hits(text)}
        return next((s for s in EMERGENCY_PRECEDENCE if s in found), None)

    def emergency_hits(self, text: str) -> list[re.Match[str]]:
        """The emergency words of the text that tell of something happening now."""
        return [hit for hit in self._emergency_re.finditer(text)
                if self.tense(text, hit.start(), hit.end()) is Tense.NOW]

    def urgency(self, text: str, emergency: EmergencyService | None = None) -> Urgency:
        """特急 for emergencies and risk to life, 紧急 for feared risk and utility outages."""
        if emergency is not None:
            return Urgency.EXTRA_URGENT
        feared = False
        for hit in self._extra_re.finditer(text):
            tense = self.tense(text, hit.start(), hit.end())
            if tense in (Tense.NOW, Tense.PLAIN):
                return Urgency.EXTRA_URGENT
            feared = feared or tense is Tense.FEARED
        if feared or self._urgent_re.search(text):
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

    def tense(self, text: str, start: int, end: int) -> Tense:
        """How the text speaks of the danger word at text[start:end]."""
        if self._look_alike_re.search(text, max(0, start - 2), end + 2):
            return Tense.NOT_NOW
        if text.startswith(AFTER_SIGN, end):
            return Tense.NOT_NOW
        sentence = _span(_SENTENCE_END, text, start, end)[0]
        left, right = _span(_CLAUSE_END, text, start, end)
        m = _CLAUSE_END.search(text, right + 1)
        next_end = m.start() if m else len(text)
        own: set[str] = set()
        earlier: set[str] = set()
        following: set[str] = set()
        for m in self._marker_re.finditer(text, sentence, next_end):
            if start <= m.start() and m.end() <= end:
                continue  # inside the word itself (随时可能倒塌)
            kind = self._marker_kind.get(m.group(), "not_now")  # a PAST_PATTERNS match
            if kind == "hazard":
                kind = "feared" if left <= m.start() and m.end() <= right else "neutral"
            if kind == "negation":
                if left <= m.start() and m.end() <= start:
                    return Tense.NOT_NOW
            elif m.end() <= left:
                earlier.add(kind)
            elif m.start() <= right:
                own.add(kind)
            else:
                following.add(kind)
        for kind, tense in (("not_now", Tense.NOT_NOW), ("feared", Tense.FEARED)):
            if kind in own or (kind in earlier and "present" not in own):
                return tense
        if (
            own & {"present", "ongoing"}
            or text.startswith("了", end)
            or text[start:end] in SELF_EVIDENT
            or ("present" in following and not following & {"not_now", "feared"})
        ):
            return Tense.NOW
        return Tense.PLAIN


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
