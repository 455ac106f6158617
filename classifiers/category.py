"""Content-category classifier: TF-IDF features, three linear models, calibrated probabilities.

* features: ``features.Featurizer`` (character 1-2-grams, jieba words, title head and a
  taxonomy block);
* scores: ``LinearSVC(C=1)`` one-vs-rest, an NB-SVM on the same features (``fit_nbsvm``) and a
  second NB-SVM on the chars block alone (``_fit_chars_nbsvm``): 21 scores per message;
* calibration: a multinomial logistic regression (``CALIBRATION_C`` 0.3) on the 21 scores,
  fitted on out-of-fold scores (5 inner folds), so the top-1 probability is an honest confidence;
* dispatch confidence (``fit_dispatch``): a logistic regression of "the top class is right" on
  the logit of the top probability and the log-ratio of the top two, so a message torn between
  two categories ranks below one whose remaining probability is spread;
* auto-dispatch threshold: the lowest dispatch confidence at which the out-of-fold accuracy of
  the messages at or above it is still >= ``target_accuracy`` (0.97) + ``selection_margin``,
  chosen on training data only.

Decisions a maintainer needs:

- ``selection_margin`` is 0.0125 because picking the largest share that reaches a target on one
  sample overshoots on the next: on five outer splits 0.0125 kept >= 97 % on every split (75.8 %
  auto-dispatched at 97.73 % on average, worst split 97.31 %); 0.01 fell to 96.998 % on one.
- 80 % auto-dispatched at >= 97 % is out of reach of this model, whatever the threshold rule:
  the most confident 80 % are 97.26 % right on average over those splits (96.76 % on seed 42).
  Nested 5-fold CV (``python -m classifiers.cli evaluate``): accuracy 0.9217, macro-F1 0.9186.
- A fitted model carries ``MODEL_FORMAT``; ``model_store`` retrains a stored model of another
  format rather than loading it.

Every variant tried, with its figures and dates: ``docs/classifier-experiments.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from classifiers.features import Featurizer

# Bumped whenever a fitted model's pickled state changes; model_store retrains a
# stored model of another format instead of loading it.
MODEL_FORMAT = 6
# The words block reads jieba tokens of the first TOKEN_CHARS characters, cut
# without HMM; the character blocks see the whole text. In nested CV (SVM alone)
# this is within noise of whole-text HMM tokens (0.898 against 0.900 accuracy)
# while tokenising about a third as much: tokenisation is most of a classification.
TOKENS_HMM = False
TOKEN_CHARS = 150
NB_ALPHA = 1.0
CALIBRATION_C = 0.3
TARGET_ACCURACY = 0.97
SELECTION_MARGIN = 0.0125
MIN_AUTO_EXAMPLES = 30  # a threshold is not trusted on fewer messages than this
INNER_FOLDS = 5
SEED = 20200101
_EPS = 1e-12


def choose_threshold(
    confidence: np.ndarray, correct: np.ndarray, target: float = TARGET_ACCURACY, min_n: int = MIN_AUTO_EXAMPLES
) -> float:
    """Lowest confidence whose "at or above" set is still >= target accurate (1.0 if none)."""
    order = np.argsort(-confidence, kind="stable")
    conf_sorted = confidence[order]
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(running >= target)
    ok = ok[ok >= min_n - 1]
    if len(ok) == 0:
        return 1.0
    return float(conf_sorted[ok.max()])


def coverage_curve(confidence: np.ndarray, correct: np.ndarray, coverages=None) -> list[tuple[float, float, float]]:
    """(coverage, accuracy of the most confident share, confidence at that share)."""
    coverages = coverages if coverages is not None else np.arange(0.5, 1.0001, 0.05)
    order = np.argsort(-confidence, kind="stable")
    out = []
    for cov in coverages:
        n = max(1, int(round(cov * len(order))))
        out.append((float(cov), float(correct[order[:n]].mean()), float(confidence[order[n - 1]])))
    return out


def _scores(svm: LinearSVC, X) -> np.ndarray:
    s = svm.decision_function(X)
    return np.column_stack([-s, s]) if s.ndim == 1 else s


def fit_nbsvm(X, y: np.ndarray, classes: np.ndarray, C: float, seed: int,
              alpha: float = NB_ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """NB-SVM (Wang & Manning 2012): one-vs-rest linear SVMs on features scaled by
    each class's naive-Bayes log-count ratio. The scaling is folded into the
    returned weights, so scores are ``X @ coef.T + intercept`` on the plain features.
    """
    present = (X > 0).astype(np.float64).tocsr()
    coef = np.zeros((len(classes), X.shape[1]))
    intercept = np.zeros(len(classes))
    for k, c in enumerate(classes):
        mine = y == c
        p = alpha + np.asarray(present[mine].sum(0)).ravel()
        q = alpha + np.asarray(present[~mine].sum(0)).ravel()
        r = np.log((p / p.sum()) / (q / q.sum()))
        svm = LinearSVC(C=C, random_state=seed).fit(X.multiply(r).tocsr(), mine.astype(int))
        coef[k] = svm.coef_[0] * r
        intercept[k] = svm.intercept_[0]
    return coef, intercept


def _dispatch_features(proba: np.ndarray) -> np.ndarray:
    # logit of the top probability and log-ratio of the top two; (..., 2)
    top2 = np.clip(np.partition(proba, -2, axis=-1)[..., -2:], _EPS, 1.0 - _EPS)
    p2, p1 = top2[..., 0], top2[..., 1]
    return np.stack([np.log(p1 / (1.0 - p1)), np.log(p1 / p2)], axis=-1)


def fit_dispatch(proba: np.ndarray, correct: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights of ``dispatch_confidence``: a logistic regression of "the top class is
    right" on the top probability and the top-1/top-2 ratio of out-of-fold probabilities.

    The calibrator's top probability alone ranks a message torn between two categories
    (0.60 / 0.38) like one spread over several (0.60 / 0.15 / 0.12 ...); on the out-of-fold
    data the first is wrong more often, so the ratio reorders the confident share. With
    a single outcome (every message right or wrong) it falls back to the top probability.
    """
    if correct.all() or not correct.any():
        return np.array([1.0, 0.0]), 0.0
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(_dispatch_features(proba), correct)
    return lr.coef_[0].copy(), float(lr.intercept_[0])


def dispatch_confidence(proba: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray | float:
    if proba.ndim == 1:  # one message: plain floats cost a tenth of the array path
        p2, p1 = (min(max(float(v), _EPS), 1.0 - _EPS) for v in np.partition(proba, -2)[-2:])
        z = coef[0] * math.log(p1 / (1.0 - p1)) + coef[1] * math.log(p1 / p2) + intercept
        return 1.0 / (1.0 + math.exp(-max(z, -500.0)))  # no overflow for absurd weights
    z = _dispatch_features(proba) @ coef + intercept
    return 1.0 / (1.0 + np.exp(-z))


@dataclass
class CategoryModel:
    """Fitted featurizer + SVM + two NB-SVMs + calibrator + dispatch confidence + threshold; picklable."""

    C: float = 1.0
    calibration_C: float = CALIBRATION_C
    target_accuracy: float = TARGET_ACCURACY
    selection_margin: float = SELECTION_MARGIN
    seed: int = SEED
    featurizer: Featurizer = field(default_factory=Featurizer)
    classes_: np.ndarray | None = None
    threshold: float = 1.0
    inner_cv: dict = field(default_factory=dict)
    tokens_hmm: bool = TOKENS_HMM
    token_chars: int = TOKEN_CHARS
    format: int = MODEL_FORMAT

    def fit(self, texts: list[str], tokens: list[list[str]], labels: list[str]) -> "CategoryModel":
        y = np.asarray(labels)
        X = self.featurizer.fit_transform(texts, tokens)
        oof = self._oof_scores(X, y)
        self._svm = LinearSVC(C=self.C, random_state=self.seed).fit(X, y)
        self.classes_ = self._svm.classes_
        self._nb_coef, self._nb_intercept = fit_nbsvm(X, y, self.classes_, self.C, self.seed)
        self._cnb_coef, self._cnb_intercept = self._fit_chars_nbsvm(X, y, self.classes_)
        self._cal = LogisticRegression(C=self.calibration_C, max_iter=2000).fit(oof, y)
        p = self._cal.predict_proba(oof)
        predicted = self._cal.classes_[p.argmax(1)]
        correct = predicted == y
        self._dispatch = fit_dispatch(p, correct)
        confidence = self.dispatch_confidence(p)
        self.threshold = choose_threshold(confidence, correct, self.target_accuracy + self.selection_margin)
        auto = confidence >= self.threshold
        # Out-of-fold figures on the training data; the threshold was chosen on
        # them, so auto_* here are optimistic -- see training.cross_validate.
        self.inner_cv = {
            "folds": INNER_FOLDS,
            "accuracy": round(float(correct.mean()), 4),
            "macro_f1": round(float(f1_score(y, predicted, average="macro")), 4),
            "auto_coverage": round(float(auto.mean()), 4),
            "auto_accuracy": round(float(correct[auto].mean()) if auto.any() else 0.0, 4),
        }
        self._compile()
        return self

    def _oof_scores(self, X, y) -> np.ndarray:
        folds = StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=self.seed)
        classes = np.unique(y)
        scores = np.zeros((X.shape[0], 3 * len(classes)))
        for tr, te in folds.split(X, y):
            svm = LinearSVC(C=self.C, random_state=self.seed).fit(X[tr], y[tr])
            nb_coef, nb_intercept = fit_nbsvm(X[tr], y[tr], classes, self.C, self.seed)
            cnb_coef, cnb_intercept = self._fit_chars_nbsvm(X[tr], y[tr], classes)
            scores[te] = np.hstack([_scores(svm, X[te]), X[te] @ nb_coef.T + nb_intercept,
                                    X[te][:, self._chars_columns()] @ cnb_coef.T + cnb_intercept])
        return scores

    def _chars_columns(self) -> slice:
        b = next(b for b in self.featurizer.blocks if b.name == "chars")
        return slice(b.offset, b.offset + len(b.idf))

    def _fit_chars_nbsvm(self, X, y, classes) -> tuple[np.ndarray, np.ndarray]:
        """NB-SVM on the chars block alone: weights of that block's columns only."""
        return fit_nbsvm(X[:, self._chars_columns()].tocsr(), y, classes, self.C, self.seed)

    def _all_scores(self, X) -> np.ndarray:
        """SVM, NB-SVM and chars-block NB-SVM scores: what the calibrator reads."""
        chars = X[:, self._chars_columns()]
        return np.hstack([_scores(self._svm, X), X @ self._nb_coef.T + self._nb_intercept,
                          chars @ self._cnb_coef.T + self._cnb_intercept])

    def _compile(self) -> None:
        # Scores and calibration are both linear before the softmax, so they fold
        # into one feature-major matrix: one row gather and one product per message.
        coef, intercept = self._svm.coef_, self._svm.intercept_
        if len(self.classes_) == 2:  # scikit-learn keeps one column for two classes
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        b = np.concatenate([intercept, self._nb_intercept, self._cnb_intercept])
        A, c = self._cal.coef_.T, self._cal.intercept_
        if A.shape[1] == 1:  # binary logistic: softmax([-z/2, z/2]) == sigmoid(z)
            A, c = np.hstack([-A / 2, A / 2]), np.concatenate([-c / 2, c / 2])
        if list(self._cal.classes_) != list(self.classes_):
            raise ValueError(f"expected calibrator classes {list(self.classes_)}, got {list(self._cal.classes_)}")
        # one score set at a time, so no stacked copy of all the weights is ever held
        k = len(self.classes_)
        WA = coef.T @ A[:k] + self._nb_coef.T @ A[k:2 * k]
        WA[self._chars_columns()] += self._cnb_coef.T @ A[2 * k:]
        self._WA = np.ascontiguousarray(WA)
        self._bA = b @ A + c

    def __getstate__(self) -> dict:
        # The folded matrix is rebuilt on load instead of stored twice.
        return {k: v for k, v in self.__dict__.items() if k not in ("_WA", "_bA")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "_svm" in state and state.get("format") == MODEL_FORMAT:
            self._compile()  # a model of another format is only read for its metrics, then retrained

    def tokens(self, tokenizer, text: str) -> list[str]:
        """The tokens this model reads for ``text`` (see ``TOKENS_HMM``, ``TOKEN_CHARS``)."""
        return tokenizer.cut(text[:self.token_chars], hmm=self.tokens_hmm)

    def proba_one(self, text: str, tokens: list[str]) -> np.ndarray:
        """Calibrated class probabilities of one message (fast path)."""
        idx, val = self.featurizer.transform_one(text, tokens)
        z = val @ self._WA[idx] + self._bA
        z = np.exp(z - z.max())
        return z / z.sum()

    def proba_many(self, texts: list[str], tokens: list[list[str]]) -> np.ndarray:
        """``proba_one`` for a batch: the rows of ``transform_one`` as one sparse matrix, one
        product with the folded weights (the routing job's groups). Same numbers as
        ``proba_one`` to rounding, so the same decisions."""
        rows = [self.featurizer.transform_one(t, k) for t, k in zip(texts, tokens)]
        if not rows:
            return np.empty((0, len(self.classes_)))
        indptr = np.cumsum([0] + [len(idx) for idx, _ in rows])
        X = sp.csr_matrix((np.concatenate([val for _, val in rows]),
                           np.concatenate([idx for idx, _ in rows]), indptr),
                          shape=(len(rows), self._WA.shape[0]))
        z = X @ self._WA + self._bA
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def dispatch_confidence(self, proba: np.ndarray) -> np.ndarray | float:
        """Estimated probability that the top class of ``proba`` (one row or a batch) is
        right: the scale of ``threshold``."""
        return dispatch_confidence(proba, *self._dispatch)

    def proba(self, texts: list[str], tokens: list[list[str]]) -> np.ndarray:
        """Calibrated probabilities for a batch (scikit-learn path)."""
        X = self.featurizer.transform(texts, tokens)
        return self._cal.predict_proba(self._all_scores(X))

    def predict(self, texts: list[str], tokens: list[list[str]]) -> np.ndarray:
        return self.classes_[self.proba(texts, tokens).argmax(1)]
