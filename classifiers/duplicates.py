"""Duplicate reports (并单): is a new message the same matter as an earlier order?

Pure: no database, no clock (times are arguments). The score of a pair is

    score = similarity + place + caller - age            (then clipped to 0..1)

- ``similarity``: cosine of the two texts' TF-IDF vectors over character 2- and 3-grams
  (hashed, so a place or shop name never seen before still counts; the IDF is learnt once from
  the shipped messages, so "小区" or "反映" weigh little and a street's name or "渣土车" a lot).
  Characters, not jieba words, because re-reports are re-typed by other people: a word split
  differently still shares most of its character pairs.
- ``place``: same village +0.15, same township +0.08, same county or unknown 0, a different
  county -0.30 (two real places cannot be the same matter).
- ``caller``: the same phone +0.15 (people call again about the same thing).
- ``age``: 0 for the first 3 days apart, then growing linearly to 0.10 at the end of the
  30-day window; older pairs are not compared at all.

A pair is a duplicate when ``score >= threshold`` (0.35) **and** ``similarity >= 0.20``, so
that the same caller or the same village alone never makes two different matters one. The
figures come from ``bench/eval_duplicates.py`` (a labelled evaluation built from the real
messages; it prints precision, recall and F1 at this threshold and a table of others).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

DATA_DIR = Path(__file__).resolve().parent / "data"
REFERENCE_CSV = DATA_DIR / "taidi2020_train.csv"
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
MAX_CHARS = 600


@dataclass(frozen=True)
class Weights:
    """The documented score; change a figure here and rerun bench/eval_duplicates.py."""
    same_village: float = 0.15
    same_township: float = 0.08
    other_county: float = -0.30
    same_caller: float = 0.15
    fresh_days: float = 3.0
    window_days: float = 30.0
    max_age_penalty: float = 0.10
    min_similarity: float = 0.20
    threshold: float = 0.35


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Report:
    """One message as the scorer sees it (an order, or a call being logged)."""
    id: int | None
    text: str
    at: datetime
    division_code: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Match:
    """A candidate scored against the new report, with the parts of its score."""
    id: int | None
    score: float
    similarity: float
    place: str                 # village | township | county | other | unknown
    same_caller: bool
    days_apart: float
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"id": self.id, "score": round(self.score, 3),
                "similarity": round(self.similarity, 3), "place": self.place,
                "same_caller": self.same_caller, "days_apart": round(self.days_apart, 1),
                "reasons": list(self.reasons)}


def normalise(text: str) -> str:
    """Lower case, without spaces and punctuation (they differ between re-typings), and only the
    first ``MAX_CHARS``: hashing is most of a lookup's time, and a 5,000-character letter would
    cost ten ordinary messages. (Cutting at 160 lost a fifth of the recall: re-reports often
    retell the middle of the first report.)"""
    return _NOISE.sub("", (text or "").lower())[:MAX_CHARS]


def place_relation(a: str | None, b: str | None) -> str:
    """How close two division codes are: county 6 digits, township 9, village 12."""
    if not a or not b:
        return "unknown"
    if a[:6] != b[:6]:
        return "other"
    if len(a) >= 12 and len(b) >= 12 and a[:12] == b[:12]:
        return "village"
    if len(a) >= 9 and len(b) >= 9 and a[:9] == b[:9]:
        return "township"
    return "county"


def age_penalty(days: float, w: Weights = DEFAULT_WEIGHTS) -> float:
    """0 while fresh, then linear up to ``max_age_penalty`` at the window's end."""
    if days <= w.fresh_days:
        return 0.0
    span = max(w.window_days - w.fresh_days, 1e-9)
    return w.max_age_penalty * min(1.0, (days - w.fresh_days) / span)


def combine(similarity: float, place: str, same_caller: bool, days: float,
            w: Weights = DEFAULT_WEIGHTS) -> float:
    """The score of one pair from its parts (see the module docstring)."""
    bonus = {"village": w.same_village, "township": w.same_township,
             "other": w.other_county}.get(place, 0.0)
    raw = similarity + bonus + (w.same_caller if same_caller else 0.0) - age_penalty(days, w)
    return float(min(1.0, max(0.0, raw)))


def is_duplicate(m: Match, w: Weights = DEFAULT_WEIGHTS) -> bool:
    return m.score >= w.threshold and m.similarity >= w.min_similarity


class TextSimilarity:
    """Cosine similarity of character 2-3-gram TF-IDF vectors; thread-safe once built."""

    def __init__(self, reference: Iterable[str] = ()) -> None:
        self._hasher = HashingVectorizer(analyzer="char", ngram_range=(2, 3), n_features=2 ** 20,
                                         alternate_sign=False, norm=None, preprocessor=normalise)
        self._idf = TfidfTransformer(sublinear_tf=True)
        texts = list(reference) or [""]
        self._idf.fit(self._hasher.transform(texts))

    def vectors(self, texts: Sequence[str]) -> csr_matrix:
        """L2-normalised rows, one per text."""
        return self._idf.transform(self._hasher.transform(list(texts)))

    def similarities(self, query: str, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        m = self.vectors([query, *texts])
        return (m[1:] @ m[0].T).toarray().ravel()


def _days(a: datetime, b: datetime) -> float:
    return abs((a - b).total_seconds()) / 86400.0


def _reasons(m_place: str, same_caller: bool, similarity: float) -> list[str]:
    out = [f"text {similarity:.2f}"]
    if m_place in ("village", "township", "county"):
        out.append(f"same {m_place}")
    if same_caller:
        out.append("same caller")
    return out


def score_all(new: Report, candidates: Sequence[Report], sim: TextSimilarity,
              w: Weights = DEFAULT_WEIGHTS) -> list[Match]:
    """Every candidate inside the time window scored against ``new`` (itself excluded)."""
    pool = [c for c in candidates
            if (new.id is None or c.id != new.id) and _days(new.at, c.at) <= w.window_days]
    sims = sim.similarities(new.text, [c.text for c in pool])
    out = []
    for c, s in zip(pool, sims):
        s = float(s)
        place = place_relation(new.division_code, c.division_code)
        caller = bool(new.phone) and new.phone == c.phone
        days = _days(new.at, c.at)
        out.append(Match(id=c.id, score=combine(s, place, caller, days, w), similarity=s,
                         place=place, same_caller=caller, days_apart=days,
                         reasons=_reasons(place, caller, s)))
    return out


def find(new: Report, candidates: Sequence[Report], sim: TextSimilarity,
         w: Weights = DEFAULT_WEIGHTS, limit: int = 5) -> list[Match]:
    """The likely duplicates of ``new``, best first, at most ``limit``."""
    found = [m for m in score_all(new, candidates, sim, w) if is_duplicate(m, w)]
    return sorted(found, key=lambda m: (-m.score, m.days_apart))[:limit]


def reference_texts(path: Path = REFERENCE_CSV) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [row["text"] for row in csv.DictReader(fh) if row.get("text")]


@lru_cache(maxsize=1)
def get_similarity() -> TextSimilarity:
    """The shared scorer, its IDF learnt from the shipped messages on first use."""
    return TextSimilarity(reference_texts())
