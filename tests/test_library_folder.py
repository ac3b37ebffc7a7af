"""The bulletin folder's odd entries and a full disk: skipped or refused with a reason, never fatal.

Link loops, dangling links, links out of the folder and FIFOs are reported by `update` and listed
by the app with why; a file that vanishes during an update is reported and the rest indexed; a
disk that fills up while the store is written (SQLite's own error, not an OSError) gives one
clear error and leaves the last version answering. Uses the fast hash embedder of the fault tests.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from fault_helpers import HashEmbedder, make_corpus

from rag import corpus
from rag.errors import IndexWriteError
from rag.index import current_version, load_index, sync
from rag.integrity import check_index
from ui import library, messages


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    c = make_corpus(tmp_path / "corpus")
    outside = tmp_path / "outside.txt"
    outside.write_text((c / sorted(os.listdir(c))[0]).read_text(encoding="utf-8") + "\n外部文件", encoding="utf-8")
    (c / "loop.txt").symlink_to(c / "loop.txt")
    (c / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (c / "outside.txt").symlink_to(outside)
    os.mkfifo(c / "pipe.txt")
    (c / "subfolder").mkdir()
    return c


def test_odd_entries_are_skipped_with_their_reason(folder: Path, tmp_path: Path) -> None:
    listing = corpus.scan(folder)
    assert dict(listing.skipped) == {
        "dangling.txt": corpus.DANGLING,
        "loop.txt": corpus.LOOP,
        "outside.txt": corpus.OUTSIDE,
        "pipe.txt": corpus.SPECIAL,
    }
    assert all(p.suffix == ".txt" and p.is_file() and not p.is_symlink() for p in listing.files)

    report = sync(folder, tmp_path / "index", HashEmbedder())  # the FIFO is never opened: no hang
    assert {name for name, _ in report.failed} == {"dangling.txt", "loop.txt", "outside.txt", "pipe.txt"}
    assert len(report.added) == len(listing.files)
    assert set(load_index(tmp_path / "index").manifest.bulletins) == {p.name for p in listing.files}

    shown = dict(library.not_indexed(folder, []))
    assert shown["outside.txt"] == "链接指向公报库以外的文件，已跳过"
    assert shown["pipe.txt"].startswith("不是普通文件") and "FIFO" not in shown["pipe.txt"]


def test_a_link_to_a_file_inside_the_folder_is_read(tmp_path: Path) -> None:
    c = make_corpus(tmp_path / "corpus")
    first = sorted(c.iterdir())[0]
    keep = tmp_path / "corpus" / "kept"
    keep.mkdir()
    moved = keep / first.name
    first.rename(moved)
    (c / first.name).symlink_to(moved)
    listing = corpus.scan(c)
    assert c / first.name in listing.files and not listing.skipped


def test_a_file_that_vanishes_during_an_update_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c = make_corpus(tmp_path / "corpus")
    import rag.index

    real = rag.index.scan

    def listed_then_gone(folder: Path) -> corpus.Listing:
        found = real(folder)
        return corpus.Listing((*found.files, folder / "zz_vanished.txt"), found.skipped)

    monkeypatch.setattr(rag.index, "scan", listed_then_gone)
    report = sync(c, tmp_path / "index", HashEmbedder())
    assert [name for name, _ in report.failed] == ["zz_vanished.txt"]
    assert "vanished" in report.failed[0][1] and report.added
    assert check_index(tmp_path / "index").ok


def test_a_full_disk_while_sqlite_writes_keeps_the_last_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = make_corpus(tmp_path / "corpus")
    sync(c, tmp_path / "index", HashEmbedder())
    live = current_version(tmp_path / "index")
    (c / sorted(os.listdir(c))[0]).unlink()  # an update that must write a new version
    import rag.index

    def full(*a: object, **k: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(rag.index, "write_store", full)
    with pytest.raises(IndexWriteError) as caught:
        sync(c, tmp_path / "index", HashEmbedder())
    assert "database or disk is full" in str(caught.value) and str(caught.value).startswith("无法写入新的索引")
    assert messages.user_message(caught.value) == messages.INDEX_WRITE
    assert current_version(tmp_path / "index") == live
    assert not [p for p in (tmp_path / "index").iterdir() if p.name.startswith(".tmp-")]
    assert load_index(tmp_path / "index").passages
