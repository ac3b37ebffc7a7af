"""The Milvus store against a real server process (`milvus-lite server`, started by the
`milvus_server` fixture): the shared store contract, and what only a server store has to show
(incremental writes counted, failed applies, completeness checks, filters as expressions)."""

from __future__ import annotations

import secrets
from pathlib import Path

import numpy as np
import pytest
from milvus_server import MilvusServer, milvus_server  # noqa: F401  (the fixture)
from store_contract import (  # noqa: F401  (fixtures)
    CHANGED,
    REMOVED,
    Reference,
    StoreContract,
    changed_build,
    query_tokens,
    query_vectors,
    reference,
    seeds_build,
)

from rag.bm25 import BM25
from rag.errors import IndexDamagedError, IndexMissingError
from rag.index import load_index
from rag.stores import milvus
from rag.stores.base import Filters
from rag.stores.milvus import MilvusBackend, bulletin_keys, dense_index, filter_expr, to_uri


def fresh(server: MilvusServer, **kw: float) -> MilvusBackend:
    """A backend with collections of its own on the session's server."""
    return MilvusBackend(server.uri, name=f"t_{secrets.token_hex(4)}", **kw)


class TestMilvusStore(StoreContract):
    @pytest.fixture(scope="class")
    @classmethod
    def backend(cls, seeds_build: Path, milvus_server: MilvusServer) -> MilvusBackend:  # noqa: F811
        b = MilvusBackend(milvus_server.uri, name="contract")
        if b.live_version() != seeds_build.name:
            b.apply(seeds_build)
        return b

    @pytest.fixture
    def empty_backend(self, milvus_server: MilvusServer) -> MilvusBackend:  # noqa: F811
        return fresh(milvus_server)


def _keys(build: Path) -> dict[str, str]:
    bm25 = BM25.load(build)
    return bulletin_keys(build, bm25.counts, bm25.vocab)


def _passages_of(build: Path, source: str) -> int:
    return sum(1 for p in load_index(build.parent, version=build).passages if p.source == source)


def test_apply_writes_only_the_changed_bulletins(
    milvus_server: MilvusServer,  # noqa: F811
    seeds_build: Path,  # noqa: F811
    changed_build: Path,  # noqa: F811
) -> None:
    b = fresh(milvus_server, reweight_drift=1.0)  # keep the stored BM25 weights: count what an update writes
    b.apply(seeds_build)
    n_seeds = load_index(seeds_build.parent, version=seeds_build).manifest.n_passages
    assert b.written["passages"] == n_seeds
    b.apply(changed_build)
    # rewritten: the changed bulletin, and any whose kept passages the local update re-tokenised
    # (removing a bulletin removes its harvested user words: here 双统筹 of one passage of 004)
    old, new = _keys(seeds_build), _keys(changed_build)
    moved = sorted(s for s in new if old.get(s) != new[s])
    assert CHANGED in moved and len(moved) < len(new)
    assert b.written["passages"] == sum(_passages_of(changed_build, s) for s in moved)
    assert b.written["retired passages"] == sum(_passages_of(seeds_build, s) for s in [*moved, REMOVED])
    assert b.check() == []
    s = b.open()
    assert s.info.extra["avgdl_rows"] != s.info.extra["avgdl"]  # old weights kept, as the docstring says
    # a third apply of the same build writes nothing
    b.apply(changed_build)
    assert b.written["passages"] == 0 and b.check() == []


def test_a_full_write_scores_bm25_exactly(
    milvus_server: MilvusServer,  # noqa: F811
    seeds_build: Path,  # noqa: F811
    changed_build: Path,  # noqa: F811
) -> None:
    """Past `reweight_drift` an apply writes every row again, and the scores equal the build's BM25."""
    b = fresh(milvus_server, reweight_drift=0.0)
    b.apply(seeds_build)
    b.apply(changed_build)
    assert b.written["passages"] == load_index(changed_build.parent, version=changed_build).manifest.n_passages
    assert b.check() == []
    idx = load_index(changed_build.parent, version=changed_build)
    s = b.open()
    tokens = idx.analyzer.tokens("安委会会议由区生态环境分局牵头")
    want = idx.bm25.scores(tokens)
    got = s.lexical_search(tokens, 10)
    by_id = {p.id: float(x) for p, x in zip(idx.passages, want)}
    assert got and [r.score for r in got] == pytest.approx([by_id[r.id] for r in got], rel=1e-5)
    assert [r.score for r in got] == pytest.approx(sorted(want[want > 0], reverse=True)[:10], rel=1e-5)


@pytest.mark.parametrize("step", ["_write_records", "_retire", "_commit"])
def test_a_failed_apply_leaves_the_previous_snapshot_answering(
    milvus_server: MilvusServer,  # noqa: F811
    seeds_build: Path,  # noqa: F811
    changed_build: Path,  # noqa: F811
    reference: Reference,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    b = fresh(milvus_server, reweight_drift=1.0)
    b.apply(seeds_build)
    held = b.open()
    owner = MilvusBackend if step == "_commit" else milvus._Apply

    def broken(*args: object, **kw: object) -> None:
        raise OSError(f"killed in {step}")

    with monkeypatch.context() as m:
        m.setattr(owner, step, broken)
        with pytest.raises(OSError, match="killed"):
            b.apply(changed_build)
    assert b.live_version() == seeds_build.name
    assert b.check() == []
    for s in (held, b.open()):
        assert s.passages([p.id for p in reference.index.passages]) == reference.index.passages
        assert {x["source"] for x in s.bulletins()} == {x["source"] for x in reference.index.store.bulletins()}
    # the next apply removes what the failed one left and completes
    assert b.apply(changed_build) == changed_build.name
    assert b.check() == []
    assert b.open().info.n_passages == load_index(changed_build.parent, version=changed_build).manifest.n_passages


def test_check_finds_a_missing_row(milvus_server: MilvusServer, seeds_build: Path, reference: Reference) -> None:  # noqa: F811
    b = fresh(milvus_server)
    b.apply(seeds_build)
    assert b.check() == []
    gone = reference.index.passages[3]
    b.client.delete(b.passages_name(1), filter=f'pid == "{gone.id}"')
    problems = b.check()
    assert any(gone.source in p and "passages" in p for p in problems), problems
    with pytest.raises(IndexDamagedError, match="rag update"):
        b.open()
    # the next apply, even of the same build, writes every row anew
    b.apply(seeds_build)
    assert b.written["passages"] == len(reference.index.passages)
    assert b.check() == [] and b.open().passages([gone.id]) == [gone]


def test_filters_are_applied_by_the_server(
    milvus_server: MilvusServer,  # noqa: F811
    seeds_build: Path,  # noqa: F811
    reference: Reference,  # noqa: F811
    query_vectors: list[np.ndarray],  # noqa: F811
) -> None:
    """Every filter, the full-date and the yearless (month-day) rule of `date_in` included, returns
    exactly the passages `Filters.allows`, however many there are (k = all)."""
    b = fresh(milvus_server)
    b.apply(seeds_build)
    s = b.open()
    ps = reference.index.passages
    dates = sorted({p.date for p in ps if p.date})
    assert any(len(d) == 5 for d in dates) or any(len(d) == 10 for d in dates)
    filters = [
        Filters(date_from="2000-11-20"),
        Filters(date_to="2100-11-25"),
        Filters(date_from="11-20", date_to="11-25"),
        Filters(date_from=dates[0], date_to=dates[0]),
        Filters(date_from=dates[-1]),
        Filters(district="上街区", sources=(ps[0].source, 'no "such" \\ file\n.txt')),
        Filters(sources=('no "such" \\ file\n.txt',)),
    ]
    for f in filters:
        want = {p.id for p in ps if f.allows(p)}
        got = {r.id for r in s.dense_search(query_vectors[0], len(ps), f)}
        assert got == want, (f, filter_expr(f, 1))


def test_open_and_apply_say_what_to_do(milvus_server: MilvusServer, tmp_path: Path) -> None:  # noqa: F811
    b = fresh(milvus_server)
    assert b.live_version() == "" and b.check()
    with pytest.raises(IndexMissingError, match="rag build"):
        b.open()
    (tmp_path / "junk").mkdir()
    with pytest.raises(IndexMissingError, match=r"manifest\.json"):
        b.apply(tmp_path / "junk")
    nowhere = MilvusBackend("milvus://127.0.0.1:9", timeout=2.0)
    assert "127.0.0.1:9" in nowhere.name
    with pytest.raises(IndexMissingError, match=r"127\.0\.0\.1:9"):
        nowhere.open()


def test_addresses_and_index_choice() -> None:
    assert to_uri("milvus://db.example:19530") == "http://db.example:19530"
    assert to_uri("milvus+https://db.example:443") == "https://db.example:443"
    assert to_uri("http://h:1") == "http://h:1"
    assert MilvusBackend("milvus://u:secret@h:19530", password="pw").name == "milvus://h:19530 (gbwd)"
    assert dense_index(250_000) == ("FLAT", {})
    assert dense_index(1_000_000) == ("IVF_FLAT", {"nlist": 1024})


def test_the_dense_index_follows_the_size(
    milvus_server: MilvusServer,  # noqa: F811
    seeds_build: Path,  # noqa: F811
    changed_build: Path,  # noqa: F811
    reference: Reference,  # noqa: F811
    query_vectors: list[np.ndarray],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above FLAT_MAX the passages get an IVF index (here: every list probed, so still exact);
    when the choice changes, the next apply writes a new generation of collections and the one
    after drops the old."""
    b = fresh(milvus_server)
    with monkeypatch.context() as m:
        m.setattr(milvus, "FLAT_MAX", 50)
        b.apply(seeds_build)
    s = b.open()
    assert s.info.extra["dense_index"] == "IVF_FLAT" and b.check() == []
    for q in query_vectors:
        assert [r.id for r in s.dense_search(q, 10)] == [i for i, _ in reference.dense_top(q, 10)]
    b.apply(changed_build)
    assert b.open().info.extra["dense_index"] == "FLAT" and b.check() == []
    assert b.client.has_collection(b.passages_name(1)) and b.client.has_collection(b.passages_name(2))
    q = query_vectors[0]  # the snapshot held on the old generation still answers
    assert [r.id for r in s.dense_search(q, 10)] == [i for i, _ in reference.dense_top(q, 10)]
    b.apply(changed_build)
    assert not b.client.has_collection(b.passages_name(1)) and b.check() == []
