"""Retrieval: dense (FAISS), lexical (BM25 over jieba tokens) and their fusion.

Every retriever takes a `Query` and returns ranked `Hit`s; `Filters` restrict by district and date.
The hybrid scores a candidate pool (top hits of each half) by a weighted sum of the two
scores, each scaled to [0, 1] within the pool, so neither half's scale dominates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from .analyze import normalize
from .embed import Embedder
from .errors import QueryError
from .index import Index
from .models import Hit, Passage

MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class Filters:
    district: str = ""  # e.g. "上街区"; "" = all
    date_from: str = ""  # "YYYY-MM-DD" or "MM-DD"; "" = open
    date_to: str = ""
    sources: tuple[str, ...] = ()  # restrict to these bulletin files

    def allows(self, p: Passage) -> bool:
        if self.district and p.district != self.district:
            return False
        if self.sources and p.source not in self.sources:
            return False
        return not ((self.date_from or self.date_to) and not _date_in(p.date, self.date_from, self.date_to))

    @property
    def active(self) -> bool:
        return bool(self.district or self.date_from or self.date_to or self.sources)


def _date_in(date: str, lo: str, hi: str) -> bool:
    """Compare full dates where both have a year, else month-day only (yearless bulletins)."""
    if not date:
        return False

    def key(d: str, other: str) -> str:
        return d if len(d) == 10 and len(other) == 10 else d[-5:]

    if lo and key(date, lo) < key(lo, date):
        return False
    return not (hi and key(date, hi) > key(hi, date))


@dataclass(frozen=True)
class Query:
    text: str
    tokens: tuple[str, ...]  # lexical tokens, aliases expanded
    expansions: tuple[str, ...] = ()  # full forms added for abbreviations in the question
    filters: Filters = Filters()


def make_query(index: Index, text: str, filters: Filters | None = None) -> Query:
    text = (text or "").strip()
    if not text:
        raise QueryError("the question is empty: type a question such as 谁主持了安委会会议")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the question is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}: ask a shorter question"
        )
    norm = normalize(text)
    expansions: list[str] = []
    for short, fulls in index.aliases.items():
        if short in norm:
            expansions.extend(f for f in fulls if f not in norm)
        for f in fulls:
            if f in norm and short not in norm:
                expansions.append(short)
    tokens = index.analyzer.tokens(norm + " " + " ".join(expansions))
    return Query(
        text=text,
        tokens=tuple(dict.fromkeys(tokens)),
        expansions=tuple(dict.fromkeys(expansions)),
        filters=filters or Filters(),
    )


@runtime_checkable
class Retriever(Protocol):
    def search(self, query: Query, k: int = 10) -> list[Hit]: ...


def _allowed_mask(index: Index, f: Filters) -> np.ndarray | None:
    if not f.active:
        return None
    return np.fromiter((f.allows(p) for p in index.passages), dtype=bool, count=len(index.passages))


def _matched(index: Index, p: Passage, tokens: Sequence[str]) -> tuple[str, ...]:
    hay = normalize(p.title + " " + p.text)
    return tuple(t for t in tokens if len(t) >= 2 and t in hay)


class DenseRetriever:
    def __init__(self, index: Index, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder

    def scores(self, query: Query, pool: int) -> dict[int, float]:
        if not len(self.index):
            return {}
        qtext = query.text + ("（" + "，".join(query.expansions) + "）" if query.expansions else "")
        q = self.embedder.embed_query(qtext).reshape(1, -1).astype(np.float32)
        mask = _allowed_mask(self.index, query.filters)
        n = len(self.index)
        want = n if mask is not None else min(pool, n)
        d, ids = self.index.faiss.search(q, want)
        out = {}
        for s, i in zip(d[0], ids[0]):
            if i < 0 or (mask is not None and not mask[i]):
                continue
            out[int(i)] = float(s)
            if len(out) >= pool:
                break
        return out

    def search(self, query: Query, k: int = 10) -> list[Hit]:
        sc = self.scores(query, k)
        ranked = sorted(sc.items(), key=lambda x: -x[1])[:k]
        return [
            Hit(
                self.index.passages[i],
                s,
                r,
                dense_score=s,
                matched_terms=_matched(self.index, self.index.passages[i], query.tokens),
            )
            for r, (i, s) in enumerate(ranked)
        ]


class LexicalRetriever:
    def __init__(self, index: Index) -> None:
        self.index = index

    def scores(self, query: Query, pool: int) -> dict[int, float]:
        if not len(self.index):
            return {}
        s = self.index.bm25.scores(query.tokens)
        mask = _allowed_mask(self.index, query.filters)
        if mask is not None:
            s = np.where(mask, s, 0.0)
        pool = min(pool, len(s))
        top = np.argpartition(-s, pool - 1)[:pool] if pool < len(s) else np.arange(len(s))
        return {int(i): float(s[i]) for i in top if s[i] > 0}

    def search(self, query: Query, k: int = 10) -> list[Hit]:
        sc = self.scores(query, k)
        ranked = sorted(sc.items(), key=lambda x: -x[1])[:k]
        return [
            Hit(
                self.index.passages[i],
                s,
                r,
                lexical_score=s,
                matched_terms=_matched(self.index, self.index.passages[i], query.tokens),
            )
            for r, (i, s) in enumerate(ranked)
        ]


@dataclass(frozen=True)
class FusionWeights:
    dense: float = 0.5
    lexical: float = 0.5
    pool: int = 50
    per_article: int = 2  # at most this many passages of one article in the top results, while others exist


class HybridRetriever:
    def __init__(self, index: Index, embedder: Embedder, weights: FusionWeights | None = None) -> None:
        self.index = index
        self.dense = DenseRetriever(index, embedder)
        self.lexical = LexicalRetriever(index)
        self.weights = weights or FusionWeights()

    def search(self, query: Query, k: int = 10) -> list[Hit]:
        w = self.weights
        ds = self.dense.scores(query, w.pool)
        ls = self.lexical.scores(query, w.pool)
        cand = set(ds) | set(ls)
        if not cand:
            return []
        # dense scores for lexical-only candidates come from the stored vectors
        missing = [i for i in cand if i not in ds]
        if missing:
            q = self.dense.embedder.embed_query(query.text)
            vecs = np.vstack([self.index.faiss.reconstruct(int(i)) for i in missing])
            for i, s in zip(missing, vecs @ q):
                ds[i] = float(s)
        d_arr = np.array([ds[i] for i in cand])
        l_arr = np.array([ls.get(i, 0.0) for i in cand])
        d_lo, d_hi = float(d_arr.min()), float(d_arr.max())
        l_hi = float(l_arr.max()) or 1.0
        fused = {}
        for i, dv, lv in zip(cand, d_arr, l_arr):
            dn = (dv - d_lo) / (d_hi - d_lo) if d_hi > d_lo else 1.0
            fused[i] = w.dense * dn + w.lexical * lv / l_hi
        ranked = sorted(fused.items(), key=lambda x: -x[1])
        ranked = _diversify(self.index, ranked, w.per_article, k)
        return [
            Hit(
                self.index.passages[i],
                s,
                r,
                dense_score=ds.get(i),
                lexical_score=ls.get(i, 0.0),
                matched_terms=_matched(self.index, self.index.passages[i], query.tokens),
            )
            for r, (i, s) in enumerate(ranked[:k])
        ]


def _diversify(index: Index, ranked: list[tuple[int, float]], per_article: int, k: int) -> list[tuple[int, float]]:
    """Keep at most `per_article` passages per article in the first k, unless nothing else is left."""
    if per_article <= 0:
        return ranked
    head: list[tuple[int, float]] = []
    later: list[tuple[int, float]] = []
    count: dict[str, int] = {}
    for i, s in ranked:
        a = index.passages[i].article_id
        if count.get(a, 0) < per_article or len(head) >= k:
            head.append((i, s))
            count[a] = count.get(a, 0) + 1
        else:
            later.append((i, s))
    return head + later
