"""Hot topics (热点诉求): the clusters of the last days' orders, their keywords, size and places.

Pure: the caller passes the documents (already tokenised with jieba) of the current window and
of the window before it. Steps:

1. TF-IDF over the words of the current window (stop words, numbers and one-character words
   dropped), rows L2-normalised.
2. Agglomerative clustering, average linkage on cosine distance, cut at ``distance`` (0.85):
   two orders join when their words overlap clearly, however many topics there are (no k to
   choose). Clusters smaller than ``min_size`` (3) are not topics.
3. Keywords per cluster by class-based TF-IDF (c-TF-IDF): a word's frequency inside the
   cluster times log(1 + average cluster size / the word's frequency in all clusters), so a
   word every cluster uses ("小区") ranks below the word that sets this one apart ("停水").
4. Places: the townships (first 9 digits of the division code) most of its orders come from.
5. Growth: orders of the previous window as close to the cluster's centroid as its own members
   are (cosine >= 1 - ``distance``); ``emerging`` when the topic at least doubled (or is new).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

STOPWORDS = frozenset("""
反映 希望 问题 我们 你们 他们 请问 请求 要求 相关 部门 领导 政府 情况 现在 目前 已经 一直 没有 什么
怎么 为什么 这个 那个 这些 那些 因为 所以 但是 而且 如果 可以 能够 进行 通过 关于 对于 以及 还是
就是 不是 自己 大家 非常 严重 尽快 解决 处理 时间 今年 去年 市民 群众 百姓 老百姓 您好 谢谢 感谢
尊敬 领导 工作 有关 相关部门 存在 影响 一个 一些 多次 很多 每天 晚上 至今 还有 的话 这样 那样
""".split())


@dataclass(frozen=True)
class Doc:
    id: int
    tokens: Sequence[str]
    at: datetime
    division_code: str | None = None


@dataclass
class Topic:
    keywords: list[str]
    size: int
    previous: int                      # similar orders in the window before
    growth: float                      # size / max(previous, 1)
    emerging: bool
    places: list[tuple[str, int]]      # (township code, orders), most first
    order_ids: list[int] = field(default_factory=list)
    first_at: datetime | None = None
    last_at: datetime | None = None


@dataclass(frozen=True)
class Settings:
    distance: float = 0.85
    min_size: int = 3
    keywords: int = 5
    places: int = 3
    top: int = 10
    max_docs: int = 3000               # the newest ones, to bound the O(n^2) clustering


def words(tokens: Sequence[str]) -> list[str]:
    """The words that can make a topic: no stop words, numbers, punctuation or single characters."""
    return [t for t in tokens
            if len(t) >= 2 and t not in STOPWORDS and not t.isdigit() and any(
                "\u4e00" <= ch <= "\u9fff" or ch.isalpha() for ch in t)]


def ctfidf_keywords(counts: list[Counter], n: int) -> list[list[str]]:
    """Top ``n`` words of each cluster by class-based TF-IDF."""
    total: Counter = Counter()
    for c in counts:
        total.update(c)
    avg = sum(sum(c.values()) for c in counts) / max(len(counts), 1)
    out = []
    for c in counts:
        size = sum(c.values()) or 1
        scored = {w: (f / size) * math.log(1 + avg / total[w]) for w, f in c.items()}
        out.append([w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:n]])
    return out


def township(code: str | None) -> str | None:
    return code[:9] if code and len(code) >= 9 else code


def _labels(matrix, s: Settings) -> np.ndarray:
    if matrix.shape[0] < 2:
        return np.zeros(matrix.shape[0], dtype=int)
    # rows are L2-normalised: cosine distance is 1 - the dot product, from one sparse product
    distances = np.clip(1.0 - (matrix @ matrix.T).toarray(), 0.0, 2.0)
    model = AgglomerativeClustering(n_clusters=None, distance_threshold=s.distance,
                                    metric="precomputed", linkage="average")
    return model.fit_predict(distances)


def hot_topics(current: Sequence[Doc], previous: Sequence[Doc] = (),
               s: Settings = Settings()) -> list[Topic]:
    """The biggest clusters of ``current``, each compared with ``previous``; biggest first."""
    docs = sorted(current, key=lambda d: d.at, reverse=True)[: s.max_docs]
    docs = [d for d in docs if words(d.tokens)]
    if len(docs) < s.min_size:
        return []
    vec = TfidfVectorizer(analyzer=words, sublinear_tf=True)
    matrix = vec.fit_transform([d.tokens for d in docs])
    labels = _labels(matrix, s)
    groups = [np.flatnonzero(labels == k) for k in np.unique(labels)]
    groups = sorted((g for g in groups if len(g) >= s.min_size), key=len, reverse=True)[: s.top]
    if not groups:
        return []
    keywords = ctfidf_keywords([Counter(w for i in g for w in words(docs[i].tokens))
                                for g in groups], s.keywords)
    before = vec.transform([d.tokens for d in previous]) if previous else None
    topics = []
    for g, kw in zip(groups, keywords):
        members = [docs[i] for i in g]
        prev = _previous(matrix[g], before, 1 - s.distance)
        places = Counter(township(d.division_code) for d in members if d.division_code)
        topics.append(Topic(
            keywords=kw, size=len(g), previous=prev, growth=round(len(g) / max(prev, 1), 2),
            emerging=len(g) >= 2 * prev, places=places.most_common(s.places),
            order_ids=[d.id for d in members], first_at=min(d.at for d in members),
            last_at=max(d.at for d in members)))
    return topics


def _previous(members, before, min_cosine: float) -> int:
    """Orders of the earlier window that would have joined this cluster."""
    if before is None or before.shape[0] == 0:
        return 0
    centroid = np.asarray(members.mean(axis=0)).ravel()
    norm = np.linalg.norm(centroid)
    if norm == 0:
        return 0
    sims = before @ (centroid / norm)
    return int(np.count_nonzero(np.asarray(sims).ravel() >= min_cosine))
