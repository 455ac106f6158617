"""Training data, training and cross-validated evaluation of the category model."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold
from tqdm import tqdm

from classifiers.category import TOKEN_CHARS, TOKENS_HMM, CategoryModel, coverage_curve
from classifiers.tokenizer import Tokenizer, get_tokenizer

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_CSV = DATA_DIR / "taidi2020_train.csv"
CV_FOLDS = 5
CV_SEED = 42


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    text: str
    label: str


def load_examples(path: str | Path = TRAIN_CSV) -> list[Example]:
    """Rows of a CSV with at least the columns text,label (empty ones skipped)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [
            Example(r["text"].strip(), r["label"].strip())
            for r in csv.DictReader(fh)
            if r.get("text", "").strip() and r.get("label", "").strip()
        ]


def as_examples(extra: Iterable[Example | tuple[str, str]] | None) -> list[Example]:
    """Accept Example objects or (text, label) pairs, e.g. dispatcher corrections."""
    return [e if isinstance(e, Example) else Example(str(e[0]), str(e[1])) for e in (extra or ())]


def tokenize_all(texts: Sequence[str], tokenizer: Tokenizer | None = None, progress: bool = False) -> list[list[str]]:
    """The tokens a new category model reads (``category.TOKENS_HMM``, ``TOKEN_CHARS``)."""
    tok = tokenizer or get_tokenizer()
    bar = tqdm(texts, desc="tokenize", unit="msg", disable=not progress, leave=False)
    return [tok.cut(t[:TOKEN_CHARS], hmm=TOKENS_HMM) for t in bar]


def train_model(
    examples: Sequence[Example], tokenizer: Tokenizer | None = None, progress: bool = False, **params
) -> CategoryModel:
    """Fit a CategoryModel on the examples (params go to CategoryModel)."""
    texts = [e.text for e in examples]
    tokens = tokenize_all(texts, tokenizer, progress)
    return CategoryModel(**params).fit(texts, tokens, [e.label for e in examples])


@dataclass
class CVReport:
    """Out-of-fold predictions of a nested cross-validation and their metrics."""

    labels: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray  # CategoryModel.dispatch_confidence of the predicted category
    auto: np.ndarray  # confidence >= the threshold chosen on that fold's training part
    thresholds: list[float]
    classes: list[str]

    @property
    def correct(self) -> np.ndarray:
        return self.predicted == self.labels

    def metrics(self) -> dict:
        auto = self.auto
        return {
            "n_examples": int(len(self.labels)),
            "folds": len(self.thresholds),
            "accuracy": round(float(accuracy_score(self.labels, self.predicted)), 4),
            "macro_f1": round(float(f1_score(self.labels, self.predicted, average="macro")), 4),
            "auto_coverage": round(float(auto.mean()), 4),
            "auto_accuracy": round(float(self.correct[auto].mean()) if auto.any() else 0.0, 4),
            "fold_thresholds": [round(t, 4) for t in self.thresholds],
            "coverage_curve": [
                {"coverage": round(c, 2), "accuracy": round(a, 4), "min_confidence": round(t, 4)}
                for c, a, t in coverage_curve(self.confidence, self.correct)
            ],
        }

    def report(self) -> str:
        return classification_report(self.labels, self.predicted, labels=self.classes, digits=3, zero_division=0)

    def confusion(self) -> np.ndarray:
        return confusion_matrix(self.labels, self.predicted, labels=self.classes)


def cross_validate(
    examples: Sequence[Example],
    folds: int = CV_FOLDS,
    seed: int = CV_SEED,
    tokenizer: Tokenizer | None = None,
    progress: bool = False,
    **params,
) -> CVReport:
    """Stratified k-fold; each fold fits its own model, calibration and threshold."""
    texts = [e.text for e in examples]
    y = np.asarray([e.label for e in examples])
    tokens = tokenize_all(texts, tokenizer, progress)
    predicted = np.empty(len(y), dtype=object)
    confidence = np.zeros(len(y))
    auto = np.zeros(len(y), dtype=bool)
    thresholds = []
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y)
    for tr, te in tqdm(list(splits), desc="cv folds", unit="fold", disable=not progress, leave=False):
        model = CategoryModel(**params).fit([texts[i] for i in tr], [tokens[i] for i in tr], y[tr].tolist())
        p = model.proba([texts[i] for i in te], [tokens[i] for i in te])
        predicted[te] = model.classes_[p.argmax(1)]
        confidence[te] = model.dispatch_confidence(p)
        auto[te] = confidence[te] >= model.threshold
        thresholds.append(model.threshold)
    return CVReport(y, predicted.astype(str), confidence, auto, thresholds, sorted(set(y.tolist())))
