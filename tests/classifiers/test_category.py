import numpy as np
import pytest

from classifiers.category import CategoryModel, choose_threshold, coverage_curve
from classifiers.features import Featurizer
from classifiers.tokenizer import get_tokenizer
from classifiers.training import load_examples


def test_threshold_is_the_lowest_confidence_that_keeps_the_target_accuracy():
    conf = np.array([0.99, 0.98, 0.97, 0.96, 0.5, 0.4])
    correct = np.array([1, 1, 1, 1, 0, 1], dtype=bool)
    assert choose_threshold(conf, correct, target=0.95, min_n=1) == 0.96
    assert choose_threshold(conf, correct, target=0.8, min_n=1) == 0.4


def test_threshold_is_one_when_no_share_is_accurate_enough():
    conf = np.array([0.9, 0.8])
    assert choose_threshold(conf, np.array([False, True]), target=0.97, min_n=1) == 1.0
    assert choose_threshold(conf, np.array([True, True]), target=0.97, min_n=30) == 1.0


def test_coverage_curve_reports_accuracy_of_the_most_confident_share():
    conf = np.array([0.9, 0.8, 0.7, 0.6])
    correct = np.array([True, True, False, False])
    assert coverage_curve(conf, correct, [0.5, 1.0]) == [(0.5, 1.0, 0.8), (1.0, 0.5, 0.6)]


@pytest.fixture(scope="module")
def model(trained_store):
    return trained_store.load().model


def test_obvious_messages_get_their_category(model):
    tok = get_tokenizer()
    cases = {
        "公司拖欠工资三个月，社保也没有缴纳，劳动仲裁怎么申请": "劳动和社会保障",
        "孩子学校强制补课收费，教育局管不管": "教育文体",
        "化工厂夜里偷排废水，河水发黑发臭，空气也有刺鼻气味": "环境保护",
        "医院乱收费，挂号难，医生态度差": "卫生计生",
    }
    for text, label in cases.items():
        p = model.proba_one(text, model.tokens(tok, text))
        assert model.classes_[p.argmax()] == label, text


def test_probabilities_are_calibrated_distributions(model):
    tok = get_tokenizer()
    texts = [e.text for e in load_examples()[:20]]
    p = model.proba(texts, [model.tokens(tok, t) for t in texts])
    assert np.allclose(p.sum(1), 1.0) and (p >= 0).all()
    assert 0.0 < model.threshold <= 1.0
    assert set(model.inner_cv) >= {"accuracy", "macro_f1", "auto_coverage", "auto_accuracy"}


def test_fast_single_path_equals_batch_path(model):
    tok = get_tokenizer()
    texts = [e.text for e in load_examples()[:10]]
    toks = [model.tokens(tok, t) for t in texts]
    batch = model.proba(texts, toks)
    for i, t in enumerate(texts):
        assert np.allclose(model.proba_one(t, toks[i]), batch[i])


def test_two_labels_are_supported():
    texts = ["停水停电", "停水了", "没电了", "学校收费", "补课收费", "学费太贵"] * 6
    labels = ["城乡建设"] * 3 + ["教育文体"] * 3
    m = CategoryModel(featurizer=Featurizer(min_df=1))
    m.fit(texts, [list(t) for t in texts], labels * 6)
    p = m.proba_one("学费", ["学", "费"])
    assert p.shape == (2,) and m.classes_[p.argmax()] == "教育文体"
    assert np.allclose(p, m.proba(["学费"], [["学", "费"]])[0])


def test_serving_reads_the_same_tokens_as_training(model):
    from classifiers.training import tokenize_all

    text = "冷水滩区梧桐街道停水两天了，" * 30 + "网易杭研大厦"
    assert tokenize_all([text]) == [model.tokens(get_tokenizer(), text)]
    assert len("".join(model.tokens(get_tokenizer(), text))) <= model.token_chars


def test_dispatch_confidence_prefers_a_clear_lead_over_the_second_class():
    from classifiers.category import dispatch_confidence, fit_dispatch

    # Messages torn between two classes are wrong more often than equally confident
    # messages whose remaining probability is spread: the ratio term must learn that.
    torn = np.array([[0.6, 0.38, 0.02]] * 20)
    spread = np.array([[0.6, 0.2, 0.2]] * 20)
    proba = np.vstack([torn, spread])
    correct = np.array([i % 2 == 0 for i in range(20)] + [i % 10 != 0 for i in range(20)])
    coef, intercept = fit_dispatch(proba, correct)
    assert dispatch_confidence(spread[0], coef, intercept) > dispatch_confidence(torn[0], coef, intercept)
    batch = dispatch_confidence(proba, coef, intercept)
    assert batch.shape == (40,) and np.isclose(batch[0], dispatch_confidence(torn[0], coef, intercept))


def test_dispatch_confidence_falls_back_to_the_top_probability():
    from classifiers.category import dispatch_confidence, fit_dispatch

    proba = np.array([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2]])
    coef, intercept = fit_dispatch(proba, np.array([True, True]))
    assert np.allclose(dispatch_confidence(proba, coef, intercept), [0.7, 0.5])
