"""One contract for every Retriever (dense, lexical, hybrid), plus filters and fusion behaviour."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fault_helpers import HashEmbedder

import rag.retrieve
import rag.stores.local
import rag.vectors
from rag.index import load_index
from rag.reader import reader_of
from rag.retrieve import (
    DenseRetriever,
    Filters,
    FusionWeights,
    HybridRetriever,
    LexicalRetriever,
    Retriever,
    make_query,
)
from rag.service import QA
from rag.stores.local import exact_scores
from rag.update import sync

MAKERS: dict[str, Callable[[QA], Retriever]] = {
    "dense": lambda qa: DenseRetriever(qa.reader, qa.embedder),
    "lexical": lambda qa: LexicalRetriever(qa.reader),
    "hybrid": lambda qa: HybridRetriever(qa.reader, qa.embedder),
}


@pytest.fixture(params=sorted(MAKERS))
def retriever(request: pytest.FixtureRequest, qa: QA) -> Retriever:
    r = MAKERS[request.param](qa)
    assert isinstance(r, Retriever)
    return r


def test_contract_ranked_hits(retriever: Retriever, qa: QA) -> None:
    hits = retriever.search(make_query(qa.reader, "宋洁去了哪些断头路施工现场?"), k=7)
    assert 1 <= len(hits) <= 7
    assert [h.rank for h in hits] == list(range(len(hits)))
    assert len({h.passage.id for h in hits}) == len(hits)
    scores = [h.score for h in hits]
    if not isinstance(retriever, HybridRetriever):  # the hybrid reorders for diversity after scoring
        assert scores == sorted(scores, reverse=True)
    assert "祥云路东延" in "".join(h.passage.text for h in hits[:3])


def test_contract_k_and_determinism(retriever: Retriever, qa: QA) -> None:
    q = make_query(qa.reader, "贾鲁河综合治理")
    one = retriever.search(q, k=1)
    many = retriever.search(q, k=10)
    assert len(one) == 1 and one[0].passage.id == many[0].passage.id
    assert [h.passage.id for h in retriever.search(q, k=10)] == [h.passage.id for h in many]


def test_contract_filters(retriever: Retriever, qa: QA) -> None:
    q = make_query(qa.reader, "大气污染防治", Filters(district="上街区"))
    hits = retriever.search(q, k=10)
    assert hits and all(h.passage.district == "上街区" for h in hits)
    q = make_query(qa.reader, "大气污染防治", Filters(date_from="11-20", date_to="11-30"))
    hits = retriever.search(q, k=10)
    assert hits and all("11-20" <= h.passage.date[-5:] <= "11-30" for h in hits)
    nothing = make_query(qa.reader, "大气污染防治", Filters(district="不存在区"))
    assert retriever.search(nothing, k=5) == []


def test_contract_matched_terms(retriever: Retriever, qa: QA) -> None:
    hits = retriever.search(make_query(qa.reader, "贾鲁河综合治理"), k=3)
    top = hits[0]
    assert top.matched_terms and all(t in top.passage.title + top.passage.text for t in top.matched_terms)


def test_hybrid_is_not_worse_than_its_halves_on_an_abbreviation(qa: QA) -> None:
    # 安委会 is printed as 安全生产委员会: the alias expansion lets the lexical half find it
    q = make_query(qa.reader, "谁主持了安委会会议")
    assert "安全生产委员会" in q.expansions
    top = HybridRetriever(qa.reader, qa.embedder).search(q, k=3)
    assert any("安全生产委员会" in h.passage.text or "安委会" in h.passage.text for h in top)


def test_one_article_does_not_fill_the_top(qa: QA) -> None:
    q = make_query(qa.reader, "二七区大气污染防治攻坚战")
    hits = HybridRetriever(qa.reader, qa.embedder, FusionWeights(per_article=2)).search(q, k=5)
    counts: dict[str, int] = {}
    for h in hits:
        counts[h.passage.article_id] = counts.get(h.passage.article_id, 0) + 1
    assert max(counts.values()) <= 2


def test_district_named_in_the_question_comes_first(qa: QA) -> None:
    q = make_query(qa.reader, "上街区纪委书记是谁?")
    assert q.info.district == "上街区"
    hits = HybridRetriever(qa.reader, qa.embedder).search(q, k=3)
    assert hits[0].passage.district == "上街区"


def test_filtered_dense_search_is_exact_on_an_ivf_index(
    seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above FLAT_MAX passages the index is IVF, which searches only the lists it probes: a filter
    must still find the best allowed passages, as the exact flat index does. The seeds are indexed
    twice, flat and IVF probing one list of eight, and every retriever is asked with filters."""
    emb = HashEmbedder()
    sync(seeds_dir, tmp_path / "flat", emb, rebuild=True)
    monkeypatch.setattr(rag.vectors, "FLAT_MAX", 10)
    monkeypatch.setattr(rag.vectors, "NPROBE", 1)
    sync(seeds_dir, tmp_path / "ivf", emb, rebuild=True)
    flat, ivf = load_index(tmp_path / "flat", emb), load_index(tmp_path / "ivf", emb)
    assert flat.manifest.faiss_index == "IndexFlatIP"
    assert ivf.manifest.faiss_index.startswith("IVF"), ivf.manifest.faiss_index
    assert [p.id for p in ivf.passages] == [p.id for p in flat.passages]
    n = len(ivf)
    # one probed list: even asked for every row, the IVF search sees only some of them
    found = ivf.faiss.search(emb.embed_query("大气污染防治").reshape(1, -1), n)[1][0]
    assert 0 < (found >= 0).sum() < n
    sources = sorted({p.source for p in flat.passages})
    filters = [
        Filters(district="上街区"),
        Filters(date_from="11-20", date_to="11-30"),
        Filters(sources=(sources[1],)),
        Filters(district="二七区", date_from="08-01", date_to="08-31"),
    ]
    questions = ["大气污染防治", "谁主持了安委会会议", "贾鲁河综合治理", "纪委书记"]
    for f in filters:
        allowed = sum(f.allows(p) for p in flat.passages)
        assert allowed, f
        for text in questions:
            for make in (DenseRetriever, HybridRetriever):
                want = make(reader_of(flat), emb).search(make_query(reader_of(flat), text, f), k=10)
                got = make(reader_of(ivf), emb).search(make_query(reader_of(ivf), text, f), k=10)
                assert [h.passage.id for h in got] == [h.passage.id for h in want], (f, text, make)
                assert [h.dense_score for h in got] == pytest.approx([h.dense_score for h in want], abs=1e-5)
                if make is DenseRetriever:
                    # as many hits as asked for or allowed, the first the best allowed passage
                    assert len(got) == min(10, allowed)
                    q = DenseRetriever(reader_of(ivf), emb).query_vector(make_query(reader_of(ivf), text, f))
                    vecs = ivf.faiss.reconstruct_n(0, n)
                    best = max(float(vecs[i] @ q) for i in range(n) if f.allows(ivf.passages[i]))
                    assert got[0].dense_score == pytest.approx(best, abs=1e-5)

    # without its embeddings.npy the stored vectors are read back from the FAISS index
    f = Filters(district="上街区")
    want = [
        h.passage.id
        for h in DenseRetriever(reader_of(ivf), emb).search(make_query(reader_of(ivf), "大气污染防治", f), k=10)
    ]
    (ivf.folder / "embeddings.npy").unlink()
    got = [
        h.passage.id
        for h in DenseRetriever(reader_of(ivf), emb).search(make_query(reader_of(ivf), "大气污染防治", f), k=10)
    ]
    assert got == want


@pytest.mark.parametrize("block", [4, 16, 1 << 16])
def test_exact_scores_by_blocks(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    """Stored vectors are scored a block of rows at a time, whole blocks or row by row."""
    monkeypatch.setattr(rag.stores.local, "_BLOCK", block)
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((100, 8)).astype(np.float32)
    q = rng.standard_normal(8).astype(np.float32)
    for rows in (
        np.arange(100),
        np.array([0, 1, 2, 3, 50, 99]),
        np.sort(rng.choice(100, 40, replace=False)),
        np.array([7]),
        np.array([], dtype=np.int64),
    ):
        np.testing.assert_allclose(exact_scores(vecs, rows, q), vecs[rows] @ q, rtol=1e-5, atol=1e-6)
