import pytest

from classifiers.training import Example, as_examples, cross_validate, load_examples

from .conftest import write_subset


def test_shipped_training_set_has_seven_labels():
    examples = load_examples()
    assert len(examples) == 2159
    assert len({e.label for e in examples}) == 7


def test_extra_examples_accept_pairs_or_examples():
    extra = as_examples([("停水了", "城乡建设"), Example("学费", "教育文体")])
    assert extra == [Example("停水了", "城乡建设"), Example("学费", "教育文体")]
    assert as_examples(None) == []


def test_rows_without_text_or_label_are_skipped(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("text,label\n停水,城乡建设\n,教育文体\n学费,\n", encoding="utf-8")
    assert load_examples(path) == [Example("停水", "城乡建设")]


@pytest.fixture(scope="module")
def cv(tmp_path_factory):
    path = write_subset(tmp_path_factory.mktemp("cv") / "small.csv", 40)
    return cross_validate(load_examples(path), folds=3, seed=1)


def test_cross_validation_scores_every_message_out_of_fold(cv):
    m = cv.metrics()
    assert m["n_examples"] == len(cv.labels) == len(cv.predicted)
    assert m["folds"] == 3 and len(m["fold_thresholds"]) == 3
    assert 0.4 < m["accuracy"] <= 1.0 and 0.4 < m["macro_f1"] <= 1.0
    assert 0.0 <= m["auto_coverage"] <= 1.0


def test_coverage_curve_runs_from_half_to_all(cv):
    curve = cv.metrics()["coverage_curve"]
    assert curve[0]["coverage"] == 0.5 and curve[-1]["coverage"] == 1.0
    assert curve[-1]["accuracy"] == cv.metrics()["accuracy"]


def test_report_and_confusion_matrix_cover_all_classes(cv):
    assert cv.confusion().shape == (7, 7)
    assert cv.confusion().sum() == len(cv.labels)
    assert "macro avg" in cv.report()
