"""Text features for the category model: TF-IDF over three views of a message.

    block  what                                           weight
    chars  character 1- and 2-grams of the whole text      1.0
    words  jieba words (the tokens the service already has) 1.0
    head   character 1- and 2-grams of the first 30 chars   0.7  (the title, in practice)

Each block is sublinear TF x IDF, L2-normalised, then scaled by its weight.
Training fits scikit-learn ``TfidfVectorizer``s; ``transform_one`` then
recomputes the same numbers for a single message with the fitted vocabulary and
IDF, because the vectorizers' per-call overhead would cost more than the rest of
the classification. Character n-grams are looked up as integer keys (code point,
or two code points packed) with numpy ``unique``/``searchsorted``, so no n-gram
string is built per message. A test checks that both paths give the same vector.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import repeat
from operator import add

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

HEAD_CHARS = 30
BLOCK_WEIGHTS = {"chars": 1.0, "words": 1.0, "head": 0.7}


def char_grams(text: str) -> list[str]:
    """Character unigrams and bigrams, in order."""
    return list(text) + list(map(add, text, text[1:]))


def identity(tokens: list[str]) -> list[str]:
    """Analyzer for pre-tokenised input (module level so that it pickles)."""
    return tokens


_BIGRAM = np.uint64(1 << 42)  # above every packed unigram key (code points < 2**21)
_SHIFT = np.uint64(21)


def _gram_key(gram: str) -> int:
    if len(gram) == 1:
        return ord(gram)
    return ((ord(gram[0]) << 21) | ord(gram[1])) + (1 << 42)


def _char_keys(text: str) -> np.ndarray:
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return np.concatenate([cp, ((cp[:-1] << _SHIFT) | cp[1:]) + _BIGRAM])


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

    def lookup_chars(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, counts) of the known character n-grams of text."""
        grams, counts = np.unique(_char_keys(text), return_counts=True)
        pos = np.minimum(np.searchsorted(self.keys, grams), len(self.keys) - 1)
        found = self.keys[pos] == grams
        return self.key_index[pos[found]], counts[found].astype(np.float64)

    def lookup_words(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        c = Counter(tokens)
        # map/fromiter keep the per-word loop in C.
        idx = np.fromiter(map(self.vocab.get, c.keys(), repeat(-1)), dtype=np.int64, count=len(c))
        known = idx >= 0
        return idx[known], np.fromiter(c.values(), dtype=np.float64, count=len(c))[known]


class Featurizer:
    """Fits the three TF-IDF blocks and turns (text, tokens) into one sparse row."""

    def __init__(self, weights: dict[str, float] | None = None, min_df: int = 2) -> None:
        w = {**BLOCK_WEIGHTS, **(weights or {})}
        self.blocks = [
            _Block("chars", TfidfVectorizer(analyzer=char_grams, sublinear_tf=True, min_df=min_df), w["chars"]),
            _Block("words", TfidfVectorizer(analyzer=identity, sublinear_tf=True), w["words"]),
            _Block("head", TfidfVectorizer(analyzer=char_grams, sublinear_tf=True), w["head"]),
        ]
        self.n_features = 0

    @staticmethod
    def _inputs(texts, tokens):
        return {"chars": texts, "words": tokens, "head": [t[:HEAD_CHARS] for t in texts]}

    def fit_transform(self, texts: list[str], tokens: list[list[str]]) -> sp.csr_matrix:
        inputs = self._inputs(texts, tokens)
        parts, offset = [], 0
        for b in self.blocks:
            parts.append(b.vectorizer.fit_transform(inputs[b.name]) * b.weight)
            b.vocab = b.vectorizer.vocabulary_
            b.idf = b.vectorizer.idf_
            if b.name != "words":
                b.index_keys()
            b.offset = offset
            offset += len(b.idf)
        self.n_features = offset
        return sp.hstack(parts, format="csr")

    def transform(self, texts: list[str], tokens: list[list[str]]) -> sp.csr_matrix:
        """The scikit-learn path, for batches."""
        inputs = self._inputs(texts, tokens)
        return sp.hstack([b.vectorizer.transform(inputs[b.name]) * b.weight for b in self.blocks], format="csr")

    def transform_one(self, text: str, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, values) of one message; same numbers as ``transform``."""
        inputs = {"chars": text, "words": tokens, "head": text[:HEAD_CHARS]}
        all_idx, all_val = [], []
        for b in self.blocks:
            if b.name == "words":
                idx, tf = b.lookup_words(inputs["words"])
            else:
                idx, tf = b.lookup_chars(inputs[b.name])
            if len(idx) == 0:
                continue
            val = (np.log(tf) + 1.0) * b.idf[idx]
            val *= b.weight / np.sqrt(val @ val)
            all_idx.append(idx + b.offset)
            all_val.append(val)
        if not all_idx:
            return np.empty(0, dtype=np.int64), np.empty(0)
        return np.concatenate(all_idx), np.concatenate(all_val)
