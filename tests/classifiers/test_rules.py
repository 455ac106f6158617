import pytest

from classifiers.rules import (
    REQUEST_TYPE_LABELS,
    URGENCY_LABELS,
    EmergencyService,
    RequestType,
    Rules,
    Urgency,
    default_rules,
)

R = default_rules()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("请问新生儿医保怎么办理？需要带哪些材料", RequestType.CONSULTATION),
        ("咨询一下公积金提取的条件", RequestType.CONSULTATION),
        ("我要投诉楼下烧烤店油烟扰民，多次反映无人处理", RequestType.COMPLAINT),
        ("举报某化工厂夜间偷排污水", RequestType.REPORT),
        ("建议在学校门口增设红绿灯", RequestType.SUGGESTION),
        ("表扬城管局张师傅，耐心帮我们解决了问题，送上锦旗", RequestType.PRAISE),
        ("家里老人走失了，求助帮忙寻找", RequestType.HELP),
        ("今天天气不错", RequestType.OTHER),
    ],
)
def test_request_type_follows_keyword_table(text, expected):
    assert R.request_type(text) == expected


def test_title_keyword_outweighs_a_weak_body_keyword():
    text = "投诉物业乱收费。请问这样合理吗？"
    assert R.request_type(text) == RequestType.COMPLAINT


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我们小区已经停水两天了", Urgency.URGENT),
        ("整栋楼突然停电，电梯也停了", Urgency.URGENT),
        ("暖气不热，家里只有十度", Urgency.URGENT),
        ("山体滑坡堵住了村道，危及生命", Urgency.EXTRA_URGENT),
        ("路灯不亮了，希望修一下", Urgency.NORMAL),
    ],
)
def test_urgency_levels(text, expected):
    assert R.urgency(text) == expected


@pytest.mark.parametrize(
    "text, service",
    [
        ("楼下燃气泄漏了，味道很大", EmergencyService.FIRE),
        ("闻到很浓的煤气味", EmergencyService.FIRE),
        ("3栋着火了，快来人", EmergencyService.FIRE),
        ("工地塌方了，有工人被埋", EmergencyService.FIRE),
        ("电梯坏了，我们被困在电梯里，救命", EmergencyService.FIRE),
        ("有人触电倒在地上", EmergencyService.AMBULANCE),
        ("老人在路边晕倒了", EmergencyService.AMBULANCE),
        ("门口有人正在持刀砍人", EmergencyService.POLICE),
        ("着火了，有人受伤了", EmergencyService.FIRE),  # 119 before 120
    ],
)
def test_emergency_hands_over_to_the_right_service(text, service):
    assert R.emergency(text) == service


@pytest.mark.parametrize(
    "text",
    [
        "小区消防通道被堵，存在火灾隐患",
        "我儿子2015年在工地受伤，至今未赔偿",
        "如果燃气泄漏那将会威胁到生命财产安全",
        "老房子随时可能倒塌，请来看看",
        "看着火车站广场的积水",
        "电梯经常坏，有时被困电梯物业都不管",
    ],
)
def test_risks_and_past_incidents_are_not_emergencies(text):
    assert R.emergency(text) is None


def test_emergency_makes_urgency_extra_urgent_and_type_help():
    result = R.apply("厨房起火了，赶紧来")
    assert result.emergency == EmergencyService.FIRE
    assert result.urgency == Urgency.EXTRA_URGENT
    assert result.request_type == RequestType.HELP


def test_codes_are_stable_strings_with_chinese_labels():
    assert [t.value for t in RequestType] == [
        "consultation", "help", "complaint", "report", "suggestion", "praise", "other"
    ]
    assert [u.value for u in Urgency] == ["extra_urgent", "urgent", "normal"]
    assert REQUEST_TYPE_LABELS[RequestType.COMPLAINT] == "投诉"
    assert URGENCY_LABELS[Urgency.EXTRA_URGENT] == "特急"


def test_custom_tables_replace_the_defaults():
    rules = Rules(request_type_keywords={RequestType.REPORT: (("打小报告",), ())}, urgent_terms=("没网",))
    assert rules.request_type("我要打小报告") == RequestType.REPORT
    assert rules.request_type("我要投诉") == RequestType.OTHER
    assert rules.urgency("家里没网了") == Urgency.URGENT
