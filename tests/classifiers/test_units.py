"""The unit model's own fast path gives what scikit-learn's transform and predict_proba give."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix, hstack

from classifiers.evidence import CountyVote
from classifiers.units import Example, UnitModel, unit_text, vote_features

EXAMPLES = [
    Example("路灯坏了", "甲县某镇的路灯坏了一个月", "territorial", "A"),
    Example("道路破损", "甲县城关的道路破损严重  没人修", "territorial", "A"),
    Example("学校收费", "乙县中学乱收费", "territorial", "B"),
    Example("补课", "乙县一中暑假补课", "territorial", "B"),
    Example("驾驶证", "车管所换驾驶证排队太久", "city", dept_type="traffic_police"),
    Example("违章", "交通违章处理不了", "city", dept_type="traffic_police"),
    Example("公积金", "公积金提取需要什么材料", "city", dept_type="housing_fund"),
    Example("公积金贷款", "公积金贷款额度", "city", dept_type="housing_fund"),
    Example("谢谢", "感谢领导关心", "platform"),
    Example("建议", "建议多种树", "platform"),
]


@pytest.fixture(scope="module")
def model():
    votes = [CountyVote({"A": 1.0}, {"A": 1.0})] * 4 + [CountyVote()] * 6
    return UnitModel().fit(EXAMPLES * 3, votes * 3)


@pytest.mark.parametrize("title, body", [
    ("路灯", "甲县的路灯  坏了"), ("", "车管所ABC办证"), ("公积金", ""), ("", "无关的话"),
])
def test_the_fast_path_scores_as_scikit_learn_does(model, title, body):
    vote = CountyVote({"A": 2.0}, {"A": 0.85})
    X = model.vectorizer.transform([unit_text(title, body)])
    idx, vals = model._features.one(unit_text(title, body))
    assert np.allclose(X.toarray()[0, idx], vals) and X.nnz == len(idx)
    Xl = hstack([X, csr_matrix([vote_features(vote)])]).tocsr()
    assert np.allclose(model._heads["level"].proba_one(idx, vals, vote_features(vote)),
                       model.level.predict_proba(Xl)[0])
    assert np.allclose(model._heads["type"].proba_one(idx, vals), model.type.predict_proba(X)[0])


def test_a_pickled_model_scores_the_same(model):
    import pickle

    again = pickle.loads(pickle.dumps(model))
    vote = CountyVote()
    assert again.scores("", "车管所办证", vote) == model.scores("", "车管所办证", vote)


def _history(city_share: float, n: int = 60) -> tuple[list[Example], list[CountyVote]]:
    """n letters naming county A, each answered by A or, one in 1/city_share, by a city
    department; plus platform letters naming nothing."""
    named = CountyVote({"A": 1.0}, {"A": 1.0})
    examples, votes = [], []
    for i in range(n):
        if city_share and i % round(1 / city_share) == 0:
            examples.append(Example("甲县道路", f"甲县第{i}号路段坑洼", "city", dept_type="transport"))
        else:
            examples.append(Example("甲县道路", f"甲县第{i}号路段坑洼", "territorial", "A"))
        votes.append(named)
    for i in range(20):
        examples.append(Example("感谢", f"感谢领导关心第{i}次", "platform"))
        votes.append(CountyVote())
    for title, dept in (("公积金", "housing_fund"), ("驾驶证", "traffic_police")) * 2:
        examples.append(Example(title, f"{title}怎么办", "weak", None, dept, 0.5))
        votes.append(CountyVote())
    return examples, votes


def test_a_city_whose_counties_answer_what_names_them_hands_over_without_a_dispatcher():
    model = UnitModel().fit(*_history(city_share=0))
    p_city = sum(p for k, p in model.scores("甲县道路", "甲县第7号路段坑洼",
                                              CountyVote({"A": 1.0}, {"A": 1.0})).items()
                 if k.startswith("dept:"))
    assert model.doubt > p_city


def test_where_city_departments_answer_as_often_as_the_county_a_dispatcher_decides():
    model = UnitModel().fit(*_history(city_share=0.5))
    assert model.doubt == 0.0


def test_a_short_history_never_hands_over_without_a_dispatcher():
    model = UnitModel().fit(*_history(city_share=0, n=10))
    assert model.doubt == 0.0


def test_a_named_city_district_leans_to_city_departments_where_its_history_does():
    """The city's departments answer much of what happens in its districts (市辖区, 611002)
    and little of what happens in a 县 (611021): the same words naming one or the other
    weigh the city differently."""
    district = CountyVote({"611002": 1.0}, {"611002": 1.0})
    county = CountyVote({"611021": 1.0}, {"611021": 1.0})
    examples, votes = [], []
    for i in range(40):
        examples.append(Example("道路坑洼", f"第{i}号路段坑洼", "city" if i % 2 else "territorial",
                                None if i % 2 else "611002", "transport" if i % 2 else None))
        votes.append(district)
        examples.append(Example("道路坑洼", f"第{i}号路段坑洼", "territorial", "611021"))
        votes.append(county)
    for title, dept in (("公积金", "housing_fund"), ("驾驶证", "traffic_police")) * 2:
        examples.append(Example(title, f"{title}怎么办", "weak", None, dept, 0.5))
        votes.append(CountyVote())
    model = UnitModel().fit(examples, votes)

    def p_city(vote):
        return sum(p for k, p in model.scores("道路坑洼", "第99号路段坑洼", vote).items()
                   if k.startswith("dept:"))
    assert p_city(district) > p_city(county) + 0.2


def test_a_tied_county_vote_goes_where_the_county_history_points():
    """Two counties each with a 城关街道 get the same votes; what each county's letters name
    (a college, a compound) decides, not the order of a set."""
    examples, votes = [], []
    tie = CountyVote({"A": 1.0, "B": 1.0}, {"A": 1.0, "B": 1.0})
    for i in range(20):
        examples.append(Example("滑坡", f"学院小区北边第{i}次滑坡", "territorial", "A"))
        examples.append(Example("路灯", f"河堤步道第{i}盏路灯不亮", "territorial", "B"))
        votes += [tie, tie]
    examples += [Example("感谢", f"感谢领导第{i}次", "platform") for i in range(10)]
    examples += [Example("公积金", "公积金怎么办", "city", dept_type="housing_fund")] * 5
    examples += [Example("驾驶证", "驾驶证怎么办", "city", dept_type="traffic_police")] * 5
    votes += [CountyVote()] * 20
    scores = UnitModel().fit(examples, votes).scores("城关街道滑坡", "学院小区北边又滑坡了", tie)
    assert scores["county:A"] > scores["county:B"]
