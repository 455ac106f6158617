"""Public entry point: classify a citizen message for dispatch.

    from classifiers.service import get_classifier
    result = get_classifier().classify("城关街道新华社区停水两天了", address=None)
    result.category, result.auto, result.urgency, result.place, result.to_dict()

One message is tokenised once (``CategoryModel.tokens``: its first 150 characters,
without jieba's HMM); the tokens feed the category features, while the
keyword rules and the place gazetteer scan the raw text (they are cheaper than
tokenising). ``auto`` only says the category is confident enough to dispatch
without a human; an ``emergency`` value asks the caller to hand the message over
to 110/119/120 whatever the category.
"""

from __future__ import annotations

import logging
import pickle
import threading
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from classifiers.divisions import default_divisions_csv
from classifiers.model_store import ModelBundle, ModelStore
from classifiers.place import Gazetteer, PlaceMatch, get_gazetteer
from classifiers.rules import RequestType, Rules, RuleResult, Urgency, default_rules
from classifiers.tokenizer import Tokenizer, get_tokenizer

TOP_K = 3
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Classification:
    """Everything the dispatch core needs to route one message."""

    category: str | None  # one of the model's labels; None for an empty message
    confidence: float  # calibrated top-1 probability
    top: list[tuple[str, float]]  # top-3 (label, probability)
    auto: bool  # the model's dispatch confidence >= its auto-dispatch threshold
    request_type: str  # RequestType code
    urgency: str  # Urgency code
    emergency: str | None  # "110" | "119" | "120" | None
    place: PlaceMatch | None  # None when unresolved
    model_version: str
    place_status: str = field(default="not_found")  # resolved | ambiguous | not_found

    def to_dict(self) -> dict:
        return {
            "category": self.category,
            "confidence": round(self.confidence, 4),
            "top": [[label, round(p, 4)] for label, p in self.top],
            "auto": self.auto,
            "request_type": str(self.request_type),
            "urgency": str(self.urgency),
            "emergency": None if self.emergency is None else str(self.emergency),
            "place": self.place.to_dict() if self.place else None,
            "place_status": self.place_status,
            "model_version": self.model_version,
        }


class Classifier:
    """Category model + rules + gazetteer behind one call; safe to share between threads."""

    def __init__(self, bundle: ModelBundle, gazetteer: Gazetteer, tokenizer: Tokenizer | None = None,
                 rules: Rules | None = None) -> None:
        self.bundle = bundle
        self.model = bundle.model
        self.gazetteer = gazetteer
        self.tokenizer = tokenizer or get_tokenizer()
        self.rules = rules or default_rules()
        self.classes = [str(c) for c in self.model.classes_]

    @property
    def model_version(self) -> str:
        return self.bundle.version

    @property
    def threshold(self) -> float:
        return self.model.threshold

    def classify(self, text: str, *, address: str | None = None, division_code: str | None = None) -> Classification:
        """Category, request type, urgency, emergency and place of one message."""
        text = text or ""
        if not text.strip():
            return self._assemble(None, self.rules.apply(""), self._place(text, address, division_code))
        proba = self.model.proba_one(text, self.model.tokens(self.tokenizer, text))
        return self._assemble(proba, self.rules.apply(text), self._place(text, address, division_code))

    def classify_many(self, texts: Iterable[str], *, addresses: Sequence[str | None] | None = None,
                      division_codes: Sequence[str | None] | None = None) -> list[Classification]:
        """``classify`` for a batch (the routing job's groups): every text tokenised, then one
        sparse matrix and one product for all (``CategoryModel.proba_many``); the same
        decisions as one ``classify`` per text."""
        texts = [t or "" for t in texts]
        addresses = addresses or [None] * len(texts)
        division_codes = division_codes or [None] * len(texts)
        keep = [i for i, t in enumerate(texts) if t.strip()]
        probas: dict[int, np.ndarray] = {}
        if keep:
            batch = [texts[i] for i in keep]
            p = self.model.proba_many(batch, [self.model.tokens(self.tokenizer, t) for t in batch])
            probas = dict(zip(keep, p))
        return [
            self._assemble(probas.get(i), self.rules.apply(t), self._place(t, a, d))
            for i, (t, a, d) in enumerate(zip(texts, addresses, division_codes))
        ]

    def _place(self, text: str, address: str | None, division_code: str | None):
        if division_code:
            result = self.gazetteer.resolve_code(division_code)
            if result.resolved:
                return result
        if address:
            result = self.gazetteer.resolve(address)
            if result.resolved:
                return result
        return self.gazetteer.resolve(text)

    def _assemble(self, proba: np.ndarray | None, rules: RuleResult, place) -> Classification:
        if proba is None:
            category, confidence, top, auto = None, 0.0, [], False
        else:
            order = np.argsort(-proba)[:TOP_K]
            top = [(self.classes[i], float(proba[i])) for i in order]
            category, confidence = top[0]
            # The threshold is on the dispatch confidence (top probability and its lead
            # over the second), not on the top probability shown as ``confidence``.
            auto = self.model.dispatch_confidence(proba) >= self.model.threshold
        return Classification(
            category=category,
            confidence=confidence,
            top=top,
            auto=bool(auto),
            request_type=RequestType(rules.request_type).value,
            urgency=Urgency(rules.urgency).value,
            emergency=None if rules.emergency is None else rules.emergency.value,
            place=place.match,
            model_version=self.bundle.version,
            place_status=place.status,
        )


_CACHE: dict[tuple[str, str], tuple[Classifier, tuple[int, int] | None]] = {}
_CACHE_LOCK = threading.Lock()


def get_classifier(model_dir: str | Path | None = None, divisions_csv: str | Path | None = None) -> Classifier:
    """A shared Classifier per (model_dir, divisions_csv); trains a model on first use if none is stored.

    Each call stats the store's CURRENT pointer (one system call): after a promotion or a
    rollback, by this process or any other sharing the directory, the next call loads the
    version now current.
    """
    key = _key(model_dir, divisions_csv)
    store = ModelStore(key[0])
    marker = store.current_marker()
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and (cached[1] == marker or marker is None):
            return cached[0]
        if cached is None:
            bundle = store.load_or_train()
            tokenizer = get_tokenizer()
            tokenizer.warm_up()
            clf = Classifier(bundle, get_gazetteer(Path(key[1])), tokenizer)
        elif store.current_version() != cached[0].model_version:
            clf = _reloaded(store, cached[0])
        else:
            clf = cached[0]
        _CACHE[key] = (clf, store.current_marker())
        return clf


@lru_cache(maxsize=64)
def _key(model_dir: str | Path | None, divisions_csv: str | Path | None) -> tuple[str, str]:
    """Resolved paths of the arguments (resolving costs a system call per path component)."""
    root = ModelStore(model_dir).root
    divisions = Path(divisions_csv) if divisions_csv is not None else default_divisions_csv()
    return str(root.resolve()), str(divisions.resolve())


def _reloaded(store: ModelStore, old: Classifier) -> Classifier:
    """The same classifier with the store's current model; the old one if it cannot be read."""
    try:
        bundle = store.load()
    except (OSError, TypeError, pickle.UnpicklingError):
        log.exception("could not load the current model of %s; keeping %s", store.root, old.model_version)
        return old
    log.info("category model %s replaces %s", bundle.version, old.model_version)
    return Classifier(bundle, old.gazetteer, old.tokenizer, old.rules)


def reset_cache() -> None:
    """Forget cached classifiers (tests)."""
    with _CACHE_LOCK:
        _CACHE.clear()
