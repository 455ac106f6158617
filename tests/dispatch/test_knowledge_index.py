"""BM25 over jieba tokens: pure, no database."""
from __future__ import annotations

import pytest

from dispatch.knowledge.index import Bm25Index, Document, tokenize

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
