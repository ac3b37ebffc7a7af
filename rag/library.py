"""The bulletin library folder as an app or a script changes it: uploads, removals, what is pending.

An upload is refused, with a message saying why and what to do, when it is not a .txt file, is
over the size limit, cannot be decoded (`rag.ingest.read_bytes`), holds no article, repeats a file
already in the library (same bytes, same name, same issue or same text), or has a name that is
hidden or tries to leave the library folder. Accepted files are written to a hidden temporary
file and renamed into place, so the indexer never sees half a file. A removal first sets the file
aside under a hidden name, updates the index, then deletes it (or puts it back if the update
failed); `recover_removals` settles what a kill left in between. `Library` does these one at a
time against a `rag.service.QA` and keeps the index in step.

Messages for users (the reasons of `UploadRefused`, the lines of `not_indexed`) are Chinese; the
indexer's own reasons (often English, `rag.update`) are passed through an `explain` function the
caller chooses (the app words them in Chinese, `ui.messages.reason_zh`). Which files the folder
holds is `rag.corpus.scan`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .corpus import scan
from .errors import BulletinError, RagError
from .ingest import SUFFIXES, read_bytes
from .integrity import FileHashes, sha256_of
from .parse import parse_bulletin
from .update import Progress, UpdateReport
from .update import _text_key as text_key

if TYPE_CHECKING:
    from .service import QA

log = logging.getLogger(__name__)

REFUSED_FORMATS = "PDF、Word（.doc/.docx）、WPS、RTF、网页（.html）、图片和压缩包"
FORMATS_NOTE = (
    f"只接受纯文本公报（{'、'.join(SUFFIXES)}，UTF-8、GB18030/GBK 或 UTF-16 编码）。"
    f"{REFUSED_FORMATS}等格式不能直接上传：请先在原软件里“另存为”纯文本 .txt。"
)
MAX_NAME_BYTES = 200
UPLOAD_EMPTY = "文件是空的（没有任何文字）：请选择含有公报正文的 .txt 文件"
REMOVED_PREFIX = ".removed-"


def as_is(reason: str) -> str:
    """The indexer's reason as it is (the default `explain`: "中文（English）" or English)."""
    return reason


class UploadRefused(RagError):
    """One uploaded file that is not taken, with the reason in words a user can act on."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass
class UploadResult:
    saved: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


def library_files(corpus_dir: Path) -> list[Path]:
    """The files the indexer reads (`rag.corpus.scan`: regular files in the folder, links only to
    files inside it)."""
    if not corpus_dir.is_dir():
        return []
    return list(scan(corpus_dir).files)


def file_sha256(path: Path) -> str:
    return sha256_of(path)


def safe_target(name: str, corpus_dir: Path) -> Path:
    """Where a file called `name` goes in the library; refuses names that are paths, hidden,
    or would resolve outside the folder (`..`, links)."""
    if not name or not name.strip():
        raise UploadRefused(name or "(无名文件)", "文件名为空")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise UploadRefused(name, "文件名不能包含路径（/、\\ 或 ..）：只能上传单个文件到公报库")
    if name.startswith("."):
        raise UploadRefused(name, "文件名不能以“.”开头（隐藏文件不会被索引）：请改名后再上传")
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        raise UploadRefused(name, "文件名含有控制字符：请改名后再上传")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise UploadRefused(name, f"文件名太长（超过 {MAX_NAME_BYTES} 字节）：请改短后再上传")
    root = corpus_dir.resolve()
    target = (root / name).resolve()
    if target.parent != root:
        raise UploadRefused(name, "文件名指向公报库文件夹以外的位置，已拒绝")
    return root / name


def check_suffix(name: str) -> None:
    if Path(name).suffix.lower() not in SUFFIXES:
        suffix = Path(name).suffix or "（无扩展名）"
        raise UploadRefused(name, f"不支持 {suffix} 文件。{FORMATS_NOTE}")


@dataclass
class _Known:
    """What the library already holds, to refuse duplicates (and duplicates within one batch)."""

    names: dict[str, str]  # lower-case name -> name
    shas: dict[str, str]  # sha256 -> name
    issues: dict[tuple[str, str, str], str]  # (district or publisher, issue no, issue date) -> name
    texts: dict[str, str] = field(default_factory=dict)  # text key (rag.update) -> name

    @classmethod
    def scan(cls, corpus_dir: Path, indexed: Iterable[dict[str, Any]], texts: dict[str, str] | None = None) -> _Known:
        names: dict[str, str] = {}
        shas: dict[str, str] = {}
        for p in library_files(corpus_dir):
            names[p.name.lower()] = p.name
            try:
                shas.setdefault(file_sha256(p), p.name)
            except OSError as e:
                log.warning("cannot read %s: %s", p, e)
        issues: dict[tuple[str, str, str], str] = {}
        for r in indexed:
            if r.get("issue_no"):
                key = (r.get("district") or r.get("publisher") or "", r["issue_no"], r.get("issue_date") or "")
                issues.setdefault(key, r["source"])
        return cls(names, shas, issues, dict(texts or {}))


def check_upload(
    name: str, data: bytes, known: _Known, max_bytes: int, explain: Callable[[str], str] = as_is
) -> tuple[str, tuple[str, str, str] | None, str]:
    """Validate one upload; returns (sha256, issue key, text key) or raises UploadRefused. Every
    duplicate the indexer would skip is refused here, so an upload is never reported taken and
    then left out of the index. `explain` words the reader's reason for a file it cannot read."""
    check_suffix(name)
    if len(data) > max_bytes:
        raise UploadRefused(
            name, f"文件有 {len(data) / 1048576:.1f} MB，超过 {max_bytes / 1048576:.0f} MB 的上限：请拆分后再上传"
        )
    if name.lower() in known.names:
        raise UploadRefused(name, f"公报库里已有同名文件 {known.names[name.lower()]}：如要替换，请先删除旧文件")
    sha = hashlib.sha256(data).hexdigest()
    if sha in known.shas:
        raise UploadRefused(name, f"与公报库里的 {known.shas[sha]} 内容完全相同，重复文件不再收录")
    if not data.strip():
        raise UploadRefused(name, UPLOAD_EMPTY)
    try:
        bulletin = parse_bulletin(read_bytes(data, name))
    except BulletinError as err:
        raise UploadRefused(name, f"无法读取：{explain(err.reason)}") from err
    key = None
    if bulletin.issue_no:
        key = (bulletin.district or bulletin.publisher, bulletin.issue_no, bulletin.issue_date)
        if key in known.issues:
            raise UploadRefused(
                name, f"与公报库里的 {known.issues[key]} 是同一期（{bulletin.label}），重复的期次不再收录"
            )
    tkey = text_key(bulletin)
    if tkey in known.texts:
        raise UploadRefused(
            name,
            f"与公报库里的 {known.texts[tkey]} 正文相同（只是文件、编码或期号不同），重复的公报不再收录",
        )
    return sha, key, tkey


def write_atomic(target: Path, data: bytes) -> None:
    """Write to a hidden temporary file beside the target, then rename it into place."""
    tmp = target.parent / f".upload-{secrets.token_hex(6)}.tmp"
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            raise UploadRefused(target.name, "公报库里已有同名文件：如要替换，请先删除旧文件")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def save_uploads(
    corpus_dir: Path,
    uploads: Sequence[tuple[str, Path]],
    max_mb: int,
    indexed: Iterable[dict[str, Any]] = (),
    texts: dict[str, str] | None = None,
    explain: Callable[[str], str] = as_is,
) -> UploadResult:
    """Check each (original name, uploaded temp file) and write the good ones into the library;
    texts: text key -> file of the indexed bulletins (`Store.text_keys`); explain: see `check_upload`."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    known = _Known.scan(corpus_dir, indexed, texts)
    max_bytes = max_mb * 1024 * 1024
    result = UploadResult()
    for name, path in uploads:
        try:
            target = safe_target(name, corpus_dir)
            check_suffix(name)
            try:
                size = path.stat().st_size
                if size > max_bytes:
                    raise UploadRefused(
                        name, f"文件有 {size / 1048576:.1f} MB，超过 {max_mb} MB 的上限：请拆分后再上传"
                    )
                data = path.read_bytes()
            except OSError as e:
                raise UploadRefused(name, f"上传的文件无法读取（{e.strerror or e}）：请重新上传") from e
            sha, key, tkey = check_upload(name, data, known, max_bytes, explain)
            write_atomic(target, data)
        except UploadRefused as r:
            result.refused.append((r.name, r.reason))
            log.info("upload refused: %s", r)
            continue
        known.names[name.lower()] = name
        known.shas[sha] = name
        known.texts[tkey] = name
        if key is not None:
            known.issues[key] = name
        result.saved.append(name)
        log.info("upload saved: %s", target)
    return result


def removal_target(corpus_dir: Path, source: str) -> Path:
    """The bulletin file `source` in the library, or UploadRefused in removal's own words: only a
    bulletin file (`rag.corpus.scan` lists it) directly in the folder may be removed."""
    if not source or not source.strip():
        raise UploadRefused(source or "(无名文件)", "请先选择要删除的公报文件")
    if "/" in source or "\\" in source or source in (".", "..") or source.startswith("."):
        raise UploadRefused(source, "不能删除公报库以外的路径：只能删除公报库中的公报文件")
    if Path(source).suffix.lower() not in SUFFIXES:
        raise UploadRefused(source, "只能删除公报文件（.txt），其他文件请在文件夹中自行处理")
    target = corpus_dir / source
    if target not in scan(corpus_dir).files:
        raise RagError(f"公报库里没有文件 {source}")
    return target


def set_aside(corpus_dir: Path, source: str) -> Path:
    """Move a library file out of the indexer's sight (a hidden name in the same folder); the
    caller deletes it after the index is updated, or puts it back with `restore`. A kill in
    between leaves the hidden file, which `recover_removals` settles at the next start."""
    target = removal_target(corpus_dir, source)
    hidden = target.parent / f"{REMOVED_PREFIX}{secrets.token_hex(4)}-{target.name}"
    os.replace(target, hidden)
    return hidden


def restore(hidden: Path, source: str) -> None:
    os.replace(hidden, hidden.parent / source)


def recover_removals(corpus_dir: Path, indexed: Iterable[str]) -> list[str]:
    """Settle removals a kill interrupted: a set-aside file whose bulletin the index still holds is
    put back (the removal did not happen); one the index no longer holds is deleted (it did).
    Returns what was put back."""
    held = set(indexed)
    back: list[str] = []
    try:
        leftovers = [p for p in corpus_dir.iterdir() if p.name.startswith(REMOVED_PREFIX)]
    except OSError:
        return back
    for hidden in leftovers:
        source = hidden.name[len(REMOVED_PREFIX) :].split("-", 1)[-1]
        try:
            if source in held and not (corpus_dir / source).exists():
                restore(hidden, source)
                back.append(source)
                log.warning("put back %s: its removal was interrupted", source)
            else:
                hidden.unlink()
                log.info("deleted %s, left by an interrupted removal", hidden.name)
        except OSError as err:
            log.warning("cannot settle %s: %s", hidden.name, err)
    return back


def not_indexed(
    corpus_dir: Path,
    indexed: Sequence[dict[str, Any]],
    failed: dict[str, str] | None = None,
    hashes: FileHashes | None = None,
) -> list[tuple[str, str]]:
    """Library files the index does not hold (new, changed or refused by the indexer), with why."""
    failed = failed or {}
    hashes = hashes or FileHashes()
    by_source = {r["source"]: r.get("sha256", "") for r in indexed}
    out: list[tuple[str, str]] = []
    if corpus_dir.is_dir():  # links out of the folder, loops, FIFOs: listed with why they are not read
        out += [(name, reason.split("（", 1)[0]) for name, reason in scan(corpus_dir).skipped]
    for p in library_files(corpus_dir):
        if p.name in failed:
            out.append((p.name, f"索引时被跳过：{failed[p.name]}"))
        elif p.name not in by_source:
            out.append((p.name, "新文件，尚未更新索引"))
        else:
            try:
                if hashes.sha256(p) != by_source[p.name]:
                    out.append((p.name, "文件已修改，尚未更新索引（索引中仍是旧内容）"))
            except OSError:
                continue
    return out


class Library:
    """The library folder and the index kept in step, one change at a time: an upload is saved
    and then indexed, a removal is undone when the update fails. Remembers why the last update
    skipped files (worded by `explain`), so `pending` can say it. Removals a kill interrupted are
    settled when it is made."""

    def __init__(self, qa: QA, explain: Callable[[str], str] = as_is) -> None:
        self.qa = qa
        self.explain = explain
        self.failed: dict[str, str] = {}
        self.hashes = FileHashes()
        self._lock = threading.Lock()
        try:  # removals a kill interrupted: put back or finish
            recover_removals(self.corpus_dir, (r["source"] for r in self.rows()))
        except (RagError, OSError, sqlite3.Error) as err:
            log.warning("cannot settle interrupted removals: %s", err)

    @property
    def corpus_dir(self) -> Path:
        return self.qa.settings.corpus_dir

    def rows(self) -> list[dict[str, Any]]:
        return self.qa.bulletins()

    def sync(self, rebuild: bool = False, progress: Progress | None = None) -> UpdateReport:
        """Update the index from the folder; questions keep the old version until this one is live."""
        with self._lock:
            report = self.qa.sync(rebuild=rebuild, progress=progress, lock_wait=120)
            self.failed = {source: self.explain(why) for source, why in report.failed}
            _ = self.qa.reader  # load the new version now rather than on the next question
            return report

    def save(self, uploads: Sequence[tuple[str, Path]]) -> UploadResult:
        """Save the acceptable ones of (original name, uploaded file) into the folder, without
        updating the index (`upload` does both)."""
        with self._lock:
            texts = self._text_keys()
            return save_uploads(
                self.corpus_dir, uploads, self.qa.settings.max_upload_mb, self.rows(), texts, self.explain
            )

    def upload(
        self, uploads: Sequence[tuple[str, Path]], progress: Progress | None = None
    ) -> tuple[UploadResult, UpdateReport | None]:
        """Save the acceptable files, then update the index if any was saved."""
        result = self.save(uploads)
        report = self.sync(progress=progress) if result.saved else None
        return result, report

    def remove(self, source: str, progress: Progress | None = None) -> UpdateReport:
        """Take a file out of the library and the index; put it back if the update fails."""
        with self._lock:
            hidden = set_aside(self.corpus_dir, source)
        try:
            report = self.sync(progress=progress)
        except BaseException:
            restore(hidden, source)
            raise
        hidden.unlink(missing_ok=True)
        return report

    def pending(self) -> list[tuple[str, str]]:
        """Library files the index does not hold, with why (in Chinese)."""
        return not_indexed(self.corpus_dir, self.rows(), self.failed, self.hashes)

    def _text_keys(self) -> dict[str, str]:
        try:
            return self.qa.text_keys()
        except (RagError, OSError, sqlite3.Error) as err:  # no index yet: the indexer still checks
            log.info("no text keys to compare uploads with: %s", err)
            return {}
