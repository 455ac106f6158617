"""Tests for sla.kpi: each formula on hand-computed counts, zero denominators and weights."""

from dataclasses import fields

import pytest

from sla.kpi import DEFINITIONS, KpiCounts, compute

COUNTS = {
    "due_to_close": 200, "closed": 180, "closed_on_time": 170, "reopened_unsatisfied": 6,
    "failed_site_checks": 4, "valid": 250, "closed_direct": 50, "closed_after_dispatch": 175,
    "evaluated": 160, "contacted": 152, "solved": 136, "satisfied": 144,
    "dispatched_assignments": 220, "signed_on_time": 209, "returned": 11, "rehandled": 9,
    "received": 400, "repeat_calls": 60, "callbacks_due": 180, "callbacks_done": 171,
    "closed_first_time": 171,
}

# Worked out by hand from COUNTS.
EXPECTED = {
    "closure_rate": 180 / 200,                      # 0.90
    "on_time_closure_rate": 170 / 200,              # 0.85
    "effective_closure_rate": (180 - 6 - 4) / 200,  # 0.85
    "overall_closure_rate": (50 + 175) / 250,       # 0.90
    "direct_closure_rate": 50 / 250,                # 0.20
    "response_rate": 152 / 160,                     # 0.95
    "resolution_rate": 136 / 160,                   # 0.85
    "satisfaction_rate": 144 / 160,                 # 0.90
    "on_time_sign_for_rate": 209 / 220,             # 0.95
    "return_rate": 11 / 220,                        # 0.05
    "rehandle_rate": 9 / 180,                       # 0.05
    "repeat_call_rate": 60 / 400,                   # 0.15
    "callback_rate": 171 / 180,                     # 0.95
    "one_time_closure_rate": 171 / 180,             # 0.95
    "three_rates_composite": 0.1 * 0.95 + 0.45 * 0.85 + 0.45 * 0.90,  # 0.8825
}


def by_code(values):
    return {v.code: v for v in values}


@pytest.mark.parametrize(("code", "expected"), EXPECTED.items())
def test_kpi_values_match_hand_computation(code, expected):
    assert by_code(compute(COUNTS))[code].value == pytest.approx(expected)


def test_compute_returns_every_kpi_once_in_a_stable_order():
    assert [v.code for v in compute(COUNTS)] == list(EXPECTED)


def test_effective_closure_exposes_numerator_terms_and_formula():
    value = by_code(compute(COUNTS))["effective_closure_rate"]
    assert (value.numerator, value.denominator) == (170, 200)
    assert value.numerator_fields == ("closed",)
    assert value.subtracted_fields == ("reopened_unsatisfied", "failed_site_checks")
    assert value.denominator_field == "due_to_close"
    assert value.formula == "有效结案率 = (已结案工单数 − 回访不满意重办工单数 − 核查不通过工单数) ÷ 应结案工单数"


def test_closure_rate_carries_chinese_name_and_formula():
    value = by_code(compute(COUNTS))["closure_rate"]
    assert value.name == "结案率"
    assert value.formula == "结案率 = 已结案工单数 ÷ 应结案工单数"
    assert value.as_percent() == "90.0%"


def test_zero_denominator_gives_none_not_zero_or_one():
    values = by_code(compute({"closed": 5, "contacted": 0}))
    assert values["closure_rate"].value is None
    assert values["closure_rate"].as_percent() == "—"
    assert values["response_rate"].value is None
    assert values["three_rates_composite"].value is None
    assert values["rehandle_rate"].value == 0  # denominator "closed" is 5, numerator 0


def test_composite_weights_are_configurable_and_normalised():
    values = by_code(compute(COUNTS, weights={"response_rate": 1, "resolution_rate": 1, "satisfaction_rate": 2}))
    composite = values["three_rates_composite"]
    assert composite.value == pytest.approx((0.95 + 0.85 + 2 * 0.90) / 4)
    assert composite.formula == "三率综合得分 = 响应率×25% + 解决率×25% + 满意率×50%"


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"response_rate": 1, "resolution_rate": 1}, "expected exactly"),
        ({"response_rate": -1, "resolution_rate": 1, "satisfaction_rate": 1}, ">= 0"),
        ({"response_rate": 0, "resolution_rate": 0, "satisfaction_rate": 0}, "positive sum"),
    ],
)
def test_bad_weights_are_rejected(weights, message):
    with pytest.raises(ValueError, match=message):
        compute(COUNTS, weights=weights)


@pytest.mark.parametrize(
    ("counts", "message"),
    [({"closd": 1}, r"unknown fields \['closd'\]"), ({"closed": -1}, "closed: expected an integer >= 0"),
     ({"closed": 1.5}, "closed: expected an integer")],
)
def test_bad_counts_are_rejected(counts, message):
    with pytest.raises(ValueError, match=message):
        compute(counts)


def test_compute_accepts_a_kpi_counts_instance():
    assert compute(KpiCounts(**COUNTS)) == compute(COUNTS)


def test_every_definition_refers_to_real_count_fields():
    names = {f.name for f in fields(KpiCounts)}
    for definition in DEFINITIONS:
        used = {*definition.numerator_fields, *definition.subtracted_fields, definition.denominator_field}
        assert used <= names, definition.code
        assert definition.formula.startswith(definition.name + " = ")
