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

from rag import corpus, library
from rag.errors import IndexWriteError
from rag.index import current_version, load_index
from rag.integrity import check_index
from rag.models import Article, Paragraph, Passage
from rag.service import CitationView
from rag.update import sync
from ui import messages, render


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
    import rag.update

    real = rag.update.scan

    def listed_then_gone(folder: Path) -> corpus.Listing:
        found = real(folder)
        return corpus.Listing((*found.files, folder / "zz_vanished.txt"), found.skipped)

    monkeypatch.setattr(rag.update, "scan", listed_then_gone)
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
    import rag.update

    def full(*a: object, **k: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(rag.update, "write_store", full)
    with pytest.raises(IndexWriteError) as caught:
        sync(c, tmp_path / "index", HashEmbedder())
    assert "database or disk is full" in str(caught.value) and str(caught.value).startswith("无法写入新的索引")
    assert messages.user_message(caught.value) == messages.INDEX_WRITE
    assert current_version(tmp_path / "index") == live
    assert not [p for p in (tmp_path / "index").iterdir() if p.name.startswith(".tmp-")]
    assert load_index(tmp_path / "index").passages


def test_utf16_without_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    from rag.ingest import read_bulletin

    text = (make_corpus(tmp_path / "c") / "000_84ebe029d2cf1232.txt").read_text(encoding="utf-8")
    for enc in ("utf-16-le", "utf-16-be"):
        p = tmp_path / f"{enc}.txt"
        p.write_bytes(text.encode(enc))
        raw = read_bulletin(p)
        assert raw.encoding == enc and raw.text == text.replace("\r\n", "\n")


def test_gradio_upload_copies_are_deleted_once_handled(tmp_path: Path) -> None:
    from gradio.utils import get_upload_folder

    from ui.app import discard_uploads

    inside = Path(get_upload_folder()) / "test-discard-0123" / "x.txt"
    inside.parent.mkdir(parents=True, exist_ok=True)
    inside.write_text("x", encoding="utf-8")
    outside = tmp_path / "mine.txt"
    outside.write_text("mine", encoding="utf-8")
    discard_uploads([inside, outside])
    assert not inside.exists() and not inside.parent.exists() and outside.exists()


def test_a_bulletin_cut_into_too_many_passages_is_refused_with_the_reason(tmp_path: Path) -> None:
    c = make_corpus(tmp_path / "corpus")
    report = sync(c, tmp_path / "index", HashEmbedder(), max_passages=25)
    too_big = {name for name, why in report.failed if "上限" in why and "max_passages_per_bulletin" in why}
    held = load_index(tmp_path / "index").manifest.bulletins
    assert too_big and not too_big & set(held) and set(held) | too_big == {p.name for p in c.iterdir()}


def _article(paragraphs: tuple[Paragraph, ...]) -> Article:
    return Article("big.txt", 0, "很长的文章", (), "", paragraphs, "", "", (), "")


def _passage(a: Article, paragraph: int, text: str) -> Passage:
    return Passage("big.txt", a.id, 0, a.title, paragraph, paragraph, text, "", "", "big.txt · 很长的文章")


def test_a_citation_of_a_huge_article_is_bounded() -> None:
    paras = tuple(Paragraph(f"第{i}段。" + "长" * 3000, "") for i in range(1, 201))
    a = _article(paras)
    page = render.render_citation(CitationView(_passage(a, 100, paras[99].text[:300]), a, None, "big.txt"))
    assert len(page) < 3 * render.CITE_MAX_CHARS and "第100段。" in page and "略去第1–" in page
    one_line = _article((Paragraph("字" * 2_000_000, ""),))
    page = render.render_citation(CitationView(_passage(one_line, 1, "字" * 300), one_line, None, "big.txt"))
    assert len(page) < 3 * render.CITE_MAX_CHARS
