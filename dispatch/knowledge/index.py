"""BM25 ranking over jieba tokens: pure, in memory, rebuilt whole whenever the entries change.

The knowledge base is small (hundreds to a few thousand entries), so a full rebuild on change is
cheaper to reason about than incremental updates, and a search is a dictionary walk.

A shared word is not yet relevance: a citizen's long message shares 问题, 部门, 处理 or 办理 with
many entries, and the operator was offered answers that had nothing to do with it. BM25 ranks;
an entry is offered only when it is relevant (``Bm25Index.relevant``): the text names one of its
keywords (every word of it; a keyword made only of words that many entries' questions use, such
as 办理, does not count), or its question and keywords cover at least half of what the text says
(by idf weight, single characters left out; a word the knowledge base never uses weighs most) --
which short searches such as "退休" or "驾照到期" meet and long unrelated messages do not.
"""
from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import jieba

# words that say nothing about what the caller wants to know
STOPWORDS = frozenset("""
的 了 吗 呢 吧 啊 呀 和 与 及 或 在 是 有 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 哪 哪里 什么
怎么 怎么样 怎样 如何 请问 问 一下 想 要 能 能否 可以 可否 需要 应该 是否 会 就 都 也 还 又 再 很 太
么 嘛 啦 哦 请 您 好 谢谢 家里 一个 个 去 到 给 把 被 让 对 从 向 为 为了 关于 如果 然后 现在 已经
""".split())
_WORD = re.compile(r"[\w\u4e00-\u9fff]")
MIN_COVERAGE = 0.5      # share of the text's weight an entry's question and keywords must cover
COMMON_SHARE = 0.1      # a word in more than this share of the entries' heads (and in > 3) is common

_lock = threading.Lock()
_jieba: jieba.Tokenizer | None = None


def _tokenizer() -> jieba.Tokenizer:
    """A dedicated jieba tokenizer (its global one is shared with other code), built once."""
    global _jieba
    with _lock:
        if _jieba is None:
            tk = jieba.Tokenizer()
            tk.initialize()
            _jieba = tk
        return _jieba


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens, lower-cased, without punctuation and stop words."""
    words = _tokenizer().lcut_for_search(text or "")
    return [w.lower() for w in (w.strip() for w in words)
            if w and _WORD.search(w) and w not in STOPWORDS]


@dataclass(frozen=True)
class Document:
    id: int
    question: str
    keywords: tuple[str, ...]
    answer: str

    def head(self) -> list[str]:
        """The tokens of what the entry is about: its question and its keywords."""
        return tokenize(self.question) + [t for k in self.keywords for t in tokenize(k)]

    def tokens(self) -> list[str]:
        # the question and the keywords say what the entry is about; they weigh twice the answer
        return self.head() * 2 + tokenize(self.answer)


class Bm25Index:
    """Okapi BM25 (k1, b) with the non-negative idf variant log(1 + (N - df + .5) / (df + .5))."""

    def __init__(self, docs: Iterable[Document], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        docs = list(docs)
        self._tf: dict[int, Counter[str]] = {d.id: Counter(d.tokens()) for d in docs}
        self._head = {d.id: frozenset(d.head()) for d in docs}
        self._keywords = {d.id: [frozenset(tokenize(k)) for k in d.keywords] for d in docs}
        self._len = {i: sum(tf.values()) for i, tf in self._tf.items()}
        n = len(self._tf)
        self._avg = (sum(self._len.values()) / n) if n else 0.0
        df: Counter[str] = Counter()
        for tf in self._tf.values():
            df.update(tf.keys())
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        head_df = Counter(t for head in self._head.values() for t in head)
        self._common = frozenset(t for t, f in head_df.items() if f > max(3, COMMON_SHARE * n))
        self._postings: dict[str, list[int]] = {}
        for i, tf in self._tf.items():
            for t in tf:
                self._postings.setdefault(t, []).append(i)

    def __len__(self) -> int:
        return len(self._tf)

    def relevant(self, doc_id: int, terms: set[str]) -> bool:
        """Whether the entry answers a text of these tokens (the module's docstring says how)."""
        if any(kw and kw <= terms and not kw <= self._common for kw in self._keywords[doc_id]):
            return True
        words = [t for t in terms if len(t) > 1]
        weight = {t: self._idf.get(t, self._unseen_idf) for t in words}
        covered = sum(w for t, w in weight.items() if t in self._head[doc_id])
        return covered > 0 and covered >= MIN_COVERAGE * sum(weight.values())

    def search(self, query: str, *, limit: int = 10) -> list[tuple[int, float]]:
        """(document id, score) best first, of the relevant documents only."""
        terms = set(tokenize(query))
        scores: dict[int, float] = {}
        for t in terms:
            idf = self._idf.get(t)
            if idf is None:
                continue
            for i in self._postings[t]:
                f = self._tf[i][t]
                norm = self.k1 * (1 - self.b + self.b * self._len[i] / self._avg)
                scores[i] = scores.get(i, 0.0) + idf * f * (self.k1 + 1) / (f + norm)
        ranked = sorted(((i, s) for i, s in scores.items() if self.relevant(i, terms)),
                        key=lambda kv: (-kv[1], kv[0]))
        return [(i, round(s, 4)) for i, s in ranked[:limit]]
