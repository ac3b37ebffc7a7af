"""BM25 weights against the Okapi formula written out by hand (the weight matrix is computed in
place on the CSR arrays for speed at 1M passages; this pins it to the formula)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from rag.bm25 import BM25

DOCS = [["区委", "书记", "主持", "会议", "会议"], ["安委会", "会议"], ["秸秆", "收储站", "区委"], []]


def okapi(docs: list[list[str]], query: list[str], k1: float = 1.2, b: float = 0.75) -> list[float]:
    n = len(docs)
    avg = sum(len(d) for d in docs) / n
    out = []
    for d in docs:
        s = 0.0
        for t in set(query):
            df = sum(t in x for x in docs)
            tf = d.count(t)
            if tf:
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avg))
        out.append(s)
    return out


@pytest.mark.parametrize("query", [["会议"], ["区委", "会议"], ["秸秆", "区委", "区委"], ["没有的词"]])
def test_scores_are_okapi_bm25(query: list[str]) -> None:
    got = BM25.build(DOCS).scores(query)
    assert got.dtype == np.float32
    assert got.tolist() == pytest.approx(okapi(DOCS, query), rel=1e-5)


def test_counts_with_repeated_entries_score_as_summed_counts() -> None:
    """Counts whose entries repeat a (document, term) pair (not canonical) are summed first."""
    bm = BM25.build(DOCS)
    c = bm.counts.tocoo()
    split = sp.csr_matrix(
        (np.concatenate([c.data / 2, c.data / 2]), (np.concatenate([c.row, c.row]), np.concatenate([c.col, c.col]))),
        shape=c.shape,
    )
    split.has_canonical_format = False
    again = BM25(split, dict(bm.vocab))
    for q in (["会议"], ["区委", "秸秆"]):
        assert again.scores(q).tolist() == pytest.approx(bm.scores(q).tolist(), rel=1e-6)
