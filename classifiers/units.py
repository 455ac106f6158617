"""Which unit handles a message, learned from answered history: the label routing needs.

A closed order (or an answered mailbox letter) says which body handled it; `answering.Handler`
reads that as a level (county, city department, the platform itself), a county and a department
type. Three small models learn from such rows, on character 2–3-grams of the title and the first
`BODY_CHARS` characters of the body (no tokenisation: place and unit names are short, fixed
strings, and jieba's cost stays with the category model):

    level    territorial | city | platform       logistic regression, + three features of the
                                                 county vote (`vote_features`)
    county   county code (territorial rows)      logistic regression: the streets, compounds and
                                                 bodies of each county that its letters name
    type     department type                     logistic regression on every row that names a
                                                 type (a county department's too), plus weak
                                                 labels: official replies that name a bureau

`UnitModel.scores` turns them into one distribution over the places an order can go:
``county:<code>`` (hand to that county's platform), ``dept:<type>`` (a city department) and
``platform`` (stays with the city's dispatchers), where

    P(county c) = P(territorial) x (s x vote share(c) + (1 - s) x P_county(c)),  s = vote strength
    P(dept d)   = P(city) x P_type(d)
    P(platform) = P(platform)

so a place the text names outright decides the county, and the learned county model speaks only
where the text names none. Decisions come from `classifiers.decide`.

`UnitModel.doubt` is the city's own bound for handing a named county over without a dispatcher
(cross-fitted on its history, `dispatch_bound`); why not a fixed one: docs/routing.md.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from classifiers.answering import AnswerReader
from classifiers.divisions import urban_district
from classifiers.evidence import CountyVote

_WHITE = re.compile(r"\s\s+")
BODY_CHARS = 300
SEED = 7
UNIT_MODEL_VERSION = "units-5"     # bump when features or models change: cached models retrain
WEAK_LABELS_CSV = Path(__file__).resolve().parent / "data" / "weak_unit_labels.csv"
WEAK_WEIGHT = 0.5          # a reply naming a bureau is weaker evidence than a real answer
REPLY_CHARS = 150          # where a reply says who handled the matter
TARGET_WRONG = 0.03       # share of wrong hand-overs the dispatch bound allows (cross-fitted)
DOUBT_FOLDS = 4
NAMED_SHARE, NAMED_STRENGTH = 0.6, 0.75     # a county the text names outright (decide's rule 3)
TIE = 1e-6                 # weight of the learned county model where the vote alone decides


@dataclass(frozen=True)
class Example:
    title: str
    body: str
    level: str                      # territorial | city | platform
    county: str | None = None
    dept_type: str | None = None
    weight: float = 1.0


def unit_text(title: str, body: str) -> str:
    return f"{title or ''}。{(body or '')[:BODY_CHARS]}"


def vote_features(vote: CountyVote) -> list[float]:
    """The level head's view of the county vote: how clearly a county is named, whether only
    places outside the city are, and the first again when that county is a city district
    (city departments answer much of what happens there, little of what happens in a 县)."""
    best, share, strength = vote.best()
    return [share * strength, float(vote.outside), share * strength * urban_district(best)]


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char", ngram_range=(2, 3), min_df=2, sublinear_tf=True,
                           max_features=60000, dtype=np.float32)


def _lr(alpha: float = 1e-4) -> SGDClassifier:
    """Logistic regression by SGD: a second to fit where lbfgs took half a minute (27 types)."""
    return SGDClassifier(loss="log_loss", alpha=alpha, max_iter=30, tol=None,
                         class_weight="balanced", random_state=SEED)


class UnitModel:
    """Level, county and department type of a message's handling unit."""

    def fit(self, examples: list[Example], votes: list[CountyVote]) -> "UnitModel":
        texts = [unit_text(e.title, e.body) for e in examples]
        self.vectorizer = _vectorizer().fit(texts)
        X = self.vectorizer.transform(texts)
        weights = np.array([e.weight for e in examples])
        lvl = [i for i, e in enumerate(examples) if e.level != "weak"]
        Xl = hstack([X[lvl], csr_matrix([vote_features(votes[i]) for i in lvl])]).tocsr()
        self.level = _lr().fit(Xl, [examples[i].level for i in lvl], sample_weight=weights[lvl])
        self.doubt = dispatch_bound(Xl, [examples[i] for i in lvl], [votes[i] for i in lvl],
                                    weights[lvl])
        cty = [i for i, e in enumerate(examples) if e.level == "territorial" and e.county]
        self.county = _lr().fit(X[cty], [examples[i].county for i in cty]) \
            if len({examples[i].county for i in cty}) > 1 else None
        self._only_county = examples[cty[0]].county if cty and self.county is None else None
        typ = [i for i, e in enumerate(examples) if e.dept_type]
        self.type = _lr().fit(X[typ], [examples[i].dept_type for i in typ],
                                 sample_weight=weights[typ])
        self._compile()
        return self

    def _compile(self) -> None:
        self._features = _Features(self.vectorizer)
        self._heads = {name: _Head(m) for name, m in
                       (("level", self.level), ("county", self.county), ("type", self.type)) if m}

    def scores(self, title: str, body: str, vote: CountyVote) -> dict[str, float]:
        """Probability of each destination (``county:<code>``, ``dept:<type>``, ``platform``)."""
        idx, vals = self._features.one(unit_text(title, body))
        lv = dict(zip(self.level.classes_,
                      self._heads["level"].proba_one(idx, vals, vote_features(vote))))
        if self.county is not None:
            learned = dict(zip(self.county.classes_, self._heads["county"].proba_one(idx, vals)))
        else:
            learned = {self._only_county: 1.0}
        share = vote.distribution()
        _, _, s = vote.best()
        # the learned county model also breaks exact ties of the vote (two counties with a
        # 城关街道 each), which would otherwise fall to the order of a set
        d = {f"county:{c}": lv.get("territorial", 0.0) *
             (s * share.get(c, 0.0) + (1 - s + TIE) * learned.get(c, 0.0))
             for c in sorted(set(share) | set(learned))}
        p_type = self._heads["type"].proba_one(idx, vals)
        d.update({f"dept:{t}": lv.get("city", 0.0) * p for t, p in zip(self.type.classes_, p_type)})
        d["platform"] = lv.get("platform", 0.0)
        return d

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._compile()

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_features", "_heads")}


class _Features:
    """The fitted vectorizer's transform of one text in plain Python and numpy: sklearn's
    per-call checks and sparse matrices cost more than the counting (a decision took 3-4 ms)."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vocabulary = vectorizer.vocabulary_
        self.idf = vectorizer.idf_.astype(np.float64)
        self.lo, self.hi = vectorizer.ngram_range

    def one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, tf-idf values): sublinear tf, idf, L2 norm, as the vectorizer."""
        text = _WHITE.sub(" ", text.lower())           # sklearn's char analyzer does the same
        get = self.vocabulary.get
        found = [j for n in range(self.lo, self.hi + 1)
                 for j in map(get, [text[i:i + n] for i in range(len(text) - n + 1)])
                 if j is not None]
        idx, counts = np.unique(np.fromiter(found, dtype=np.intp, count=len(found)),
                                return_counts=True)
        vals = 1.0 + np.log(counts.astype(np.float64))
        vals *= self.idf[idx]
        norm = float(np.sqrt(vals @ vals))
        return idx, (vals / norm if norm else vals)


class _Head:
    """A fitted linear classifier's ``predict_proba`` (one-vs-rest, normalised, as sklearn's
    SGD log-loss) without sklearn's per-call checks and its copy of the transposed weights:
    18 ms a decision, most of it copying 27 x 50,000 weights, became well under one."""

    def __init__(self, model: SGDClassifier) -> None:
        self.W = np.ascontiguousarray(model.coef_.T, dtype=np.float64)
        self.b = model.intercept_.astype(np.float64)
        self.binary = len(model.classes_) == 2

    def proba_one(self, idx: np.ndarray, vals: np.ndarray, extra: list[float] | None = None) -> np.ndarray:
        z = vals @ self.W[idx] + self.b
        if extra:
            z = z + np.asarray(extra) @ self.W[-len(extra):]
        p = 1.0 / (1.0 + np.exp(-z))
        if self.binary:
            return np.array([1 - p[0], p[0]])
        return p / p.sum()


def named_county(vote: CountyVote) -> str | None:
    """The county a text names outright (enough of the votes, a strong mention), else None."""
    best, share, strength = vote.best()
    return best if best and share >= NAMED_SHARE and strength >= NAMED_STRENGTH else None


def dispatch_bound(X, examples: list[Example], votes: list[CountyVote], weights,
                   target: float = TARGET_WRONG, folds: int = DOUBT_FOLDS) -> float:
    """The highest P(city department) under which handing a named county over without a
    dispatcher was wrong at most `target` of the time, out of fold over these examples.

    Only rows whose answering body is known count (the platform's own answers have no unit to
    be right about), and a bound must cover at least 1 / target of them (a share of 3 % needs
    34 rows to mean anything); 0.0 (never without a dispatcher) when no bound keeps the target."""
    levels = np.array([e.level for e in examples])
    rows = [i for i, v in enumerate(votes) if named_county(v) and levels[i] != "platform"]
    if len(rows) < 4 * folds or len(set(levels)) < 2:
        return 0.0
    p_city = np.zeros(len(examples))
    order = np.random.default_rng(SEED).permutation(len(examples))
    for k in range(folds):
        held = order[k::folds]
        train = np.setdiff1d(order, held)
        if len(set(levels[train])) < len(set(levels)):
            return 0.0
        head = _lr().fit(X[train], levels[train], sample_weight=weights[train])
        classes = list(head.classes_)
        p_city[held] = head.predict_proba(X[held])[:, classes.index("city")] if "city" in classes else 0.0
    right = {i: examples[i].level == "territorial" and examples[i].county == named_county(votes[i])
             for i in rows}
    ranked = sorted(rows, key=lambda i: p_city[i])
    bound, wrong = 0.0, 0
    for n, i in enumerate(ranked, 1):
        wrong += not right[i]
        last_of_tie = n == len(ranked) or p_city[ranked[n]] > p_city[i]
        if last_of_tie and n * target >= 1 and wrong <= n * target:
            bound = float(p_city[i]) + 1e-9
    return bound


def history_examples(path: str | Path, reader: AnswerReader) -> list[Example]:
    """Answered history (``title,text,answered_by``): one example per row the reader can read."""
    out = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            h = reader.read(r.get("answered_by") or "")
            if h is not None:
                level = "territorial" if h.level == "county" else h.level
                out.append(Example(r.get("title") or "", r.get("text") or "", level, h.county,
                                   h.dept_type))
    return out


def weak_examples(path: str | Path = WEAK_LABELS_CSV) -> list[Example]:
    """Department types that official replies name (``title,text,dept_type``): types only."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [Example(r["title"], r["text"], "weak", None, r["dept_type"], WEAK_WEIGHT)
                for r in csv.DictReader(fh) if r.get("dept_type")]


def reply_dept_type(reply: str, names: list[tuple[str, str]]) -> str | None:
    """The type of the first bureau a reply names in its opening (names: (name, type), >= 3
    characters, so that 我局 or a bare 局 never counts)."""
    head = (reply or "")[:REPLY_CHARS]
    hits = [(head.find(n), -len(n), t) for n, t in names if len(n) >= 3 and n in head]
    return min(hits)[2] if hits else None
