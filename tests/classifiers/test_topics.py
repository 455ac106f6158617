"""Hot topics: clusters of similar orders with their keywords, size, places and growth."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from classifiers import topics as tp
from classifiers.tokenizer import get_tokenizer

NOW = datetime(2026, 11, 27, 12, 0)
TOWN_A, TOWN_B = "431102001", "431103002"
WATER = ["梧桐街道凤凰小区停水三天了，自来水公司不来修", "凤凰小区又停水了，自来水管道爆裂没人修",
         "凤凰小区停水好几天，自来水公司电话打不通", "停水三天，凤凰小区居民没水做饭，自来水公司在哪",
         "凤凰小区自来水停水，老人提桶下楼打水"]
NOISE = ["河东广场舞音响太吵，晚上十点还在跳", "河东广场的广场舞噪音扰民，音响开得太大",
         "广场舞音响噪音大，河东广场附近住户睡不着", "河东广场跳广场舞到深夜，音响扰民"]
ODD = ["孩子转学需要什么材料", "公积金提取要多久到账"]


def docs(texts, town, start_id=0, days_ago=1.0):
    cut = get_tokenizer().cut
    return [tp.Doc(id=start_id + i, tokens=cut(t), at=NOW - timedelta(days=days_ago + i * 0.1),
                   division_code=f"{town}001") for i, t in enumerate(texts)]


@pytest.fixture(scope="module")
def topics():
    current = docs(WATER, TOWN_A, 0) + docs(NOISE, TOWN_B, 100) + docs(ODD, TOWN_B, 200)
    previous = docs(WATER[:1], TOWN_A, 300, days_ago=9) + docs(NOISE, TOWN_B, 400, days_ago=9)
    return tp.hot_topics(current, previous)


def test_similar_orders_form_topics_biggest_first_and_strays_are_left_out(topics):
    assert [sorted(t.order_ids) for t in topics] == [list(range(5)), list(range(100, 104))]


def test_each_topic_has_the_words_that_set_it_apart_and_its_places(topics):
    water, noise = topics
    assert water.keywords[0] == "停水" and "凤凰" in water.keywords
    assert "广场舞" in noise.keywords[:3]
    assert water.places == [(TOWN_A, 5)] and noise.places == [(TOWN_B, 4)]


def test_a_topic_that_grew_is_emerging_and_a_steady_one_is_not(topics):
    water, noise = topics
    assert (water.size, water.previous, water.emerging) == (5, 1, True)
    assert (noise.size, noise.previous, noise.emerging) == (4, 4, False)
    assert water.growth == 5.0 and noise.growth == 1.0


def test_too_few_orders_make_no_topic():
    assert tp.hot_topics(docs(WATER[:2], TOWN_A)) == []
    assert tp.hot_topics([]) == []


@pytest.mark.parametrize("tokens,kept", [
    (["凤凰", "小区", "停水", "了"], ["凤凰", "小区", "停水"]),
    (["反映", "问题", "希望", "尽快", "解决"], []),
    (["2026", "12", "，", "A3"], ["A3"]),
])
def test_stop_words_numbers_and_single_characters_never_make_a_topic(tokens, kept):
    assert tp.words(tokens) == kept


def test_ctfidf_prefers_the_word_that_sets_a_cluster_apart():
    shared_a = Counter({"小区": 5, "停水": 4})
    shared_b = Counter({"小区": 5, "噪音": 4})
    assert [kw[0] for kw in tp.ctfidf_keywords([shared_a, shared_b], 2)] == ["停水", "噪音"]
