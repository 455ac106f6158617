"""BM25 over jieba tokens: pure, no database."""
from __future__ import annotations

import json

import pytest

from dispatch.knowledge.index import Bm25Index, Document, tokenize
from dispatch.knowledge.service import SEED_FILE

DOCS = [
    Document(1, "社保卡丢失了怎么补办？", ("社保卡", "补办"), "携带身份证到社保卡服务网点申请补办。"),
    Document(2, "闻到燃气味怎么办？", ("燃气", "煤气", "漏气"), "关闭燃气总阀，开窗通风，拨打119。"),
    Document(3, "孩子上小学怎么报名？", ("入学", "小学报名"), "按划片招生公告网上报名。"),
    Document(4, "单位拖欠工资该找哪里？", ("拖欠工资", "欠薪"), "向劳动保障监察机构投诉。"),
]


def test_tokenize_drops_punctuation_and_stopwords():
    tokens = tokenize("请问，社保卡丢了怎么办？")
    assert "社保卡" in tokens
    assert not {"请问", "，", "？", "怎么"} & set(tokens)


@pytest.mark.parametrize("query, best", [
    ("我的社保卡丢了", 1),
    ("家里有煤气味，好像漏气了", 2),
    ("小孩读小学怎么报名", 3),
    ("老板欠薪三个月不发工资", 4),
])
def test_search_ranks_the_matching_entry_first(query, best):
    hits = Bm25Index(DOCS).search(query, limit=3)
    assert hits[0][0] == best
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_search_leaves_out_entries_sharing_no_token():
    assert Bm25Index(DOCS).search("火星探测器发射时间") == []


def test_question_words_weigh_more_than_answer_words():
    docs = [Document(1, "身份证补办", (), "需要照片"), Document(2, "照片采集", (), "身份证")]
    assert Bm25Index(docs).search("身份证")[0][0] == 1


def test_empty_index_finds_nothing():
    assert Bm25Index([]).search("社保卡") == []


SEED = json.loads(SEED_FILE.read_text(encoding="utf-8"))      # the demo's knowledge base
SEEDED = Bm25Index(Document(i, e["question"], tuple(e["keywords"]), e["answer"])
                   for i, e in enumerate(SEED))


def _questions(query: str) -> list[str]:
    """The questions of the answers the operator's screen would offer (it asks for three)."""
    return [SEED[i]["question"] for i, _ in SEEDED.search(query, limit=3)]


@pytest.mark.parametrize("message", [
    # nothing in common with any entry but everyday words (反映, 时间, 问题, 相关, 部门, 处理)
    "你好，我想反映一下火星探测器的发射时间问题，请相关部门尽快处理",
    "请调查某建筑公司的违法行为，相关部门一直不处理我的问题",
    "我想咨询一下申请办理的相关材料和条件",
    "我家孩子的学校老师经常体罚学生，希望教育部门管一管",
])
def test_an_unrelated_message_is_offered_no_answer(message):
    assert _questions(message) == []


@pytest.mark.parametrize("message, question", [
    ("楼下冷库噪音扰民，晚上睡不着", "晚上施工噪音扰民怎么投诉？"),
    ("东岳宫社区燃气管道漏气，味道很大", "闻到燃气味怎么办？"),
    ("K10县天马御都全款购房9年多，房产证仍没拿到", "不动产权证（房产证）怎么办理？"),
    ("社保卡丢了", "社保卡丢失了怎么补办？"),
    ("退休", "退休人员养老金什么时候发放？怎么查询？"),       # a short search
    ("驾照到期了去哪换", "驾驶证到期了怎么换证？"),
])
def test_a_message_naming_an_entrys_subject_is_offered_that_entry(message, question):
    assert _questions(message)[:1] == [question]
