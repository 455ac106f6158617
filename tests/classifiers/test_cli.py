import json

import pytest

from classifiers.cli import main

from .conftest import write_subset


@pytest.fixture(scope="module")
def tiny_csv(tmp_path_factory):
    return write_subset(tmp_path_factory.mktemp("cli") / "tiny.csv", 20)


def test_predict_prints_one_json_line_per_text(trained_store, capsys):
    assert main(["--model-dir", str(trained_store.root), "predict", "小区停水了", "学校乱收费"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [json.loads(line)["urgency"] for line in lines] == ["urgent", "normal"]


def test_versions_marks_the_current_one(trained_store, capsys):
    main(["--model-dir", str(trained_store.root), "versions"])
    out = capsys.readouterr().out
    assert f"* {trained_store.current_version()}" in out


def test_evaluate_prints_metrics_coverage_and_threshold(tiny_csv, capsys):
    assert main(["evaluate", "--data", str(tiny_csv), "--folds", "2", "--json"]) == 0
    out = capsys.readouterr().out
    for needle in ("accuracy", "macro-F1", "confusion matrix", "coverage", "auto-dispatch", "macro avg"):
        assert needle in out
    metrics = json.loads(out.strip().splitlines()[-1])
    assert metrics["folds"] == 2


def test_train_then_rollback(tmp_path, tiny_csv, capsys):
    d = str(tmp_path / "m")
    main(["--model-dir", d, "train", "--data", str(tiny_csv)])
    main(["--model-dir", d, "train", "--data", str(tiny_csv)])
    capsys.readouterr()
    main(["--model-dir", d, "rollback"])
    assert "current:" in capsys.readouterr().out
