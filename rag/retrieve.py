"""Retrieval: dense (FAISS), lexical (BM25 over jieba tokens) and their fusion.

Every retriever takes a `Query` and returns ranked `Hit`s; `Filters` (district, dates, bulletins)
are handed to the store, which applies them. Retrievers read the snapshot through a `Reader`, so
they work the same over any `IndexStore`.
The hybrid scores a candidate pool (top hits of each half) by a weighted sum of the two
scores, each scaled to [0, 1] within the pool, so neither half's scale dominates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from .analyze import normalize, to_simplified
from .embed import Embedder
from .errors import QueryError
from .lexicon import DATE_PHRASE, ORDINAL, QUANTITY, same_office, titled_names
from .models import Hit, Passage
from .question import QuestionInfo, analyze_question
from .reader import Reader
from .stores.base import NO_FILTERS, Filters, Scored

MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class Query:
    text: str
    tokens: tuple[str, ...]  # lexical tokens, aliases expanded
    info: QuestionInfo
    filters: Filters = NO_FILTERS

    @property
    def expansions(self) -> tuple[str, ...]:
        return self.info.expansions


def clean_text(text: str | None) -> str:
    """Typed or pasted text as valid Unicode: lone surrogates and NULs cannot reach the model or SQLite."""
    return (text or "").encode("utf-8", "replace").decode("utf-8").replace("\x00", " ")


def make_query(reader: Reader, text: str, filters: Filters | None = None) -> Query:
    text = clean_text(text).strip()
    if not text:
        raise QueryError("问题为空，请输入问题，例如：谁主持了安委会会议（the question is empty: type a question）")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"问题有 {len(text)} 个字，超过 {MAX_QUERY_CHARS} 字的上限，请缩短问题"
            f"（the question is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}: ask a shorter question）"
        )
    info = analyze_question(text, reader.analyzer, reader.aliases, reader.districts, known=reader.known)
    norm = normalize(text)
    tokens = reader.analyzer.tokens(norm + " " + " ".join(info.expansions))
    return Query(text=text, tokens=tuple(dict.fromkeys(tokens)), info=info, filters=filters or Filters())


@runtime_checkable
class Retriever(Protocol):
    def search(self, query: Query, k: int = 10) -> list[Hit]: ...


def _matched(p: Passage, tokens: Sequence[str]) -> tuple[str, ...]:
    hay = normalize(p.title + " " + p.text)
    return tuple(t for t in tokens if len(t) >= 2 and t in hay)


def _ranked_hits(reader: Reader, ranked: Sequence[Scored], query: Query, k: int, field: str) -> list[Hit]:
    """Hits for the k best results of one retriever; `field` names the score it fills in."""
    by_id = {p.id: p for p in reader.store.passages([r.id for r in ranked[:k]])}
    found = [(r, by_id[r.id]) for r in ranked[:k] if r.id in by_id]
    return [
        Hit(p, r.score, n, matched_terms=_matched(p, query.tokens), **{field: r.score})
        for n, (r, p) in enumerate(found)
    ]


class DenseRetriever:
    """The question's vector against the stored ones; the store applies the filters first, so a
    filtered search is exact whatever its vector index."""

    def __init__(self, reader: Reader, embedder: Embedder) -> None:
        self.reader = reader
        self.embedder = embedder

    def query_vector(self, query: Query) -> np.ndarray:
        """The question as asked, embedded once per search. Its expansions (synonyms, full and short
        forms) serve the lexical search only: appended here they doubled the embedding time, the
        largest part of an answer's, and changed no score of our suite (README "Benchmarks")."""
        return np.asarray(self.embedder.embed_query(query.text), dtype=np.float32)

    def scores(self, query: Query, pool: int, qvec: np.ndarray | None = None) -> list[Scored]:
        if not len(self.reader):
            return []
        q = qvec if qvec is not None else self.query_vector(query)
        return self.reader.store.dense_search(q, pool, query.filters)

    def search(self, query: Query, k: int = 10) -> list[Hit]:
        return _ranked_hits(self.reader, self.scores(query, k), query, k, "dense_score")


class LexicalRetriever:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def scores(self, query: Query, pool: int) -> list[Scored]:
        if not len(self.reader):
            return []
        return self.reader.store.lexical_search(query.tokens, pool, query.filters)

    def search(self, query: Query, k: int = 10) -> list[Hit]:
        return _ranked_hits(self.reader, self.scores(query, k), query, k, "lexical_score")


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
    def __init__(self, reader: Reader, embedder: Embedder, weights: FusionWeights | None = None) -> None:
        self.reader = reader
        self.dense = DenseRetriever(reader, embedder)
        self.lexical = LexicalRetriever(reader)
        self.weights = weights or FusionWeights()

    def _office_holders(self, query: Query) -> dict[str, float]:
        """For a question about who holds an office: the allowed passages printing a name under that
        very office (区长李兵, not 副区长王喜峰), with their lexical scores; an archive names a 区长
        in thousands of passages, so the `office_scan` closest to the question are read."""
        info = query.info
        if info.kind != "who" or not info.offices or info.persons:
            return {}
        need = sorted({normalize(t) for office in info.offices for t in (office, office[-2:])})
        store = self.reader.store
        found = store.lexical_search(query.tokens, self.weights.office_scan, query.filters, require_any=need)
        out = {}
        by_id = {p.id: p for p in store.passages([r.id for r in found])}
        for r in found:
            p = by_id.get(r.id)
            if p is None:
                continue
            if info.district and p.district and p.district != info.district:
                continue
            if any(same_office(o, t.title) for o in info.offices for t in titled_names(to_simplified(p.text))):
                out[r.id] = r.score
        return out

    def search(self, query: Query, k: int = 10) -> list[Hit]:
        w = self.weights
        store = self.reader.store
        qvec = self.dense.query_vector(query) if len(self.reader) else None
        dense = self.dense.scores(query, w.pool, qvec)
        lexical = self.lexical.scores(query, w.pool)
        ds = {r.id: r.score for r in dense}
        ls = {r.id: r.score for r in lexical}
        holders = self._office_holders(query)
        for i, s in holders.items():  # 区长是谁: every passage naming a 区长 competes, however it ranks
            ls.setdefault(i, s)
        cand = list(dict.fromkeys([*ds, *ls]))  # an order that does not depend on hashing
        if not cand:
            return []
        # dense scores for lexical-only candidates come from the stored vectors
        missing = [i for i in cand if i not in ds]
        if missing and qvec is not None:
            ds.update(store.dense_scores(qvec, missing))
        cand = [i for i in cand if i in ds]
        passages = {p.id: p for p in store.passages(cand)}
        cand = [i for i in cand if i in passages]
        if not cand:
            return []
        d_arr = np.array([ds[i] for i in cand])
        l_arr = np.array([ls.get(i, 0.0) for i in cand])
        d_lo, d_hi = float(d_arr.min()), float(d_arr.max())
        l_hi = float(l_arr.max()) or 1.0
        fused = {}
        for i, dv, lv in zip(cand, d_arr, l_arr):
            dn = (dv - d_lo) / (d_hi - d_lo) if d_hi > d_lo else 1.0
            fused[i] = w.dense * dn + w.lexical * lv / l_hi
        for i in fused:
            fused[i] += _metadata_boost(self.reader, passages[i], query.info, w)
            if i in holders:
                fused[i] += w.office
        ranked = sorted(fused.items(), key=lambda x: -x[1])
        ranked = _diversify(passages, ranked, w.per_article, k)
        return [
            Hit(
                passages[i],
                s,
                r,
                dense_score=ds.get(i),
                lexical_score=ls.get(i, 0.0),
                matched_terms=_matched(passages[i], query.tokens),
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


def _metadata_boost(reader: Reader, p: Passage, info: QuestionInfo, w: FusionWeights) -> float:
    """Small additive boosts: the district, date or issue the question names, and passages
    that hold the kind of fact asked for (a titled name for 谁, a date for 何时, a figure for 多少)."""
    b = 0.0
    if info.district:
        b += w.district if p.district == info.district else 0.0
    if info.month and p.date:
        md = p.date[-5:]
        if md.startswith(f"{info.month:02d}-") and (not info.day or md.endswith(f"-{info.day:02d}")):
            b += w.date
    if info.issue_no and reader.vocab.issues.get(p.source, "").startswith(f"第{info.issue_no}期"):
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


def _diversify(
    passages: Mapping[str, Passage], ranked: list[tuple[str, float]], per_article: int, k: int
) -> list[tuple[str, float]]:
    """Keep at most `per_article` passages per article in the first k, unless nothing else is left."""
    if per_article <= 0:
        return ranked
    head: list[tuple[str, float]] = []
    later: list[tuple[str, float]] = []
    count: dict[str, int] = {}
    for i, s in ranked:
        a = passages[i].article_id
        if count.get(a, 0) < per_article or len(head) >= k:
            head.append((i, s))
            count[a] = count.get(a, 0) + 1
        else:
            later.append((i, s))
    return head + later
