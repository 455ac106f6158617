"""The duplicate score: its parts, its threshold, and what it finds among real-looking orders."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from classifiers import duplicates as dup

T0 = datetime(2026, 11, 2, 9, 0)
VILLAGE = "431102001001"        # 12 digits: village
SAME_TOWN = "431102001002"
TOWNSHIP = "431102001"          # 9 digits: township
OTHER_TOWN = "431102002001"
OTHER_COUNTY = "431103001001"

MATTER = ("冷水滩区梧桐街道凤凰小区停水两天了，自来水公司一直没有人来修，"
          "老人小孩都没水喝，请相关部门尽快解决。")
AGAIN = "还是没人管，凤凰小区已经停水两天，自来水公司始终没人来修，请尽快处理。"
OTHER = "学校门口的早餐店卫生条件很差，孩子吃了以后拉肚子，希望市场监管局来查一查。"
SAME_KIND = "冷水滩区河东小区物业乱收停车费，每月涨价，业主意见很大，请住建局管一管。"


@pytest.fixture(scope="module")
def sim() -> dup.TextSimilarity:
    return dup.get_similarity()


@pytest.mark.parametrize("a,b,relation", [
    (VILLAGE, VILLAGE, "village"),
    (VILLAGE, SAME_TOWN, "township"),
    (VILLAGE, TOWNSHIP, "township"),
    (VILLAGE, OTHER_TOWN, "county"),
    (VILLAGE, "431102", "county"),
    (VILLAGE, OTHER_COUNTY, "other"),
    (VILLAGE, None, "unknown"),
    (None, None, "unknown"),
])
def test_place_relation_by_division_code_prefix(a, b, relation):
    assert dup.place_relation(a, b) == relation


@pytest.mark.parametrize("days,penalty", [(0, 0.0), (3, 0.0), (16.5, 0.05), (30, 0.10),
                                          (45, 0.10)])
def test_age_penalty_grows_after_three_days_up_to_the_window(days, penalty):
    assert dup.age_penalty(days) == pytest.approx(penalty)


@pytest.mark.parametrize("similarity,place,caller,days,score", [
    (0.50, "unknown", False, 0, 0.50),
    (0.50, "village", False, 0, 0.65),
    (0.50, "township", False, 0, 0.58),
    (0.50, "county", True, 0, 0.65),
    (0.50, "other", False, 0, 0.20),
    (0.95, "village", True, 0, 1.00),       # clipped
    (0.10, "other", False, 30, 0.00),       # clipped
    (0.50, "village", False, 30, 0.55),
])
def test_score_is_similarity_plus_place_and_caller_minus_age(similarity, place, caller, days,
                                                               score):
    assert dup.combine(similarity, place, caller, days) == pytest.approx(score)


def test_same_caller_and_village_alone_never_make_a_duplicate():
    m = dup.Match(id=1, score=0.5, similarity=0.15, place="village", same_caller=True,
                  days_apart=0)
    assert not dup.is_duplicate(m)


def test_a_re_report_is_found_and_different_matters_are_not(sim):
    orders = [dup.Report(1, MATTER, T0, VILLAGE, "13900000001"),
              dup.Report(2, OTHER, T0, VILLAGE, "13900000002"),
              dup.Report(3, SAME_KIND, T0, VILLAGE, "13900000003")]
    new = dup.Report(None, AGAIN, T0 + timedelta(days=1), SAME_TOWN, "13900000009")
    found = dup.find(new, orders, sim)
    assert [m.id for m in found] == [1]
    assert found[0].place == "township" and not found[0].same_caller


def test_another_county_or_outside_the_window_is_not_a_duplicate(sim):
    far = dup.Report(1, MATTER, T0, OTHER_COUNTY)
    old = dup.Report(2, MATTER, T0 - timedelta(days=31), VILLAGE)
    new = dup.Report(None, AGAIN, T0, VILLAGE)
    assert dup.find(new, [far, old], sim) == []


def test_an_order_is_not_its_own_duplicate_and_the_best_comes_first(sim):
    me = dup.Report(7, AGAIN, T0, VILLAGE, "13900000009")
    close = dup.Report(1, MATTER, T0 - timedelta(days=1), VILLAGE, "13900000009")
    farther = dup.Report(2, MATTER, T0 - timedelta(days=10), VILLAGE)
    assert [m.id for m in dup.find(me, [me, farther, close], sim)] == [1, 2]


def test_similarity_ignores_spaces_and_punctuation(sim):
    a = "凤凰小区停水两天了"
    assert sim.similarities(a, ["凤凰 小区，停水两天了！"])[0] == pytest.approx(1.0)
