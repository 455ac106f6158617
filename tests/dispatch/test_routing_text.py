"""The Chinese timeline shows a routing rule in Chinese, never its machine code
(`rule unclear->county_platform` was shown as it was)."""
from __future__ import annotations

import re

import pytest

from dispatch.routing_text import FALLBACK, rule_reason, rule_text, shown_reason
from tests.helpers import detail, new_call, wait_state

LATIN = re.compile(r"[A-Za-z_]")


@pytest.mark.parametrize("code, text", [
    ("unclear->county_platform", "事发地在下级县区，诉求分类待定，交所属县区平台研判办理"),
    ("place->county_platform", "依据事发地所属辖区，交所属县区平台研判办理"),
    ("division->county_platform", "依据来件所给的行政区划，交所属县区平台研判办理"),
    ("territorial:城乡建设->431102001", "属地管理事项「城乡建设」：按事发地派往属地乡镇（街道）"),
    ("functional:环境保护->431102-environment", "行业管理事项「环境保护」：派往主管职能部门"),
    ("hint:城乡建设->housing", "按来件渠道给出的分类「城乡建设」派往主管职能部门"),
    ("emergency:119", "疑似紧急事项（119）：转人工研判"),
    ("low_confidence", "智能分类把握不足：转派单员人工派单"),
    ("no_category", "未能识别诉求分类：转派单员人工派单"),
    ("no_hint_no_division", "来件未给分类和行政区划：转派单员人工派单"),
    # prefixes of the rules the router is gaining, whatever follows them
    ("unit_model:431102-housing", "依据承办单位模型的推荐"),
    ("unit_model:城乡建设->431102-housing", "依据承办单位模型的推荐"),
    ("place:431102001->431102001", "依据事发地所属辖区"),
    # a rule nobody wrote a text for yet, and codes missing what their text needs
    ("seasonal:flood->431102-water", FALLBACK),
    ("new_rule", FALLBACK),
    ("emergency", FALLBACK),
    ("territorial->county_platform", FALLBACK + "，交所属县区平台研判办理"),
])
def test_every_rule_reads_in_chinese_by_its_prefix(code, text):
    assert rule_text(code) == text
    assert not LATIN.search(text)


@pytest.mark.parametrize("action, reason, shown", [
    ("transfer_platform", "rule unclear->county_platform",
     "事发地在下级县区，诉求分类待定，交所属县区平台研判办理"),
    ("queue_for_dispatcher", "rule hint:城乡建设->housing refused: unit 4311-housing is outside",
     "按来件渠道给出的分类「城乡建设」派往主管职能部门；该建议未能执行，已转派单员人工派单"),
    ("auto_dispatch", rule_reason("territorial:城乡建设->431102001"),
     "属地管理事项「城乡建设」：按事发地派往属地乡镇（街道）"),
    ("dispatch", "rule of thumb: the township knows", "rule of thumb: the township knows"),
    ("queue_for_dispatcher", "派单员手工转入", "派单员手工转入"),
    ("auto_dispatch", None, None),
])
def test_the_shown_reason_turns_only_a_routing_rule_into_chinese(action, reason, shown):
    assert shown_reason(action, reason) == shown


def test_the_timeline_of_a_routed_order_reads_in_chinese(client, tokens):
    """The routing job's entry on the order's timeline (the console shows it as it comes)."""
    made = new_call(client, tokens["county_operator"])          # no hint, no place: queued
    wait_state(client, tokens["county_dispatcher"], made["order_id"], "pending_dispatch")
    order = detail(client, tokens["county_dispatcher"], made["order_id"])
    (entry,) = [e for e in order["timeline"] if e["action"] == "queue_for_dispatcher"]
    assert entry["reason"] == "来件未给分类和行政区划：转派单员人工派单"
    assert entry["data"]["routing"]["rule"] == "no_hint_no_division"    # the code stays
