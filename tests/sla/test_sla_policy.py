"""Tests for sla.policy: default limits, rule precedence, JSON round trip and extensions."""

import copy
from datetime import datetime, timedelta

import pytest

from sla.calendar import SHANGHAI, Duration
from sla.policy import DEFAULT_POLICY, ExtensionNotAllowed, Policy, Rule, StepLimits

WD1, WD2, WD5, WD15 = (Duration(n, "working_days") for n in (1, 2, 5, 15))
NOW = datetime(2025, 10, 9, 10, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("request_type", "urgency", "complex_", "handling"),
    [
        ("complaint", "normal", False, WD5),
        ("help", "urgent", False, Duration(24, "hours")),
        ("help", "extra_urgent", False, Duration(2, "hours")),
        ("report", "normal", True, WD15),
        ("help", "urgent", True, Duration(24, "hours")),
        ("help", "extra_urgent", True, Duration(2, "hours")),
    ],
)
def test_default_policy_handling_limits_follow_the_domain_defaults(request_type, urgency, complex_, handling):
    limits = DEFAULT_POLICY.limits_for(request_type, urgency, complex=complex_)
    assert limits == StepLimits(sign_for=WD1, return_window=WD2, handling=handling, callback=WD1)


def test_default_extension_is_at_most_ten_working_days():
    assert DEFAULT_POLICY.extension.max_length == Duration(10, "working_days")


def _policy(*rules: Rule) -> Policy:
    base = Rule({"sign_for": WD1, "return_window": WD2, "handling": WD5, "callback": WD1})
    return Policy(1, (base, *rules))


def test_most_specific_matching_rule_wins_per_step():
    policy = _policy(
        Rule({"handling": Duration(3, "working_days")}, request_type="complaint"),
        Rule({"handling": Duration(2, "working_days")}, request_type="complaint", channel="wechat"),
        Rule({"sign_for": Duration(4, "hours")}, category="water"),
    )
    limits = policy.limits_for("complaint", "normal", category="water", channel="wechat")
    assert limits.handling == Duration(2, "working_days")
    assert limits.sign_for == Duration(4, "hours")  # a less specific rule still sets the other step
    assert policy.limits_for("complaint", "normal", channel="phone").handling == Duration(3, "working_days")
    assert policy.limits_for("help", "normal", channel="wechat").handling == WD5


def test_equally_specific_rules_later_one_wins():
    policy = _policy(
        Rule({"handling": Duration(3, "working_days")}, channel="110"),
        Rule({"handling": Duration(1, "working_days")}, category="noise"),
    )
    assert policy.limits_for("help", "normal", category="noise", channel="110").handling == WD1


def test_rule_not_matching_is_ignored():
    policy = _policy(Rule({"handling": WD15}, complex=True))
    assert policy.limits_for("help", "normal", complex=False).handling == WD5
    assert policy.limits_for("help", "normal", complex=True).handling == WD15


def test_policy_round_trips_through_dict_and_json():
    assert Policy.from_dict(DEFAULT_POLICY.to_dict()) == DEFAULT_POLICY
    assert Policy.from_dict(DEFAULT_POLICY.to_json()) == DEFAULT_POLICY


def test_admin_edit_becomes_a_new_version():
    edited = DEFAULT_POLICY.with_rules(
        (*DEFAULT_POLICY.rules, Rule({"handling": Duration(3, "working_days")}, request_type="complaint"))
    )
    assert edited.version == DEFAULT_POLICY.version + 1
    restored = Policy.from_dict(edited.to_json())
    assert restored.limits_for("complaint", "normal").handling == Duration(3, "working_days")


def _bad(mutate) -> dict:
    data = copy.deepcopy(DEFAULT_POLICY.to_dict())
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_bad(lambda d: d.update(version=0)), r"version: expected an integer >= 1"),
        (_bad(lambda d: d.update(rules=d["rules"][1:])), r"needs a rule with no match fields"),
        (_bad(lambda d: d["rules"][2]["match"].update(urgency="asap")), r"rule #3: rule urgency: expected one of"),
        (_bad(lambda d: d["rules"][1]["match"].update(colour="red")), r"rule #2: rule match: expected keys"),
        (_bad(lambda d: d["rules"][2]["limits"].update(closing={"amount": 1, "unit": "hours"})),
         r"rule #3: rule limits: unknown steps \['closing'\]"),
        (_bad(lambda d: d["rules"][2]["limits"].update(handling={"amount": -1, "unit": "hours"})),
         r"rule #3: duration amount"),
        (_bad(lambda d: d["rules"][2]["limits"].update(handling={"amount": 1, "unit": "weeks"})),
         r"rule #3: duration unit"),
        (_bad(lambda d: d["rules"][2].update(limits={})), r"rule #3: .* sets no limits"),
        (_bad(lambda d: d.update(owner="me")), r"unknown keys \['owner'\]"),
        (_bad(lambda d: d["extension"].update(standard_approvals=-1)), r"standard_approvals"),
        ("{", r"not valid JSON"),
    ],
)
def test_invalid_policy_is_rejected_with_a_message_naming_the_problem(data, message):
    with pytest.raises(ValueError, match=message):
        Policy.from_dict(data)


@pytest.mark.parametrize(("request_type", "urgency"), [("gossip", "normal"), ("help", "asap")])
def test_limits_for_rejects_unknown_codes(request_type, urgency):
    with pytest.raises(ValueError, match="expected one of"):
        DEFAULT_POLICY.limits_for(request_type, urgency)


def test_first_extension_needs_standard_approval_second_needs_higher():
    deadline = NOW + timedelta(days=1)
    ask = Duration(10, "working_days")
    assert DEFAULT_POLICY.extension_approval(ask, now=NOW, deadline=deadline, previous_extensions=0) == "standard"
    assert DEFAULT_POLICY.extension_approval(ask, now=NOW, deadline=deadline, previous_extensions=1) == "higher"


@pytest.mark.parametrize(
    ("requested", "deadline", "message"),
    [
        (Duration(11, "working_days"), NOW + timedelta(days=1), "exceeds 10 working_days"),
        (Duration(241, "hours"), NOW + timedelta(days=1), "exceeds"),
        (Duration(2, "working_days"), NOW, "before the deadline"),
    ],
)
def test_extension_too_long_or_too_late_is_refused(requested, deadline, message):
    with pytest.raises(ExtensionNotAllowed, match=message):
        DEFAULT_POLICY.extension_approval(requested, now=NOW, deadline=deadline, previous_extensions=0)
