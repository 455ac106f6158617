"""KPI formulas over pre-aggregated counts (per unit, level, department, channel, category, period).

Every KPI is a ratio ``(sum of numerator fields − sum of subtracted fields) ÷ denominator field``
of ``KpiCounts`` fields, carries its Chinese name and the exact formula the product shows beside
the number, and is ``None`` when the denominator is zero: "no data" is neither 0 % nor 100 %.
The three-rates composite (三率综合) is a weighted mean of 响应率/解决率/满意率.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

THREE_RATES: tuple[str, ...] = ("response_rate", "resolution_rate", "satisfaction_rate")
# Our model's default weights; every city configures its own.
DEFAULT_WEIGHTS: Mapping[str, float] = {"response_rate": 0.1, "resolution_rate": 0.45, "satisfaction_rate": 0.45}


@dataclass(frozen=True)
class KpiCounts:
    """The counts every KPI is computed from (all for the same scope and period)."""

    due_to_close: int = 0            # 应结案工单数: orders whose closing fell due in the period
    closed: int = 0                  # 已结案工单数
    closed_on_time: int = 0          # 按期结案工单数
    reopened_unsatisfied: int = 0    # 回访不满意重办工单数: reopened after an unsatisfied callback
    failed_site_checks: int = 0      # 核查不通过工单数
    valid: int = 0                   # 有效工单数: orders accepted (不予受理/invalid excluded)
    closed_direct: int = 0           # 直接办结工单数: answered at intake without dispatch
    closed_after_dispatch: int = 0   # 派单后办结工单数
    evaluated: int = 0               # 参评工单数: orders counted in the three rates
    contacted: int = 0               # 承办单位已联系诉求人工单数
    solved: int = 0                  # 回访确认已解决工单数
    satisfied: int = 0               # 满意工单数: the citizen's own rating first, else the callback
    dispatched_assignments: int = 0  # 派单数: assignments sent to units
    signed_on_time: int = 0          # 按时签收派单数
    returned: int = 0                # 退回派单数
    rehandled: int = 0               # 重办工单数
    received: int = 0                # 来电(来件)总数: all incoming contacts
    repeat_calls: int = 0            # 重复来电数: contacts linked to an existing order
    callbacks_due: int = 0           # 应回访工单数
    callbacks_done: int = 0          # 已回访工单数
    closed_first_time: int = 0       # 未经重办结案工单数

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"count {f.name}: expected an integer >= 0, got {value!r}")

    @classmethod
    def from_mapping(cls, counts: Mapping[str, int]) -> KpiCounts:
        """Build from a mapping; missing fields are 0, unknown ones are an error (typos)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(counts) - known)
        if unknown:
            raise ValueError(f"counts: unknown fields {unknown}; expected some of {', '.join(sorted(known))}")
        return cls(**counts)


@dataclass(frozen=True)
class KpiDefinition:
    """A ratio KPI: code, Chinese name, formula text and the fields it uses."""

    code: str
    name: str
    formula: str
    numerator_fields: tuple[str, ...]
    denominator_field: str
    subtracted_fields: tuple[str, ...] = ()

    def numerator(self, counts: KpiCounts) -> int:
        """Numerator value from the counts."""
        plus = sum(getattr(counts, name) for name in self.numerator_fields)
        return plus - sum(getattr(counts, name) for name in self.subtracted_fields)


@dataclass(frozen=True)
class KpiValue:
    """A computed KPI; ``value`` is a fraction 0..1, or None when the denominator is 0."""

    code: str
    name: str
    formula: str
    numerator_fields: tuple[str, ...]
    denominator_field: str | None
    subtracted_fields: tuple[str, ...]
    numerator: int | None
    denominator: int | None
    value: float | None

    def as_percent(self, digits: int = 1) -> str:
        """Display form, e.g. "98.5%", or "—" when there is no data."""
        return "—" if self.value is None else f"{self.value * 100:.{digits}f}%"


def _d(code: str, name: str, formula: str, num: tuple[str, ...], den: str, minus: tuple[str, ...] = ()) -> KpiDefinition:
    return KpiDefinition(code, name, formula, num, den, minus)


DEFINITIONS: tuple[KpiDefinition, ...] = (
    _d("closure_rate", "结案率", "结案率 = 已结案工单数 ÷ 应结案工单数", ("closed",), "due_to_close"),
    _d("on_time_closure_rate", "按期结案率", "按期结案率 = 按期结案工单数 ÷ 应结案工单数",
       ("closed_on_time",), "due_to_close"),
    _d("effective_closure_rate", "有效结案率",
       "有效结案率 = (已结案工单数 − 回访不满意重办工单数 − 核查不通过工单数) ÷ 应结案工单数",
       ("closed",), "due_to_close", ("reopened_unsatisfied", "failed_site_checks")),
    _d("overall_closure_rate", "综合办结率", "综合办结率 = (直接办结工单数 + 派单后办结工单数) ÷ 有效工单数",
       ("closed_direct", "closed_after_dispatch"), "valid"),
    _d("direct_closure_rate", "直接办结率", "直接办结率 = 直接办结工单数 ÷ 有效工单数", ("closed_direct",), "valid"),
    _d("response_rate", "响应率", "响应率 = 承办单位已联系诉求人工单数 ÷ 参评工单数", ("contacted",), "evaluated"),
    _d("resolution_rate", "解决率", "解决率 = 回访确认已解决工单数 ÷ 参评工单数", ("solved",), "evaluated"),
    _d("satisfaction_rate", "满意率", "满意率 = 满意工单数(诉求人本人评价优先，否则回访结果) ÷ 参评工单数", ("satisfied",), "evaluated"),
    _d("on_time_sign_for_rate", "签收及时率", "签收及时率 = 按时签收派单数 ÷ 派单数",
       ("signed_on_time",), "dispatched_assignments"),
    _d("return_rate", "退单率", "退单率 = 退回派单数 ÷ 派单数", ("returned",), "dispatched_assignments"),
    _d("rehandle_rate", "重办率", "重办率 = 重办工单数 ÷ 已结案工单数", ("rehandled",), "closed"),
    _d("repeat_call_rate", "重复来电率", "重复来电率 = 重复来电数 ÷ 来电(来件)总数", ("repeat_calls",), "received"),
    _d("callback_rate", "回访率", "回访率 = 已回访工单数 ÷ 应回访工单数", ("callbacks_done",), "callbacks_due"),
    _d("one_time_closure_rate", "一次办结率", "一次办结率 = 未经重办结案工单数 ÷ 已结案工单数",
       ("closed_first_time",), "closed"),
)
BY_CODE: Mapping[str, KpiDefinition] = {d.code: d for d in DEFINITIONS}
COMPOSITE_CODE = "three_rates_composite"


def normalise_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """Validated weights for the three rates, scaled to sum to 1."""
    weights = DEFAULT_WEIGHTS if weights is None else weights
    if set(weights) != set(THREE_RATES):
        raise ValueError(f"weights: expected exactly {', '.join(THREE_RATES)}, got {sorted(weights)}")
    if any(isinstance(w, bool) or not isinstance(w, (int, float)) or not w >= 0 for w in weights.values()):
        raise ValueError(f"weights: expected numbers >= 0, got {dict(weights)}")
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("weights: expected a positive sum, got 0")
    return {code: weights[code] / total for code in THREE_RATES}


def evaluate(definition: KpiDefinition, counts: KpiCounts) -> KpiValue:
    """One ratio KPI; None when the denominator is zero."""
    denominator = getattr(counts, definition.denominator_field)
    numerator = definition.numerator(counts)
    value = numerator / denominator if denominator else None
    return KpiValue(definition.code, definition.name, definition.formula, definition.numerator_fields,
                    definition.denominator_field, definition.subtracted_fields, numerator, denominator, value)


def composite(values: Mapping[str, KpiValue], weights: Mapping[str, float] | None = None) -> KpiValue:
    """The weighted three-rates composite; None if any of the three rates is None."""
    scaled = normalise_weights(weights)
    parts = [values[code].value for code in THREE_RATES]
    value = None if any(p is None for p in parts) else sum(scaled[c] * values[c].value for c in THREE_RATES)
    terms = " + ".join(f"{BY_CODE[c].name}×{scaled[c] * 100:g}%" for c in THREE_RATES)
    return KpiValue(COMPOSITE_CODE, "三率综合得分", f"三率综合得分 = {terms}", (), None, (), None, None, value)


def compute(counts: Mapping[str, int] | KpiCounts, weights: Mapping[str, float] | None = None) -> list[KpiValue]:
    """Every KPI (in ``DEFINITIONS`` order) followed by the three-rates composite."""
    if not isinstance(counts, KpiCounts):
        counts = KpiCounts.from_mapping(counts)
    values = [evaluate(d, counts) for d in DEFINITIONS]
    return [*values, composite({v.code: v for v in values}, weights)]


def counts_as_dict(counts: KpiCounts) -> dict[str, int]:
    """Plain dict of the counts (for storage or export); flat, so no deep copy as ``asdict``."""
    return {f.name: getattr(counts, f.name) for f in fields(counts)}
