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


# A danger word is an emergency only when the message says it is happening now
# or about to (present-tense table); told of in the past, negated, prevented,
# feared, hypothetical, heard of or as an aftermath it is not (the other table).
FIRE, POLICE, AMBULANCE = EmergencyService.FIRE, EmergencyService.POLICE, EmergencyService.AMBULANCE
HAPPENING_NOW = [
    ("3号楼5层着火了，浓烟很大，快来人", FIRE),
    ("厨房起火了，火越烧越大，请速派消防车", FIRE),
    ("我家楼下的仓库正在着火，里面好像还有人", FIRE),
    ("电动车在楼道里起火了，赶紧来", FIRE),
    ("地下车库一辆车着火了，火势很猛", FIRE),
    ("有人被困在二楼出不来，火已经烧到楼梯口", FIRE),
    ("商场电梯突然停了，我和孩子被困在里面", FIRE),
    ("化工厂爆炸了，附近的厂房也烧起来了", FIRE),
    ("闻到很浓的煤气味，邻居家没人开门", FIRE),
    ("小区天然气泄漏了，整条巷子都是味道", FIRE),
    ("家里燃气味很重，我妈头晕倒在地上了", FIRE),
    ("工地刚刚塌方，有两名工人被埋在下面", FIRE),
    ("老房子现在正在倒塌，里面还有老人", FIRE),
    ("隔壁的院墙倒塌了，压住了一个小孩，快来救人", FIRE),
    ("山体滑坡把房子冲坍塌了，有人被埋", FIRE),
    ("有个小孩在河里溺水了，快来人救救他", FIRE),
    ("水库边有人落水了，正在往下沉", FIRE),
    ("一家三口烧煤炉取暖中毒了，现在昏迷不醒", AMBULANCE),
    ("有人触电倒在地上，不省人事", AMBULANCE),
    ("我爸突然晕倒了，叫不醒，请速派救护车", AMBULANCE),
    ("路口车祸，有人受伤流血，快叫救护车", AMBULANCE),
    ("老人摔下楼梯骨折了，动不了，赶紧派急救车", AMBULANCE),
    ("门口有人正在持刀砍人", POLICE),
    ("街上两伙人正在打架斗殴，快派警察", POLICE),
    ("有人在抢劫便利店，现在还没走", POLICE),
    ("邻居正在家暴他老婆，一直在喊救命", POLICE),
    ("有个孩子被人绑架了，车刚开走", POLICE),
    ("昨天报修过没人来，现在楼道电线起火了", FIRE),
]
NOT_NOW = [
    "前年我家房子着火后，到现在还住在亲戚家",
    "小区上个月发生过火灾，希望加装消防设施",
    "没有发生火灾，只是烟雾报警器误报",
    "物业说电梯里没有人被困，只是故障停运",
    "并未发生人员被困，请不要听信谣言",
    "担心这栋危房会倒塌，请派人来鉴定",
    "我很害怕房子哪天会坍塌，晚上都睡不着",
    "暑假期间防止儿童溺水，请在水塘边设置警示牌",
    "学校开展防溺水安全教育，谨防学生私自下河游泳溺水",
    "预防冬季一氧化碳中毒，建议社区入户宣传",
    "上次中毒事故的善后至今没有处理完",
    "2018年厂房倒塌砸伤了我父亲，赔偿款一直没到位",
    "三年前在工地受伤，工伤认定到现在还没办下来",
    "我儿子前几天跟人打架被打伤了，派出所一直没处理",
    "如果发生火灾，消防车根本开不进来",
    "万一起火了怎么办，楼道里堆满了杂物",
    "老旧电线存在起火隐患，请尽快更换",
    "电动车在室内充电容易起火，建议小区建充电棚",
    "这座石桥可能会坍塌，希望尽快维修",
    "新闻报道说邻县一家工厂着火了，我们这里的工厂也要查一查",
    "听说隔壁村有人溺水了，河边应该装护栏",
    "楼下烧烤摊经常有人打架，希望加强巡逻",
    "曾经发生过燃气泄漏，希望更换老化的管道",
    "火灾后重建的房子到现在还没有验收",
    "溺水时应该怎么自救？",
    "请问被困电梯后物业应该承担什么责任",
    "我父亲当年在矿上塌方中受伤，能申请伤残补助吗",
    "学校组织消防演练，模拟教学楼着火后疏散",
    "那次火灾烧毁了我家的仓库，保险公司至今不理赔",
    "多年前被抢劫过，现在晚上不敢一个人出门",
    "要等到有人触电才会修吗？路灯杆漏电好几天了",
    "在前些天的暴雨中，村里的老房子又倒塌了，现在没地方住",
    "2016年的一个晚上，我家的土房子着火了，至今没有重建",
    "感谢消防队的救命之恩，那场火灾让我们全家记忆犹新",
    "2012年夏天发大水，我们一家被困在屋顶上两天两夜",
    "如遇火灾，消防车根本开不进这条巷子",
]


@pytest.mark.parametrize("text, service", HAPPENING_NOW)
def test_an_emergency_happening_now_is_handed_over(text, service):
    assert R.emergency(text) == service


@pytest.mark.parametrize("text", NOT_NOW)
def test_a_danger_word_not_happening_now_is_no_emergency(text):
    assert R.emergency(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("孩子在水库溺水了，快来", Urgency.EXTRA_URGENT),      # happening now
        ("村后山坡山体滑坡，堵住了路", Urgency.EXTRA_URGENT),  # stated as a fact
        ("老房子随时可能倒塌，请来看看", Urgency.EXTRA_URGENT),  # the table's own risk phrase
        ("池塘边没有护栏，担心孩子溺水", Urgency.URGENT),      # feared: urgent, no hand-over
        ("万一发生泥石流，山下的村子就危险了", Urgency.URGENT),
        ("暑假期间防止儿童溺水，请设置警示牌", Urgency.NORMAL),  # prevention
        ("上次中毒事故的善后至今没有处理完", Urgency.NORMAL),  # aftermath
        ("2015年的洪水冲毁了我家的地，补偿款没发", Urgency.NORMAL),  # past
        ("经抢救已经没有生命危险了，医药费谁来出", Urgency.NORMAL),  # negated
        ("小区消防通道被堵，存在火灾隐患", Urgency.NORMAL),  # a feared fire is no life-risk word
    ],
)
def test_urgency_reads_life_risk_words_by_tense(text, expected):
    assert R.urgency(text) == expected


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
