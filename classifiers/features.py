"""Text features for the category model: TF-IDF over four views of a message.

    block  what                                           weight
    chars  character 1- and 2-grams of the whole text      1.0
    words  jieba words (the tokens the service already has) 1.0
    head   character 1- and 2-grams of the first 30 chars   0.7  (the title, in practice)
    tax    the level-1 categories of the taxonomy terms     0.7
           found in the text (``TaxonomyTerms``)

Each block is sublinear TF x IDF, L2-normalised, then scaled by its weight. The tax block folds
the ~490 level-2/3 names of ``data/taidi2020_label_taxonomy.csv`` ("住房公积金", "噪音污染", ...)
into 15 columns, one per level-1 category: a dense hint worth +1 point of accuracy in nested CV.

Decision a maintainer needs: training fits scikit-learn ``TfidfVectorizer``s, but
``transform_one`` recomputes the same vector for one message by hand (n-grams as integer keys
in one sorted table, ``searchsorted``; taxonomy terms tested only when their first two
characters are among the message's bigrams), because the vectorizers' per-call overhead would
cost more than the rest of the classification. A test checks that both paths give the same
vector. History: ``docs/classifier-experiments.md``.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from itertools import repeat
from operator import add
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

HEAD_CHARS = 30
BLOCK_WEIGHTS = {"chars": 1.0, "words": 1.0, "head": 0.7, "tax": 0.7}
TAXONOMY_CSV = Path(__file__).resolve().parent / "data" / "taidi2020_label_taxonomy.csv"


def char_grams(text: str) -> list[str]:
    """Character unigrams and bigrams, in order."""
    return list(text) + list(map(add, text, text[1:]))


def identity(tokens: list[str]) -> list[str]:
    """Analyzer for pre-tokenised input (module level so that it pickles)."""
    return tokens


def load_taxonomy(path: str | Path = TAXONOMY_CSV) -> dict[str, list[str]]:
    """Each level-2/level-3 name of the taxonomy (2+ characters, not "其他") -> its level-1 categories."""
    terms: dict[str, set[str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            for level in ("level2", "level3"):
                term = (row.get(level) or "").strip()
                if len(term) >= 2 and term != "其他":
                    terms.setdefault(term, set()).add(row["level1"].strip())
    return {t: sorted(c) for t, c in sorted(terms.items())}


class TaxonomyTerms:
    """Analyzer of the tax block: one level-1 category name per taxonomy term found
    in the text (a term of two categories gives both)."""

    def __init__(self, terms: dict[str, list[str]]) -> None:
        self.terms = dict(terms)
        self._prepare()

    def _prepare(self) -> None:
        # Sorted first-bigram keys of the terms (same packing as _char_keys) and,
        # beside them, the terms, so that transform_one tests only candidates.
        items = sorted(((_gram_key(t[:2]), t) for t in self.terms), key=lambda kt: kt[0])
        self.first_keys = np.fromiter((k for k, _ in items), dtype=np.uint64, count=len(items))
        self.by_key = [t for _, t in items]

    def __getstate__(self) -> dict:
        return {"terms": self.terms}

    def __setstate__(self, state: dict) -> None:
        self.terms = state["terms"]
        self._prepare()

    def __call__(self, text: str) -> list[str]:
        return [c for t, cats in self.terms.items() if t in text for c in cats]

    def found(self, text: str, grams: np.ndarray) -> list[str]:
        """``self(text)`` (as a multiset), given the sorted unique n-gram keys of ``text``."""
        if len(grams) == 0:
            return []
        pos = np.searchsorted(grams, self.first_keys)
        pos[pos == len(grams)] = 0
        by_key = self.by_key
        return [c for j in np.flatnonzero(grams[pos] == self.first_keys) if by_key[j] in text
                for c in self.terms[by_key[j]]]


_BIGRAM = np.uint64(1 << 42)  # above every packed unigram key (code points < 2**21)
_HEAD = np.uint64(1 << 43)  # a head-block key: the same key with this bit set
_SHIFT = np.uint64(21)


def _gram_key(gram: str) -> int:
    if len(gram) == 1:
        return ord(gram)
    return ((ord(gram[0]) << 21) | ord(gram[1])) + (1 << 42)


def _char_keys(text: str) -> np.ndarray:
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return np.concatenate([cp, ((cp[:-1] << _SHIFT) | cp[1:]) + _BIGRAM])


def _text_and_head_keys(text: str, head: int) -> np.ndarray:
    """Keys of the whole text's n-grams, then of its first ``head`` characters' (flagged)."""
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    bi = ((cp[:-1] << _SHIFT) | cp[1:]) + _BIGRAM
    return np.concatenate([cp, bi, cp[:head] | _HEAD, bi[:head - 1] | _HEAD])


@dataclass
class _Block:
    name: str
    vectorizer: TfidfVectorizer
    weight: float
    offset: int = 0
    vocab: dict | None = None
    idf: np.ndarray | None = None
    keys: np.ndarray | None = None  # sorted integer keys of a character block's vocabulary
    key_index: np.ndarray | None = None  # column of each key

    def index_keys(self) -> None:
        items = sorted((_gram_key(g), j) for g, j in self.vocab.items())
        self.keys = np.fromiter((k for k, _ in items), dtype=np.uint64, count=len(items))
        self.key_index = np.fromiter((j for _, j in items), dtype=np.int64, count=len(items))

    def lookup_tokens(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        c = Counter(tokens)
        # map/fromiter keep the per-word loop in C.
        idx = np.fromiter(map(self.vocab.get, c.keys(), repeat(-1)), dtype=np.int64, count=len(c))
        known = idx >= 0
        return idx[known], np.fromiter(c.values(), dtype=np.float64, count=len(c))[known]


class Featurizer:
    """Fits the TF-IDF blocks and turns (text, tokens) into one sparse row."""

    def __init__(self, weights: dict[str, float] | None = None, min_df: int = 2,
                 taxonomy: dict[str, list[str]] | None = None) -> None:
        w = {**BLOCK_WEIGHTS, **(weights or {})}
        self.blocks = [
            _Block("chars", TfidfVectorizer(analyzer=char_grams, sublinear_tf=True, min_df=min_df), w["chars"]),
            _Block("words", TfidfVectorizer(analyzer=identity, sublinear_tf=True), w["words"]),
            _Block("head", TfidfVectorizer(analyzer=char_grams, sublinear_tf=True), w["head"]),
        ]
        if w["tax"]:
            terms = load_taxonomy() if taxonomy is None else taxonomy
            if terms:
                self.blocks.append(_Block("tax", TfidfVectorizer(analyzer=TaxonomyTerms(terms), sublinear_tf=True),
                                          w["tax"]))
        self.n_features = 0

    @staticmethod
    def _inputs(texts, tokens):
        return {"chars": texts, "words": tokens, "head": [t[:HEAD_CHARS] for t in texts], "tax": texts}

    def fit_transform(self, texts: list[str], tokens: list[list[str]]) -> sp.csr_matrix:
        inputs = self._inputs(texts, tokens)
        parts, offset, kept = [], 0, []
        for b in self.blocks:
            try:
                X = b.vectorizer.fit_transform(inputs[b.name])
            except ValueError:  # empty vocabulary: no taxonomy term in any training text
                if b.name != "tax":
                    raise
                continue
            parts.append(X * b.weight)
            b.vocab = b.vectorizer.vocabulary_
            b.idf = b.vectorizer.idf_
            if b.name in ("chars", "head"):
                b.index_keys()
            b.offset = offset
            offset += len(b.idf)
            kept.append(b)
        self.blocks = kept
        self.n_features = offset
        self._index()
        return sp.hstack(parts, format="csr")

    def transform(self, texts: list[str], tokens: list[list[str]]) -> sp.csr_matrix:
        """The scikit-learn path, for batches."""
        inputs = self._inputs(texts, tokens)
        return sp.hstack([b.vectorizer.transform(inputs[b.name]) * b.weight for b in self.blocks], format="csr")

    def _index(self) -> None:
        """One sorted key table for the character blocks, and per-column idf/block arrays."""
        keys, cols = [], []
        for b in self.blocks:
            if b.name not in ("chars", "head"):
                continue
            flag = _HEAD if b.name == "head" else np.uint64(0)
            keys.append(b.keys | flag)
            cols.append(b.key_index + b.offset)
        keys, cols = np.concatenate(keys), np.concatenate(cols)
        order = np.argsort(keys, kind="stable")
        self._keys, self._cols = keys[order], cols[order]
        self._idf = np.concatenate([b.idf for b in self.blocks])
        self._block = np.concatenate([np.full(len(b.idf), i, dtype=np.intp) for i, b in enumerate(self.blocks)])
        self._weights = np.array([b.weight for b in self.blocks])
        self._words = next(b for b in self.blocks if b.name == "words")
        self._tax = next((b for b in self.blocks if b.name == "tax"), None)
        heads = [b for b in self.blocks if b.name == "head"]
        self._head_chars = HEAD_CHARS if heads else 0

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.n_features:
            self._index()

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items()
                if k not in ("_keys", "_cols", "_idf", "_block", "_weights", "_words", "_tax", "_head_chars")}

    def transform_one(self, text: str, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, values) of one message; same numbers as ``transform``."""
        if not hasattr(self, "_keys"):
            self._index()
        keys = _text_and_head_keys(text, self._head_chars) if self._head_chars else _char_keys(text)
        grams, counts = np.unique(keys, return_counts=True)
        pos = np.searchsorted(self._keys, grams)
        pos[pos == len(self._keys)] = 0
        found = self._keys[pos] == grams
        widx, wtf = self._words.lookup_tokens(tokens)
        idx = [self._cols[pos[found]], widx + self._words.offset]
        tf = [counts[found], wtf]
        if self._tax is not None:
            cats = self._tax.vectorizer.analyzer.found(text, grams)
            if cats:
                tidx, ttf = self._tax.lookup_tokens(cats)
                idx.append(tidx + self._tax.offset)
                tf.append(ttf)
        idx, tf = np.concatenate(idx), np.concatenate(tf)
        if len(idx) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        val = (np.log(tf) + 1.0) * self._idf[idx]
        block = self._block[idx]
        norm = np.sqrt(np.bincount(block, weights=val * val, minlength=len(self.blocks)))
        val *= (self._weights / np.where(norm > 0, norm, 1.0))[block]
        return idx, val
