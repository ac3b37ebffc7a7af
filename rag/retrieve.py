"""Retrieval: dense (FAISS), lexical (BM25 over jieba tokens) and their fusion.

Every retriever takes a `Query` and returns ranked `Hit`s; `Filters` restrict by district and date.
The hybrid scores a candidate pool (top hits of each half) by a weighted sum of the two
scores, each scaled to [0, 1] within the pool, so neither half's scale dominates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from .analyze import normalize, to_simplified
from .embed import Embedder
from .errors import QueryError
from .index import Index
from .layout import Layout
from .lexicon import DATE_PHRASE, ORDINAL, QUANTITY, same_office, titled_names
from .models import Hit, Passage
from .question import QuestionInfo, analyze_question

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
    info: QuestionInfo
    filters: Filters = Filters()

    @property
    def expansions(self) -> tuple[str, ...]:
        return self.info.expansions


def clean_text(text: str | None) -> str:
    """Typed or pasted text as valid Unicode: lone surrogates and NULs cannot reach the model or SQLite."""
    return (text or "").encode("utf-8", "replace").decode("utf-8").replace("\x00", " ")


def make_query(index: Index, text: str, filters: Filters | None = None) -> Query:
    text = clean_text(text).strip()
    if not text:
        raise QueryError("问题为空，请输入问题，例如：谁主持了安委会会议（the question is empty: type a question）")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"问题有 {len(text)} 个字，超过 {MAX_QUERY_CHARS} 字的上限，请缩短问题"
            f"（the question is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}: ask a shorter question）"
        )
    vocab = index.bm25.vocab
    info = analyze_question(text, index.analyzer, index.aliases, index.districts, known=lambda w: normalize(w) in vocab)
    norm = normalize(text)
    tokens = index.analyzer.tokens(norm + " " + " ".join(info.expansions))
    return Query(text=text, tokens=tuple(dict.fromkeys(tokens)), info=info, filters=filters or Filters())


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


def _ranked_hits(index: Index, scores: dict[int, float], query: Query, k: int, field: str) -> list[Hit]:
    """Hits for the k best rows of one retriever's scores; `field` names the score it fills in."""
    ranked = sorted(scores.items(), key=lambda x: -x[1])[:k]
    return [
        Hit(index.passages[i], s, r, matched_terms=_matched(index, index.passages[i], query.tokens), **{field: s})
        for r, (i, s) in enumerate(ranked)
    ]


# rows read at a time when scoring stored vectors directly (64k x 384 float32 = 96 MB)
_BLOCK = 65_536


def _exact_scores(vectors: np.ndarray, rows: np.ndarray, q: np.ndarray) -> np.ndarray:
    """q . vectors[r] for the sorted rows `rows`, a block of rows at a time: a block holding many
    of them is read whole (a run of one bulletin's or district's passages), a sparse one row by row."""
    out = np.empty(len(rows), dtype=np.float32)
    i = 0
    while i < len(rows):
        lo = int(rows[i]) // _BLOCK * _BLOCK
        j = int(np.searchsorted(rows, lo + _BLOCK))
        part = rows[i:j]
        if 8 * len(part) >= _BLOCK:
            out[i:j] = (np.asarray(vectors[lo : int(part[-1]) + 1]) @ q)[part - lo]
        else:
            out[i:j] = np.asarray(vectors[part]) @ q
        i = j
    return out


class DenseRetriever:
    """Unfiltered questions use the FAISS index (exact up to FLAT_MAX passages, IVF above). With a
    filter, the allowed rows are scored directly against the stored vectors, so the result is
    exact whatever the index type: an IVF search only visits its probed lists, and a filter could
    leave few or none of their rows."""

    def __init__(self, index: Index, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        self._vectors: np.ndarray | None = None

    def query_vector(self, query: Query) -> np.ndarray:
        """The question with its alias expansions, embedded once per search."""
        qtext = query.text + ("（" + "，".join(query.expansions) + "）" if query.expansions else "")
        return np.asarray(self.embedder.embed_query(qtext), dtype=np.float32)

    def vectors(self) -> np.ndarray:
        """The passages' stored vectors (row i = passage row i), mapped from embeddings.npy on first
        use; read back from the FAISS index when that file cannot be read or does not fit."""
        if self._vectors is None:
            n, d = len(self.index), self.index.faiss.d
            try:
                vecs = np.load(Layout(self.index.folder).embeddings, mmap_mode="r")
                ok = vecs.shape == (n, d) and vecs.dtype == np.float32
            except Exception:  # a damaged header fails in ast or tokenize with anything
                ok = False
            if not ok:
                vecs = self.index.faiss.reconstruct_n(0, n)
            self._vectors = vecs
        return self._vectors

    def scores(self, query: Query, pool: int, qvec: np.ndarray | None = None) -> dict[int, float]:
        if not len(self.index):
            return {}
        q = qvec if qvec is not None else self.query_vector(query)
        mask = _allowed_mask(self.index, query.filters)
        if mask is not None:
            return self._filtered_scores(q, np.flatnonzero(mask), pool)
        d, ids = self.index.faiss.search(q.reshape(1, -1), min(pool, len(self.index)))
        return {int(i): float(s) for s, i in zip(d[0], ids[0]) if i >= 0}

    def _filtered_scores(self, q: np.ndarray, rows: np.ndarray, pool: int) -> dict[int, float]:
        """The `pool` best of the allowed rows, best first (ties: lower row first)."""
        if not len(rows) or pool <= 0:
            return {}
        s = _exact_scores(self.vectors(), rows, q.reshape(-1))
        if pool < len(s):
            top = np.argpartition(-s, pool - 1)[:pool]
            rows, s = rows[top], s[top]
        order = np.lexsort((rows, -s))
        return {int(rows[o]): float(s[o]) for o in order}

    def search(self, query: Query, k: int = 10) -> list[Hit]:
        return _ranked_hits(self.index, self.scores(query, k), query, k, "dense_score")


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
        return _ranked_hits(self.index, self.scores(query, k), query, k, "lexical_score")


@dataclass(frozen=True)
class FusionWeights:
    dense: float = 0.5
    lexical: float = 0.5
    pool: int = 50
    per_article: int = 2  # at most this many passages of one article in the top results, while others exist
    district: float = 0.25  # boost for the district the question names
    date: float = 0.1  # boost for the month/day the question names
    issue: float = 0.15  # boost for the issue number the question names
    kind: float = 0.08  # boost for a passage holding the kind of fact asked for
    office: float = 0.3  # boost for a passage naming a holder of the office asked about (区长李兵)
    office_scan: int = 300  # at most this many passages holding the office word are read for holders


class HybridRetriever:
    def __init__(self, index: Index, embedder: Embedder, weights: FusionWeights | None = None) -> None:
        self.index = index
        self.dense = DenseRetriever(index, embedder)
        self.lexical = LexicalRetriever(index)
        self.weights = weights or FusionWeights()

    def _office_holders(self, query: Query) -> tuple[set[int], np.ndarray | None]:
        """For a question about who holds an office: the allowed passages printing a name under that
        very office (区长李兵, not 副区长王喜峰), found through the index's postings of the office."""
        info = query.info
        if info.kind != "who" or not info.offices or info.persons:
            return set(), None
        found: set[int] = set()
        for office in info.offices:
            for token in sorted({office, office[-2:]}):
                found.update(int(r) for r in self.index.bm25.postings(normalize(token)))
        rows = sorted(found)
        full = self.index.bm25.scores(query.tokens) if rows else None
        if full is not None and len(rows) > self.weights.office_scan:
            # an archive names a 区长 in thousands of passages: read those closest to the question
            rows = sorted(rows, key=lambda i: -full[i])[: self.weights.office_scan]
        out = set()
        for i in rows:
            p = self.index.passages[i]
            if not query.filters.allows(p) or (info.district and p.district and p.district != info.district):
                continue
            if any(same_office(o, t.title) for o in info.offices for t in titled_names(to_simplified(p.text))):
                out.add(i)
        return out, full

    def search(self, query: Query, k: int = 10) -> list[Hit]:
        w = self.weights
        qvec = self.dense.query_vector(query) if len(self.index) else None
        ds = self.dense.scores(query, w.pool, qvec)
        ls = self.lexical.scores(query, w.pool)
        holders, full = self._office_holders(query)
        if holders and full is not None:  # 区长是谁: every passage naming a 区长 competes, however it ranks
            for i in holders:
                ls.setdefault(i, float(full[i]))
        cand = set(ds) | set(ls)
        if not cand:
            return []
        # dense scores for lexical-only candidates come from the stored vectors
        missing = [i for i in cand if i not in ds]
        if missing and qvec is not None:
            rows = np.sort(np.asarray(missing, dtype=np.int64))
            for i, s in zip(rows, _exact_scores(self.dense.vectors(), rows, qvec)):
                ds[int(i)] = float(s)
        d_arr = np.array([ds[i] for i in cand])
        l_arr = np.array([ls.get(i, 0.0) for i in cand])
        d_lo, d_hi = float(d_arr.min()), float(d_arr.max())
        l_hi = float(l_arr.max()) or 1.0
        fused = {}
        for i, dv, lv in zip(cand, d_arr, l_arr):
            dn = (dv - d_lo) / (d_hi - d_lo) if d_hi > d_lo else 1.0
            fused[i] = w.dense * dn + w.lexical * lv / l_hi
        for i in fused:
            fused[i] += _metadata_boost(self.index, self.index.passages[i], query.info, w)
            if i in holders:
                fused[i] += w.office
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


ISSUE_QUESTION = re.compile(r"期|报纸|报刊|出版|编印|哪一份|这份|刊号|监督电话")


def _has_titled_name(text: str, info: QuestionInfo) -> bool:
    """A name after a title; after the very office the question asks about, when it names one."""
    names = titled_names(text)
    if not info.offices:
        return bool(names)
    return any(same_office(o, t.title) for o in info.offices for t in names)


def _metadata_boost(index: Index, p: Passage, info: QuestionInfo, w: FusionWeights) -> float:
    """Small additive boosts: the district, date or issue the question names, and passages
    that hold the kind of fact asked for (a titled name for 谁, a date for 何时, a figure for 多少)."""
    b = 0.0
    if info.district:
        b += w.district if p.district == info.district else 0.0
    if info.month and p.date:
        md = p.date[-5:]
        if md.startswith(f"{info.month:02d}-") and (not info.day or md.endswith(f"-{info.day:02d}")):
            b += w.date
    if info.issue_no and index.issue_of.get(p.source, "").startswith(f"第{info.issue_no}期"):
        b += w.issue
    if p.article_index < 0 and not ISSUE_QUESTION.search(info.text):
        b -= w.issue  # the masthead answers questions about the issue, not about its news
    if (
        (info.kind == "who" and _has_titled_name(p.text, info))
        or (info.kind == "when" and DATE_PHRASE.search(p.text))
        or (info.kind == "num" and (QUANTITY.search(p.text) or ORDINAL.search(p.text)))
    ):
        b += w.kind
    return b


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
