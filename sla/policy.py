"""Time-limit policies: which limit applies to each step of an assignment.

A ``Policy`` is a versioned list of ``Rule``s. A rule matches on request type, urgency,
category, channel and the complex flag (``None`` = any) and sets limits for some of the
steps sign_for / return_window / handling / callback. For each step the most specific
matching rule that sets it wins (specificity = number of match fields set); on a tie the
later rule wins, so an administrator can append an override. Every policy must contain a
catch-all rule that sets all four steps, so a lookup can never come back empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sla.calendar import Duration, require_aware

URGENCIES: tuple[str, ...] = ("extra_urgent", "urgent", "normal")
REQUEST_TYPES: tuple[str, ...] = ("consultation", "help", "complaint", "report", "suggestion", "praise", "other")
STEPS: tuple[str, ...] = ("sign_for", "return_window", "handling", "callback")
MATCH_FIELDS: tuple[str, ...] = ("request_type", "urgency", "category", "channel", "complex")

ApprovalLevel = Literal["standard", "higher"]


class ExtensionNotAllowed(ValueError):
    """An extension request breaks the policy (too long, or too late)."""


def _check_code(name: str, value: object, allowed: tuple[str, ...] | None) -> None:
    if value is None:
        return
    if allowed is not None and value not in allowed:
        raise ValueError(f"{name}: expected one of {', '.join(allowed)}, got {value!r}")
    if allowed is None and (not isinstance(value, str) or not value):
        raise ValueError(f"{name}: expected a non-empty string code, got {value!r}")


@dataclass(frozen=True)
class StepLimits:
    """Resolved limits for one assignment."""

    sign_for: Duration
    return_window: Duration
    handling: Duration
    callback: Duration

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {step: getattr(self, step).to_dict() for step in STEPS}


@dataclass(frozen=True)
class Rule:
    """Limits for the orders matching all of the non-None match fields."""

    limits: Mapping[str, Duration]
    request_type: str | None = None
    urgency: str | None = None
    category: str | None = None
    channel: str | None = None
    complex: bool | None = None
    note: str = ""

    def __post_init__(self) -> None:
        _check_code("rule request_type", self.request_type, REQUEST_TYPES)
        _check_code("rule urgency", self.urgency, URGENCIES)
        _check_code("rule category", self.category, None)
        _check_code("rule channel", self.channel, None)
        if self.complex is not None and not isinstance(self.complex, bool):
            raise ValueError(f"rule complex: expected true, false or null, got {self.complex!r}")
        unknown = sorted(set(self.limits) - set(STEPS))
        if unknown:
            raise ValueError(f"rule limits: unknown steps {unknown}; expected some of {', '.join(STEPS)}")
        if not self.limits:
            raise ValueError(f"rule {self.match()}: sets no limits; expected some of {', '.join(STEPS)}")
        for step, value in self.limits.items():
            if not isinstance(value, Duration):
                raise ValueError(f"rule limit {step}: expected a Duration, got {value!r}")
        # Freeze a private copy so a caller's dict cannot change a stored policy.
        object.__setattr__(self, "limits", dict(self.limits))

    def match(self) -> dict[str, object]:
        """The match fields that are set."""
        return {name: getattr(self, name) for name in MATCH_FIELDS if getattr(self, name) is not None}

    @property
    def specificity(self) -> int:
        """Number of match fields set."""
        return len(self.match())

    def matches(self, order: Mapping[str, object]) -> bool:
        """True if every set match field equals the order's value."""
        return all(order.get(name) == value for name, value in self.match().items())

    def to_dict(self) -> dict:
        """JSON-ready form."""
        data: dict = {"match": self.match(), "limits": {s: d.to_dict() for s, d in self.limits.items()}}
        if self.note:
            data["note"] = self.note
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> Rule:
        """Parse ``{"match": {...}, "limits": {...}, "note": "..."}``."""
        if not isinstance(data, Mapping):
            raise ValueError(f"rule: expected an object, got {data!r}")
        unknown = sorted(set(data) - {"match", "limits", "note"})
        if unknown:
            raise ValueError(f"rule: unknown keys {unknown}; expected match, limits, note")
        match = data.get("match", {})
        if not isinstance(match, Mapping) or set(match) - set(MATCH_FIELDS):
            raise ValueError(f"rule match: expected keys among {', '.join(MATCH_FIELDS)}, got {match!r}")
        limits = data.get("limits")
        if not isinstance(limits, Mapping):
            raise ValueError(f"rule limits: expected an object of step -> duration, got {limits!r}")
        parsed = {step: Duration.from_dict(value) for step, value in limits.items()}
        return cls(limits=parsed, note=str(data.get("note", "")), **match)


@dataclass(frozen=True)
class ExtensionRules:
    """How long one extension may be and how many a standard approver may grant."""

    max_length: Duration = Duration(10, "working_days")
    standard_approvals: int = 1

    def __post_init__(self) -> None:
        count = self.standard_approvals
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"extension standard_approvals: expected an integer >= 0, got {count!r}")

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"max_length": self.max_length.to_dict(), "standard_approvals": self.standard_approvals}

    @classmethod
    def from_dict(cls, data: Mapping) -> ExtensionRules:
        """Parse the ``extension`` object of a policy."""
        if not isinstance(data, Mapping) or set(data) - {"max_length", "standard_approvals"}:
            raise ValueError(f"policy extension: expected keys max_length, standard_approvals, got {data!r}")
        default = cls()
        max_length = Duration.from_dict(data["max_length"]) if "max_length" in data else default.max_length
        return cls(max_length, data.get("standard_approvals", default.standard_approvals))


@dataclass(frozen=True)
class Policy:
    """A versioned set of time-limit rules."""

    version: int
    rules: tuple[Rule, ...]
    extension: ExtensionRules = field(default_factory=ExtensionRules)

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise ValueError(f"policy version: expected an integer >= 1, got {self.version!r}")
        object.__setattr__(self, "rules", tuple(self.rules))
        catch_all = [r for r in self.rules if r.specificity == 0 and set(r.limits) == set(STEPS)]
        if not catch_all:
            raise ValueError(f"policy v{self.version}: needs a rule with no match fields that sets all of {', '.join(STEPS)}")
        # the rules never change, so each combination is resolved once (routing asks per hop)
        object.__setattr__(self, "_resolved", {})

    def limits_for(
        self,
        request_type: str,
        urgency: str,
        category: str | None = None,
        channel: str | None = None,
        complex: bool = False,
    ) -> StepLimits:
        """Resolve each step's limit from the most specific matching rule."""
        _check_code("request_type", request_type, REQUEST_TYPES)
        _check_code("urgency", urgency, URGENCIES)
        key = (request_type, urgency, category, channel, bool(complex))
        if (limits := self._resolved.get(key)) is not None:
            return limits
        order = {"request_type": request_type, "urgency": urgency, "category": category,
                 "channel": channel, "complex": bool(complex)}
        matching = [r for r in self.rules if r.matches(order)]
        limits = StepLimits(**{step: self._winner(matching, step) for step in STEPS})
        if len(self._resolved) < 4096:      # categories and channels are few; bound it anyway
            self._resolved[key] = limits
        return limits

    @staticmethod
    def _winner(matching: list[Rule], step: str) -> Duration:
        best: Rule | None = None
        for rule in matching:
            # ">=" makes the later of two equally specific rules win.
            if step in rule.limits and (best is None or rule.specificity >= best.specificity):
                best = rule
        assert best is not None  # guaranteed by the catch-all rule checked in __post_init__
        return best.limits[step]

    def extension_approval(
        self, requested: Duration, *, now: datetime, deadline: datetime, previous_extensions: int
    ) -> ApprovalLevel:
        """Approval level an extension request needs; raises ExtensionNotAllowed if it breaks the rules."""
        require_aware(now, "now")
        require_aware(deadline, "deadline")
        if now >= deadline:
            raise ExtensionNotAllowed(f"extension must be requested before the deadline {deadline.isoformat()}")
        # Compared nominally (1 working day = 1 calendar day = 24 h): a working day is never
        # shorter than 24 h of wall-clock time, so this never lets through a longer extension.
        if requested.as_timedelta() > self.extension.max_length.as_timedelta():
            limit = self.extension.max_length
            raise ExtensionNotAllowed(f"extension of {requested.amount} {requested.unit} exceeds {limit.amount} {limit.unit}")
        return "standard" if previous_extensions < self.extension.standard_approvals else "higher"

    def with_rules(self, rules: tuple[Rule, ...] | list[Rule]) -> Policy:
        """A new version of this policy with ``rules``."""
        return Policy(self.version + 1, tuple(rules), self.extension)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"version": self.version, "extension": self.extension.to_dict(),
                "rules": [r.to_dict() for r in self.rules]}

    def to_json(self) -> str:
        """JSON text (UTF-8, non-ASCII kept readable for admins)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: Mapping | str) -> Policy:
        """Parse and validate a stored or admin-edited policy (dict or JSON text)."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise ValueError(f"policy: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(data, Mapping):
            raise ValueError(f"policy: expected an object, got {type(data).__name__}")
        unknown = sorted(set(data) - {"version", "rules", "extension"})
        if unknown:
            raise ValueError(f"policy: unknown keys {unknown}; expected version, rules, extension")
        rules = data.get("rules")
        if not isinstance(rules, list):
            raise ValueError(f"policy rules: expected a list, got {rules!r}")
        parsed = []
        for index, rule in enumerate(rules):
            try:
                parsed.append(Rule.from_dict(rule))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"policy rule #{index + 1}: {exc}") from None
        extension = ExtensionRules.from_dict(data.get("extension", {}))
        return cls(data.get("version"), tuple(parsed), extension)


def _wd(n: int) -> Duration:
    return Duration(n, "working_days")


DEFAULT_POLICY = Policy(
    version=1,
    rules=(
        Rule({"sign_for": _wd(1), "return_window": _wd(2), "handling": _wd(5), "callback": _wd(1)},
             note="一般: 签收1个工作日, 退回2个工作日内, 办理5个工作日, 反馈后下一个工作日回访"),
        # Complex only for normal urgency: an urgent complex case keeps its short limit.
        Rule({"handling": _wd(15)}, urgency="normal", complex=True, note="复杂事项: 15个工作日"),
        Rule({"handling": Duration(24, "hours")}, urgency="urgent", note="紧急: 24小时内反馈"),
        Rule({"handling": Duration(2, "hours")}, urgency="extra_urgent", note="特急: 2小时内反馈"),
    ),
)
