"""One contract for every Retriever (dense, lexical, hybrid), plus filters and fusion behaviour."""

from __future__ import annotations

from collections.abc import Callable

import pytest

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

MAKERS: dict[str, Callable[[QA], Retriever]] = {
    "dense": lambda qa: DenseRetriever(qa.index, qa.embedder),
    "lexical": lambda qa: LexicalRetriever(qa.index),
    "hybrid": lambda qa: HybridRetriever(qa.index, qa.embedder),
}


@pytest.fixture(params=sorted(MAKERS))
def retriever(request: pytest.FixtureRequest, qa: QA) -> Retriever:
    r = MAKERS[request.param](qa)
    assert isinstance(r, Retriever)
    return r


def test_contract_ranked_hits(retriever: Retriever, qa: QA) -> None:
    hits = retriever.search(make_query(qa.index, "宋洁去了哪些断头路施工现场?"), k=7)
    assert 1 <= len(hits) <= 7
    assert [h.rank for h in hits] == list(range(len(hits)))
    assert len({h.passage.id for h in hits}) == len(hits)
    scores = [h.score for h in hits]
    if not isinstance(retriever, HybridRetriever):  # the hybrid reorders for diversity after scoring
        assert scores == sorted(scores, reverse=True)
    assert "祥云路东延" in "".join(h.passage.text for h in hits[:3])


def test_contract_k_and_determinism(retriever: Retriever, qa: QA) -> None:
    q = make_query(qa.index, "贾鲁河综合治理")
    one = retriever.search(q, k=1)
    many = retriever.search(q, k=10)
    assert len(one) == 1 and one[0].passage.id == many[0].passage.id
    assert [h.passage.id for h in retriever.search(q, k=10)] == [h.passage.id for h in many]


def test_contract_filters(retriever: Retriever, qa: QA) -> None:
    q = make_query(qa.index, "大气污染防治", Filters(district="上街区"))
    hits = retriever.search(q, k=10)
    assert hits and all(h.passage.district == "上街区" for h in hits)
    q = make_query(qa.index, "大气污染防治", Filters(date_from="11-20", date_to="11-30"))
    hits = retriever.search(q, k=10)
    assert hits and all("11-20" <= h.passage.date[-5:] <= "11-30" for h in hits)
    nothing = make_query(qa.index, "大气污染防治", Filters(district="不存在区"))
    assert retriever.search(nothing, k=5) == []


def test_contract_matched_terms(retriever: Retriever, qa: QA) -> None:
    hits = retriever.search(make_query(qa.index, "贾鲁河综合治理"), k=3)
    top = hits[0]
    assert top.matched_terms and all(t in top.passage.title + top.passage.text for t in top.matched_terms)


def test_hybrid_is_not_worse_than_its_halves_on_an_abbreviation(qa: QA) -> None:
    # 安委会 is printed as 安全生产委员会: the alias expansion lets the lexical half find it
    q = make_query(qa.index, "谁主持了安委会会议")
    assert "安全生产委员会" in q.expansions
    top = HybridRetriever(qa.index, qa.embedder).search(q, k=3)
    assert any("安全生产委员会" in h.passage.text or "安委会" in h.passage.text for h in top)


def test_one_article_does_not_fill_the_top(qa: QA) -> None:
    q = make_query(qa.index, "二七区大气污染防治攻坚战")
    hits = HybridRetriever(qa.index, qa.embedder, FusionWeights(per_article=2)).search(q, k=5)
    counts: dict[str, int] = {}
    for h in hits:
        counts[h.passage.article_id] = counts.get(h.passage.article_id, 0) + 1
    assert max(counts.values()) <= 2


def test_district_named_in_the_question_comes_first(qa: QA) -> None:
    q = make_query(qa.index, "上街区纪委书记是谁?")
    assert q.info.district == "上街区"
    hits = HybridRetriever(qa.index, qa.embedder).search(q, k=3)
    assert hits[0].passage.district == "上街区"
