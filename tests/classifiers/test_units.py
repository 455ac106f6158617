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
