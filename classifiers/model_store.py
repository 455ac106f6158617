"""Versioned storage of trained category models in a directory.

Layout (default ``var/models/``, any directory can be passed)::

    <root>/<version>/model.pkl        the pickled ModelBundle (CategoryModel inside)
    <root>/<version>/metrics.json     version, trained_at, n_examples, inner-CV metrics, ...
    <root>/<version>/extra.csv        the extra (text,label) examples it was trained with
    <root>/CURRENT                    the version in use
    <root>/history.json               promotions, oldest first (rollback pops the last)

A version id is ``YYYYmmddTHHMMSSffffffZ`` (UTC): sortable and unique per store.
Pickles are only loaded from the store's own directory; do not point it at files
from elsewhere (unpickling can run code). A version saved with another
``category.MODEL_FORMAT`` is refused by ``load`` (``StaleModelError``), and
``load_or_train`` then trains and promotes a new one from the base CSV (+ the
stale version's extra examples).
"""

from __future__ import annotations

import csv
import json
import os
import pickle
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from filelock import FileLock
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from classifiers.category import MODEL_FORMAT, CategoryModel
from classifiers.training import TRAIN_CSV, Example, as_examples, load_examples, tokenize_all

DEFAULT_MODEL_DIR = Path("var/models")
# The fixed validation split used to compare a candidate with the current model.
VALIDATION_SEED = 12345
VALIDATION_SHARE = 0.2
# "Not worse": accuracy may not drop at all; macro-F1 may wobble by this much,
# since one message more or less in a small class moves it.
MACRO_F1_TOLERANCE = 0.01


class StaleModelError(TypeError):
    """A stored model of another format than this code's ``MODEL_FORMAT``."""


@dataclass
class ModelBundle:
    """What the service needs: the fitted model, its version and metrics."""

    version: str
    model: CategoryModel
    metrics: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CandidateReport:
    """Result of ``evaluate_candidate``."""

    candidate_version: str
    current_version: str | None
    candidate: dict  # accuracy / macro_f1 on the fixed validation split
    current: dict
    promoted: bool


class ModelStore:
    """Save, list, load, promote and roll back model versions."""

    def __init__(self, root: str | Path | None = None, base_csv: str | Path = TRAIN_CSV) -> None:
        self.root = Path(root) if root is not None else DEFAULT_MODEL_DIR
        self.base_csv = Path(base_csv)
        self._lock = threading.Lock()

    # --- versions -------------------------------------------------------
    def versions(self) -> list[dict]:
        """Metrics of every stored version, oldest first, with ``current`` flags."""
        current = self.current_version()
        out = []
        if self.root.is_dir():
            for d in sorted(p for p in self.root.iterdir() if (p / "model.pkl").is_file()):
                metrics = json.loads((d / "metrics.json").read_text(encoding="utf-8"))
                out.append({**metrics, "current": d.name == current})
        return out

    def current_version(self) -> str | None:
        f = self.root / "CURRENT"
        return (f.read_text(encoding="utf-8").strip() or None) if f.is_file() else None

    def current_marker(self) -> tuple[int, int] | None:
        """(inode, mtime) of the CURRENT pointer: one stat call tells any process of a promotion."""
        try:
            st = os.stat(self.root / "CURRENT")
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns

    def save(self, model: CategoryModel, metrics: dict, extra: Iterable[Example] = ()) -> str:
        """Store a fitted model as a new version (not promoted)."""
        version = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        with self._lock:
            base, n = version, 1
            while (self.root / version).exists():  # two saves in the same microsecond
                n += 1
                version = f"{base}-{n}"
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self._ensure_root()))
            full = {"version": version, **metrics}
            # Plain pickle: loads several times faster than compressed joblib.
            with open(tmp / "model.pkl", "wb") as fh:
                pickle.dump(ModelBundle(version, model, full), fh, protocol=pickle.HIGHEST_PROTOCOL)
            (tmp / "metrics.json").write_text(json.dumps(full, ensure_ascii=False, indent=2), encoding="utf-8")
            _write_examples(tmp / "extra.csv", extra)
            tmp.rename(self.root / version)  # a version appears complete or not at all
        return version

    def load(self, version: str | None = None) -> ModelBundle:
        """The given version, or the current one."""
        version = version or self.current_version()
        if version is None:
            raise FileNotFoundError(f"no current model in {self.root}")
        with open(self._dir(version) / "model.pkl", "rb") as fh:
            bundle = pickle.load(fh)
        if not isinstance(bundle, ModelBundle):
            raise TypeError(f"expected ModelBundle in {version}, got {type(bundle).__name__}")
        found = vars(bundle.model).get("format", 1)  # not getattr: the class default is the new format
        if found != MODEL_FORMAT:
            raise StaleModelError(f"model {version} has format {found}, this code reads {MODEL_FORMAT}")
        return bundle

    def promote(self, version: str) -> None:
        """Make ``version`` current and remember it for rollback."""
        self._dir(version)
        with self._lock:
            history = self._history()
            if not history or history[-1] != version:
                history.append(version)
            self._write_atomic("history.json", json.dumps(history))
            self._write_atomic("CURRENT", version)

    def rollback(self) -> str:
        """Return to the version promoted before the current one."""
        with self._lock:
            history = self._history()
            if len(history) < 2:
                raise LookupError("nothing to roll back to")
            history.pop()
            self._write_atomic("history.json", json.dumps(history))
            self._write_atomic("CURRENT", history[-1])
            return history[-1]

    def extra_examples(self, version: str | None) -> list[Example]:
        if version is None:
            return []
        path = self._dir(version) / "extra.csv"
        return load_examples(path) if path.is_file() else []

    # --- training -------------------------------------------------------
    def train(self, extra: Iterable[Example | tuple[str, str]] | None = None, promote: bool = True,
              progress: bool = False, _tokens: dict[str, list[str]] | None = None, **params) -> str:
        """Train on the base CSV plus ``extra`` examples, save, and optionally promote."""
        extra_list = as_examples(extra)
        examples = load_examples(self.base_csv) + extra_list
        model = _fit(examples, _tokens if _tokens is not None else {}, progress, **params)
        version = self.save(model, _training_metrics(model, len(examples), len(extra_list)), extra_list)
        if promote:
            self.promote(version)
        return version

    def load_or_train(self, progress: bool = False) -> ModelBundle:
        """The current model; trains and promotes one from the base CSV if there is none
        or if the current one is of an older format (keeping its extra examples).

        Processes that share the store (API replicas, workers) and start on a fresh one
        together train once: one trains under a file lock, the others wait for it and load
        its model, instead of each training and promoting a version of its own."""
        bundle = self._current_or_none()
        if bundle is not None:
            return bundle
        with FileLock(self._ensure_root() / ".first-use.lock"):
            bundle = self._current_or_none()      # trained by another process meanwhile
            if bundle is None:
                extra = self.extra_examples(self.current_version())
                self.train(extra, promote=True, progress=progress)
                bundle = self.load()
        return bundle

    def _current_or_none(self) -> ModelBundle | None:
        """The current model, or None if there is none or it is of an older format."""
        if self.current_version() is None:
            return None
        try:
            return self.load()
        except StaleModelError:
            return None

    def validation_texts(self) -> set[str]:
        """Texts of the fixed validation split: no extra example may be one of them."""
        return {e.text for e in _fixed_split(load_examples(self.base_csv))[1]}

    def evaluate_candidate(self, extra: Iterable[Example | tuple[str, str]], progress: bool = False,
                           include_current_extra: bool = True,
                           on_stage: Callable[[str], None] | None = None) -> CandidateReport:
        """Train a candidate with more examples; promote it only if not worse on the fixed split.

        Both sides are refitted on the training part of the fixed split (current:
        base + its extras; candidate: base + its extras + ``extra``, or base +
        ``extra`` alone when ``include_current_extra`` is false) and scored on the
        validation part, which no extra example may touch. ``on_stage`` hears
        "current", "candidate" and "final" as each fit starts.
        """
        stage = on_stage or (lambda name: None)
        current = self.current_version()
        current_extra = self.extra_examples(current)
        candidate_extra = (current_extra if include_current_extra else []) + as_examples(extra)
        base = load_examples(self.base_csv)
        train_part, valid_part = _fixed_split(base)
        valid_texts = {e.text for e in valid_part}
        tokens: dict[str, list[str]] = {}  # each text is tokenised once for the three fits
        scores = {}
        for side, extras in (("current", current_extra), ("candidate", candidate_extra)):
            stage(side)
            usable = [e for e in extras if e.text not in valid_texts]
            model = _fit(train_part + usable, tokens, progress)
            scores[side] = _score(model, valid_part, tokens)
        stage("final")
        model = _fit(base + candidate_extra, tokens, progress)
        metrics = _training_metrics(model, len(base) + len(candidate_extra), len(candidate_extra))
        version = self.save(model, {**metrics, "validation": scores["candidate"],
                                    "compared_with": {"version": current, **scores["current"]}},
                            candidate_extra)
        promoted = current is None or (
            scores["candidate"]["accuracy"] >= scores["current"]["accuracy"]
            and scores["candidate"]["macro_f1"] >= scores["current"]["macro_f1"] - MACRO_F1_TOLERANCE
        )
        if promoted:
            self.promote(version)
        return CandidateReport(version, current, scores["candidate"], scores["current"], promoted)

    # --- helpers --------------------------------------------------------
    def _ensure_root(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root

    def _dir(self, version: str) -> Path:
        d = self.root / version
        if "/" in version or version.startswith(".") or not (d / "model.pkl").is_file():
            raise FileNotFoundError(f"no model version {version!r} in {self.root}")
        return d

    def _history(self) -> list[str]:
        f = self.root / "history.json"
        return json.loads(f.read_text(encoding="utf-8")) if f.is_file() else []

    def _write_atomic(self, name: str, text: str) -> None:
        tmp = self._ensure_root() / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.root / name)


def _fixed_split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    labels = [e.label for e in examples]
    counts = {label: labels.count(label) for label in set(labels)}
    stratify = labels if min(counts.values()) >= 2 else None
    train, valid = train_test_split(examples, test_size=VALIDATION_SHARE, random_state=VALIDATION_SEED, stratify=stratify)
    return list(train), list(valid)


def _tokens_for(texts: list[str], cache: dict[str, list[str]], progress: bool = False) -> list[list[str]]:
    missing = list({t: None for t in texts if t not in cache})
    cache.update(zip(missing, tokenize_all(missing, progress=progress)))
    return [cache[t] for t in texts]


def _fit(examples: list[Example], cache: dict[str, list[str]], progress: bool = False, **params) -> CategoryModel:
    texts = [e.text for e in examples]
    return CategoryModel(**params).fit(texts, _tokens_for(texts, cache, progress), [e.label for e in examples])


def _score(model: CategoryModel, examples: list[Example], cache: dict[str, list[str]]) -> dict:
    texts = [e.text for e in examples]
    y = np.asarray([e.label for e in examples])
    pred = model.predict(texts, _tokens_for(texts, cache))
    return {
        "accuracy": round(float(accuracy_score(y, pred)), 4),
        "macro_f1": round(float(f1_score(y, pred, average="macro")), 4),
        "n": len(y),
    }


def _training_metrics(model: CategoryModel, n_examples: int, n_extra: int) -> dict:
    return {
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "format": MODEL_FORMAT,
        "n_examples": n_examples,
        "n_extra": n_extra,
        "classes": [str(c) for c in model.classes_],
        "threshold": round(model.threshold, 4),
        "inner_cv": model.inner_cv,
    }


def _write_examples(path: Path, examples: Iterable[Example]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        for e in examples:
            w.writerow([e.text, e.label])
