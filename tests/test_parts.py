"""Versions in parts: an update that only adds rows links the live version's store, vectors and
term counts into the new version and writes one small part of each; any other update writes them
whole again. Every version must hold exactly what a rebuild holds, verify, and be repaired."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from fault_helpers import HashEmbedder, count_hashing, index_content, make_corpus

import rag.update
from rag import integrity
from rag.index import Index, current_version, load_index
from rag.integrity import check_index, check_version
from rag.layout import BM25_COUNTS, EMBEDDINGS, STORE, Layout, part_name, parts_in
from rag.manifest import Manifest
from rag.models import Passage
from rag.update import sync
from rag.vectors import MappedRows, RowFile, stored_rows

EMB = HashEmbedder()


@pytest.fixture
def growing(tmp_path: Path) -> tuple[Path, Path, list[Path]]:
    """(corpus, index, waiting): the seeds indexed, and generated issues not yet in the corpus,
    to add one update at a time."""
    made = make_corpus(tmp_path / "made", extra_issues=6, seed=3)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    waiting = []
    for p in sorted(made.iterdir()):
        if p.name.startswith("gen_"):
            waiting.append(p)
        else:
            shutil.copy(p, corpus / p.name)
    sync(corpus, tmp_path / "index", EMB)
    return corpus, tmp_path / "index", waiting


def _add(corpus: Path, index: Path, issue: Path) -> Path:
    shutil.copy(issue, corpus / issue.name)
    report = sync(corpus, index, EMB)
    assert report.added == (issue.name,) and not report.changed and not report.removed
    v = current_version(index)
    assert v is not None
    return v


def _content(idx: Index) -> dict[str, tuple[Passage, tuple[float, ...], dict[str, float]]]:
    """passage id -> (passage, vector, term counts by term)."""
    return {pid: (p, tuple(v.round(6)), tf) for pid, (p, v, tf) in index_content(idx).items()}


def _same_as_rebuild(corpus: Path, index: Path, tmp_path: Path) -> Index:
    rebuilt = tmp_path / "rebuilt"
    shutil.rmtree(rebuilt, ignore_errors=True)
    sync(corpus, rebuilt, EMB, rebuild=True)
    upd, reb = load_index(index, EMB), load_index(rebuilt, EMB)
    assert _content(upd) == _content(reb)
    # scores, citation lookups and the bulletin list read the parts as one store
    for q in ("安全生产", "谁主持了安委会会议"):
        su, sr = upd.bm25.scores(upd.analyzer.tokens(q)), reb.bm25.scores(reb.analyzer.tokens(q))
        assert np.allclose(su[[upd.row_of[p] for p in reb.row_of]], sr[list(reb.row_of.values())], atol=1e-5)
    last = upd.passages[-1]
    assert upd.store.passage(last.id) == reb.store.passage(last.id)
    assert upd.store.article(last.article_id) == reb.store.article(last.article_id)
    assert upd.store.article_passages(last.article_id) == reb.store.article_passages(last.article_id)
    strip = [{k: v for k, v in r.items() if k != "indexed_at"} for r in upd.store.bulletins()]
    assert strip == [{k: v for k, v in r.items() if k != "indexed_at"} for r in reb.store.bulletins()]
    assert upd.manifest.n_passages == reb.manifest.n_passages == len(upd.store.passage_ids())
    return upd


def test_updates_that_only_add_write_one_part_and_link_the_rest(
    growing: tuple[Path, Path, list[Path]], tmp_path: Path
) -> None:
    corpus, index, waiting = growing
    v0 = current_version(index)
    assert v0 is not None and Layout(v0).parts(STORE) == [v0 / STORE]
    v1 = _add(corpus, index, waiting[0])
    v2 = _add(corpus, index, waiting[1])
    for kind in (STORE, EMBEDDINGS):
        assert [p.name for p in Layout(v2).parts(kind)] == [part_name(kind, i) for i in range(3)]
        # the parts written before are the same files (hard links), not copies
        for p in Layout(v1).parts(kind):
            assert os.stat(p).st_ino == os.stat(v2 / p.name).st_ino
    m = Manifest.read(v2)
    assert parts_in(STORE, m.files) == [STORE, "store.1.sqlite", "store.2.sqlite"]
    assert check_index(index).ok
    _same_as_rebuild(corpus, index, tmp_path)


def test_term_counts_get_a_part_when_no_kept_passage_is_cut_again(
    growing: tuple[Path, Path, list[Path]], tmp_path: Path
) -> None:
    """Generated issues bring no new dictionary words, so their counts are a part of their own;
    the counts read back are those of a rebuild."""
    corpus, index, waiting = growing
    v = _add(corpus, index, waiting[0])
    v = _add(corpus, index, waiting[1])
    assert len(Layout(v).parts(BM25_COUNTS)) > 1
    _same_as_rebuild(corpus, index, tmp_path)


def test_the_update_at_max_parts_merges_the_parts_after_the_base(
    growing: tuple[Path, Path, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The base part (nearly all rows) stays linked; the small parts updates added are merged
    into one, and the new rows follow as part 2."""
    corpus, index, waiting = growing
    monkeypatch.setattr(rag.update, "MAX_PARTS", 3)
    for issue in waiting[:2]:
        v = _add(corpus, index, issue)
    assert len(Layout(v).parts(STORE)) == 3
    base = {kind: os.stat(v / kind).st_ino for kind in (STORE, EMBEDDINGS)}
    v = _add(corpus, index, waiting[2])
    for kind in (STORE, EMBEDDINGS):
        assert len(Layout(v).parts(kind)) == 3 and os.stat(v / kind).st_ino == base[kind]
    assert check_index(index).ok
    _same_as_rebuild(corpus, index, tmp_path)
    v = _add(corpus, index, waiting[3])
    assert len(Layout(v).parts(STORE)) == 3
    _same_as_rebuild(corpus, index, tmp_path)


def test_a_removal_after_parts_writes_each_file_whole(growing: tuple[Path, Path, list[Path]], tmp_path: Path) -> None:
    corpus, index, waiting = growing
    _add(corpus, index, waiting[0])
    _add(corpus, index, waiting[1])
    (corpus / waiting[0].name).unlink()  # rows of the middle of the store go
    report = sync(corpus, index, EMB)
    assert report.removed == (waiting[0].name,)
    v = current_version(index)
    assert v is not None and Layout(v).parts(STORE) == [v / STORE]
    assert check_index(index).ok
    _same_as_rebuild(corpus, index, tmp_path)


def test_an_update_reads_back_only_the_part_it_wrote(
    growing: tuple[Path, Path, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The linked parts were verified when first written; the next update does not hash them again."""
    corpus, index, waiting = growing
    _add(corpus, index, waiting[0])
    v = _add(corpus, index, waiting[1])
    read = count_hashing(monkeypatch)
    assert check_version(v, level=integrity.UPDATE, hashes=integrity.FileHashes(index / "hashes.json")).ok
    assert read == []
    _add(corpus, index, waiting[2])
    assert not {n for n in read if n in (STORE, "store.1.sqlite", EMBEDDINGS, "embeddings.1.npy")}


@pytest.mark.parametrize("part", ["embeddings.1.npy", "store.1.sqlite"])
def test_a_damaged_part_is_found_and_repaired(growing: tuple[Path, Path, list[Path]], part: str) -> None:
    corpus, index, waiting = growing
    _add(corpus, index, waiting[0])
    v = _add(corpus, index, waiting[1])
    path = v / part
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) - 9] ^= 0xFF  # inside the last rows / the last page
    path.write_bytes(bytes(data))  # the same inode: the linked copy in the older version is damaged too
    check = check_version(v)
    assert not check.ok and part in {p.file for p in check.problems}
    report = sync(corpus, index, EMB, repair=True)
    assert report.repaired
    assert check_index(index).live is not None and check_index(index).live.ok  # type: ignore[union-attr]
    live = current_version(index)
    assert live is not None and not (live / part).exists()  # written whole again


def test_a_part_the_manifest_does_not_list_is_reported(growing: tuple[Path, Path, list[Path]]) -> None:
    corpus, index, waiting = growing
    v = _add(corpus, index, waiting[0])
    shutil.copy(v / "store.1.sqlite", v / "store.2.sqlite")
    check = check_version(v, level=integrity.LOAD)
    assert not check.ok and "store.2.sqlite" in {p.file for p in check.problems}


def test_rows_of_parts_read_as_one_matrix(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    a, b, c = (rng.standard_normal((n, 4)).astype(np.float32) for n in (5, 1, 7))
    paths = [tmp_path / n for n in ("e.npy", "e.1.npy", "e.2.npy")]
    for p, x in zip(paths, (a, b, c), strict=True):
        np.save(p, x)
    whole = np.concatenate([a, b, c])
    m = stored_rows(paths)
    assert isinstance(m, MappedRows) and m.shape == whole.shape and len(m) == 13
    rows = np.array([0, 4, 5, 6, 12, 2])
    assert np.array_equal(m[rows], whole[rows])
    assert np.array_equal(m[3:9], whole[3:9]) and np.array_equal(m[6], whole[6])
    assert np.array_equal(np.asarray(m), whole)
    f = RowFile(paths)
    assert f.shape == whole.shape and np.array_equal(f.take(rows), whole[rows])
    with pytest.raises(IndexError):
        f.take(np.array([13]))
    # the rows copied out of parts by an update that writes the file whole are np.save's bytes
    from rag.update import _write_rows

    keep = np.array([1, 2, 4, 5, 6, 9, 12])
    new = np.ones((2, 4), dtype=np.float32)
    _write_rows(tmp_path / "out.npy", paths, keep, new)
    np.save(tmp_path / "want.npy", np.concatenate([whole[keep], new]))
    assert (tmp_path / "out.npy").read_bytes() == (tmp_path / "want.npy").read_bytes()


def test_term_count_parts_read_as_one_matrix(tmp_path: Path) -> None:
    """Parts of different widths (later parts know more terms) read as the stacked matrix."""
    import scipy.sparse as sp

    from rag.bm25 import load_counts, save_part

    mats = [
        sp.random(n, w, density=0.3, format="csr", dtype=np.float32, random_state=i)
        for i, (n, w) in enumerate([(40, 20), (3, 24), (0, 24), (9, 31)])
    ]
    paths = [tmp_path / part_name(BM25_COUNTS, i) for i in range(len(mats))]
    for p, m in zip(paths, mats, strict=True):
        save_part(p, m)
    want = sp.vstack([sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], 35)) for m in mats], format="csr")
    got = load_counts(paths, 35)
    assert got.shape == want.shape and (got != want).nnz == 0
    assert got.data.dtype == np.float32 and got.indices.dtype == np.int32


def test_parts_are_copied_where_hard_links_are_refused(
    growing: tuple[Path, Path, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index, waiting = growing

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", refuse)
    v1 = _add(corpus, index, waiting[0])
    v2 = _add(corpus, index, waiting[1])
    assert os.stat(v1 / STORE).st_ino != os.stat(v2 / STORE).st_ino and len(Layout(v2).parts(STORE)) == 3
    assert check_index(index).ok
    _same_as_rebuild(corpus, index, tmp_path)


def test_an_update_that_finds_nothing_keeps_the_checksums_of_linked_parts(
    growing: tuple[Path, Path, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its clean-up unlinks the older version's names of the shared parts (their ctime changes):
    the live version's parts must still be known unchanged afterwards."""
    corpus, index, waiting = growing
    _add(corpus, index, waiting[0])
    assert sync(corpus, index, EMB).nothing_changed
    read = count_hashing(monkeypatch)
    _add(corpus, index, waiting[1])
    assert not {n for n in read if n in (STORE, EMBEDDINGS, BM25_COUNTS, "store.1.sqlite", "embeddings.1.npy")}


def test_a_part_changed_in_place_after_its_checksum_was_kept_is_read_again(
    growing: tuple[Path, Path, list[Path]],
) -> None:
    """The cache carries a linked part's checksum only while inode, size and mtime hold."""
    corpus, index, waiting = growing
    v = _add(corpus, index, waiting[0])
    path = v / "store.1.sqlite"
    data = bytearray(path.read_bytes())
    data[-9] ^= 0xFF
    path.write_bytes(bytes(data))
    check = check_version(v, level=integrity.UPDATE, hashes=integrity.FileHashes(index / "hashes.json"))
    assert not check.ok and "store.1.sqlite" in {p.file for p in check.problems}


def test_a_build_that_fails_half_way_leaves_the_last_index_answering(
    growing: tuple[Path, Path, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build writes the archive into the new version as it reads it: a failure while embedding
    removes that half-written version, and the index it was to replace still loads."""
    corpus, index, _ = growing
    before = current_version(index)

    class Broken(HashEmbedder):
        def embed_passages(self, texts, progress=None):  # type: ignore[no-untyped-def]
            raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError, match="model crashed"):
        sync(corpus, index, Broken(), rebuild=True)
    assert current_version(index) == before
    assert not [p for p in index.iterdir() if p.name.startswith(".tmp-")]
    assert load_index(index, EMB).manifest.n_passages > 0


def test_mapped_rows_refuse_rows_past_the_end(tmp_path: Path) -> None:
    paths = [tmp_path / "e.npy", tmp_path / "e.1.npy"]
    np.save(paths[0], np.ones((3, 4), dtype=np.float32))
    np.save(paths[1], np.zeros((2, 4), dtype=np.float32))
    m = stored_rows(paths)
    assert np.array_equal(m[-1], np.zeros(4, dtype=np.float32))
    with pytest.raises(IndexError):
        m[5]
    with pytest.raises(IndexError):
        m[np.array([0, 5])]


def test_a_build_onto_a_full_disk_says_so_and_leaves_nothing(
    growing: tuple[Path, Path, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    import rag.store
    from rag.errors import IndexWriteError

    corpus, index, _ = growing
    before = current_version(index)

    def full(*a: object, **kw: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(rag.store.StoreWriter, "add", full)
    with pytest.raises(IndexWriteError, match="磁盘已满"):
        sync(corpus, index, EMB, rebuild=True)
    assert current_version(index) == before
    assert not [p for p in index.iterdir() if p.name.startswith(".tmp-")]


def test_an_error_of_the_build_itself_is_not_one_bulletins_failure(
    growing: tuple[Path, Path, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError raised while a build takes a bulletin in (not while reading its file) stops the
    build as that error: it is neither reported as that file's failure nor as a full disk."""
    import errno

    corpus, index, _ = growing
    before = current_version(index)

    def broken(*a: object, **kw: object) -> None:
        raise OSError(errno.EIO, "model file unreadable")

    monkeypatch.setattr(rag.update, "chunk_bulletin", broken)
    with pytest.raises(OSError, match="model file unreadable") as caught:
        sync(corpus, index, EMB, rebuild=True)
    assert not isinstance(caught.value, rag.update.IndexWriteError)
    assert current_version(index) == before
    assert not [p for p in index.iterdir() if p.name.startswith(".tmp-")]
