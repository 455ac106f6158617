"""Shared fixtures: one small trained model per test session."""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from pathlib import Path

import jieba
import pytest

from classifiers.model_store import ModelStore
from classifiers.training import TRAIN_CSV, load_examples

jieba.setLogLevel(logging.WARNING)

PER_LABEL = 120  # enough for obvious messages, fast enough to train in a few seconds


def write_subset(path: Path, per_label: int, offset: int = 0) -> Path:
    """A CSV with ``per_label`` shipped examples of each label."""
    seen: dict[str, int] = {}
    rows = []
    for e in load_examples(TRAIN_CSV):
        k = seen.get(e.label, 0)
        seen[e.label] = k + 1
        if offset <= k < offset + per_label:
            rows.append((e.text, e.label))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(rows)
    return path


@pytest.fixture(scope="session")
def subset_csv(tmp_path_factory) -> Path:
    return write_subset(tmp_path_factory.mktemp("data") / "subset.csv", PER_LABEL)


@pytest.fixture(scope="session")
def trained_store(tmp_path_factory, subset_csv) -> ModelStore:
    store = ModelStore(tmp_path_factory.mktemp("models"), base_csv=subset_csv)
    store.train(promote=True)
    return store


# The learning loop retrains from a small base set, so its tests train in seconds. Set while
# collecting, before the session's RQ worker starts (it inherits it); only retraining reads it.
os.environ.setdefault("HOTLINE_RETRAIN_BASE_CSV", str(
    write_subset(Path(tempfile.mkdtemp(prefix="retrain-base-")) / "base.csv", 25)))
