"""Build, update and repair an index folder: plan what changed, then write a new version atomically.

A new version is written beside the live one and becomes live by replacing CURRENT, so a crash at
any point leaves the last good version answering; old versions are removed afterwards, never while
CURRENT names none. An update first checks the live version in full: what does not verify is not
copied forward but derived again from the bulletins, and only damaged vector rows are embedded
again. The read side (loading a version, the FAISS index chosen for a size) is `rag.index`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
from filelock import FileLock, Timeout

from . import harvest, vectors
from .analyze import Analyzer, normalize
from .bm25 import BM25, count_terms, load_counts, load_vocab, save_part, save_vocab
from .chunk import chunk_bulletin
from .corpus import scan
from .embed import Embedder
from .errors import BulletinError, IndexBusyError, IndexMismatchError, IndexWriteError, RagError
from .index import current_version
from .ingest import SUFFIXES, read_bulletin
from .integrity import (
    UPDATE,
    FileHashes,
    check_version,
    damaged_rows,
    file_records,
    kind_of,
    newest_good,
    npy_header,
    read_current,
    read_rows,
    row_sums,
)
from .layout import (
    BM25_COUNTS,
    CURRENT,
    EMBED_KEYS,
    EMBEDDINGS,
    HASHES,
    LOCK,
    MAX_PARTS,
    ROW_SUMS,
    SEGMENTED,
    STORE,
    TMP_PREFIX,
    VERSION_PREFIX,
    Layout,
    part_name,
    parts_in,
    versions,
)
from .manifest import FORMAT_VERSION, Manifest
from .models import Bulletin, Passage, content_id
from .parse import parse_bulletin
from .store import Store, StoredBulletin, StoreWriter, merge_stores, write_store
from .vectors import MappedRows, RowFile, stored_rows

log = logging.getLogger(__name__)


Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class UpdateReport:
    """What a build/update changed; printed by the CLI and shown by the app."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()  # (file, reason)
    embedded: int = 0  # passages embedded now
    reused: int = 0  # passages whose vectors were reused
    passages: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    version: str = ""
    repaired: tuple[str, ...] = ()  # what was found damaged and derived again ("file: what")
    applied_to: str = ""  # the server store the version was then applied to ("" = none)

    @property
    def nothing_changed(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def lines(self) -> list[str]:
        out = []
        for label, items in (("added", self.added), ("changed", self.changed), ("removed", self.removed)):
            for s in items:
                out.append(f"{label}: {_one_line(s)}")
        for src, why in self.failed:
            out.append(f"skipped: {_one_line(src)}: {why}")
        for what in self.repaired:
            out.append(f"repaired: {what}")
        if self.applied_to:
            out.append(f"applied to {self.applied_to} in {self.timings.get('apply', 0.0):.1f} s")
        out.append(
            f"{self.passages} passages in the index; embedded {self.embedded}, reused {self.reused}; "
            f"{len(self.unchanged)} bulletin(s) unchanged; {self.seconds:.1f} s"
        )
        return out


def _one_line(name: str) -> str:
    """A file name as one line of a report (a name may hold a newline)."""
    return name.encode("unicode_escape").decode("ascii") if any(c in name for c in "\r\n\t\x0b\x0c") else name


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class _Entry:
    status: str  # added | changed | unchanged
    kept: StoredBulletin | None = None  # unchanged: what the live version holds of it
    bulletin: Bulletin | None = None  # added/changed: parsed now
    passages: list[Passage] = field(default_factory=list)  # added/changed: chunked now
    text_key: str = ""  # added/changed: the duplicate key computed while planning
    words: tuple[str, ...] = ()
    aliases: dict[str, list[str]] = field(default_factory=dict)
    articles: int | None = None  # articles of a bulletin already written (a build keeps no articles)

    @property
    def sha256(self) -> str:
        return self.kept.bulletin.sha256 if self.kept else self.bulletin.sha256 if self.bulletin else ""

    @property
    def n_articles(self) -> int:
        if self.articles is not None:
            return self.articles
        return self.kept.n_articles if self.kept else len(self.bulletin.articles) if self.bulletin else 0


def lock_folder(index_dir: Path, wait: float) -> FileLock:
    """The index folder's lock (one build, update or apply at a time), held when returned."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / LOCK))
    try:
        lock.acquire(timeout=wait)
    except Timeout as e:
        raise IndexBusyError(
            "索引正在更新，请等待完成后再试"
            f"（another build/update of {index_dir} is running; wait for it to finish and try again）"
        ) from e
    return lock


def sync(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    repair: bool = False,
    progress: Progress | None = None,
    lock_wait: float = 0.0,
    max_passages: int = 0,
) -> UpdateReport:
    """Make the index match the bulletin folder. `rebuild` ignores the old index entirely;
    `repair` also writes a new version when the live one verifies but records no checksums;
    `max_passages` (0: no limit) refuses a bulletin cut into more passages than that."""
    scan(corpus_dir)  # a missing bulletin folder is said before the index folder is made
    lock = lock_folder(index_dir, lock_wait)
    try:
        return _sync(corpus_dir, index_dir, embedder, rebuild, progress, repair, max_passages)
    except BaseException:
        _remove_leftovers(index_dir)  # a build's half-written version, whatever step failed
        raise
    finally:
        lock.release()


def _sync(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    rebuild: bool,
    progress: Progress | None,
    repair: bool = False,
    max_passages: int = 0,
) -> UpdateReport:
    """Plan what changed, then write the new version: an update copies what the live version holds
    of unchanged bulletins (store rows, vectors, term counts) and only parses, chunks, tokenises
    and embeds the new and changed ones, so its cost follows the change, not the index size.
    When the live version does not verify, nothing of it is copied: everything is derived again
    from the bulletins, reusing the vectors of its intact rows."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    repaired: list[str] = []
    hashes = FileHashes(index_dir / HASHES)  # checksums by stat: unchanged files are not read back
    live_v = current_version(index_dir)  # kept on disk after the swap for readers that opened it
    if live_v is None and not rebuild:
        live_v = _repoint_current(index_dir, repaired)
    old_v = None if rebuild else live_v
    old: Manifest | None = None
    reuse_v: Path | None = None  # a version whose intact vectors are reused by a full re-derivation
    bad_rows: tuple[int, ...] | None = ()
    damaged: frozenset[str] = frozenset()
    spare: Path | None = None  # a good older version the app may be answering from meanwhile
    if old_v is not None:
        # repair reads every file back: what `verify` found must not be vouched for by a file's stat
        check = check_version(old_v, level=UPDATE, hashes=None if repair else hashes)
        if not check.ok or (repair and not check.checksums):
            repaired += [f"{old_v.name}/{p.file}: {p.what}" for p in check.problems] or [
                f"{old_v.name}: no checksums recorded; written again with them"
            ]
            log.warning("the live index version does not verify: %s; deriving it again", "; ".join(repaired))
            reuse_v, bad_rows, old_v = old_v, check.bad_rows, None
            damaged = frozenset(p.file for p in check.problems)
            spare = _answering_instead(index_dir, reuse_v)
        else:
            old = Manifest.read(old_v)
    elif not rebuild and versions(index_dir):
        # no version verifies: derive everything again, keeping the newest one's intact vectors
        reuse_v = versions(index_dir)[0]
        check = check_version(reuse_v, level=UPDATE)
        bad_rows = check.bad_rows
        damaged = frozenset(p.file for p in check.problems)
        repaired += [f"{reuse_v.name}/{p.file}: {p.what}" for p in check.problems]
        log.warning("no index version verifies: %s; deriving it again", "; ".join(repaired))
    if old is not None and (old.embedder != embedder.id or old.format_version != FORMAT_VERSION):
        log.info("index was built with %s (format %s): rebuilding everything", old.embedder, old.format_version)
        if old.embedder == embedder.id:
            reuse_v = old_v
        old_v, old = None, None
    old_store = Store(Layout(old_v).store) if old_v else None
    old_hashes = old.bulletins if old else {}
    prior = _bulletins_of(reuse_v) if repaired and reuse_v is not None else old_hashes  # what the report compares with
    stored = old_store.stored_bulletins() if old_store is not None else {}

    timings["verify"] = time.perf_counter() - t0  # the live version checked before anything is copied
    t_plan = time.perf_counter()
    listing = scan(corpus_dir)
    name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
    tmp = index_dir / f"{TMP_PREFIX}{name}"
    # a build streams the archive through the new version's files (`_Stream`)
    try:
        stream = _Stream(tmp, embedder, max_passages) if old_v is None and reuse_v is None else None
    except (OSError, sqlite3.Error) as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if _cannot_write(err):
            raise _write_failed(index_dir, err) from err
        raise
    with _discarding(stream):
        entries, failed = _plan(
            list(listing.files), old_hashes, stored, progress, hashes, on_fresh=stream.take if stream else None
        )
        if stream is not None:
            stream.writer.close()
    failed = [*listing.skipped, *failed]
    timings["parse"] = time.perf_counter() - t_plan
    removed = tuple(s for s in old_hashes if s not in entries)
    fresh = {s: e for s, e in sorted(entries.items()) if e.status != "unchanged"}

    if old_v is not None and not fresh and not removed:
        _collect_garbage(index_dir, keep={old_v.name})
        for file, rec in (old.files if old else {}).items():  # removing older versions' links changed ctimes
            hashes.carry(old_v / file, old_v / file, str(rec.get("sha256")))
        hashes.save()
        return UpdateReport(
            unchanged=tuple(sorted(entries)),
            failed=tuple(failed),
            reused=old.n_passages if old else 0,
            passages=old.n_passages if old else 0,
            seconds=time.perf_counter() - t0,
            timings=timings,
            version=old_v.name,
            repaired=tuple(repaired),
        )

    t1 = time.perf_counter()
    for e in fresh.values() if stream is None else ():  # a build chunked each bulletin as it was read
        assert e.bulletin is not None
        e.passages = chunk_bulletin(e.bulletin)
        e.words = tuple(harvest.user_words([e.bulletin]))
        e.aliases = harvest.corpus_aliases([e.bulletin])
    for source, e in list(fresh.items()):
        if max_passages and len(e.passages) > max_passages:
            failed.append((source, _too_many(len(e.passages), max_passages)))
            log.warning("%s: %s", source, failed[-1][1])
            del fresh[source]
            if source in stored:  # an indexed bulletin grown too big keeps its last good version
                entries[source] = _Entry("unchanged", kept=stored[source])
            else:
                del entries[source]
    new_passages = [p for e in fresh.values() for p in e.passages]
    timings["chunk"] = time.perf_counter() - t1

    # the user dictionary: names harvested from every bulletin in the index
    t2 = time.perf_counter()
    user_words = sorted({w for e in entries.values() for w in (e.kept.words if e.kept else e.words)})
    aliases: dict[str, set[str]] = {}
    for e in entries.values():
        for short, fulls in (e.kept.aliases if e.kept else e.aliases).items():
            aliases.setdefault(short, set()).update(fulls)
    analyzer = Analyzer(user_words)
    dropped = set(removed) | {s for s, e in fresh.items() if e.status == "changed"}
    keep_rows: list[int] = []
    retokenize: dict[int, list[str]] = {}
    old_bm25: BM25 | None = None
    old_vocab: dict[str, int] = {}
    if old_v is not None and old_store is not None:
        # kept passages whose words the dictionary now cuts differently are tokenised again
        old_words = set(Layout(old_v).userdict.read_text(encoding="utf-8").split("\n")) - {""}
        moved = sorted(old_words.symmetric_difference(user_words))
        keep_rows = old_store.rows_except(dropped)
        if moved:
            texts = [_lexical_text(title, text) for title, text in old_store.titles_and_texts()]
            hit = _containing([normalize(t) for t in texts], moved)  # jieba cuts normalised text
            for pos, r in enumerate(keep_rows):
                if r in hit:
                    retokenize[pos] = analyzer.tokens(texts[r])
    # which big files get one more part (rows only added) instead of being written whole
    appending = _appending(old_v, old, keep_rows, len(new_passages), dropped)
    if not appending.get(BM25_COUNTS) or retokenize:
        appending.pop(BM25_COUNTS, None)
        if old_v is not None and old_store is not None:
            old_bm25 = BM25.load(old_v)
            old_vocab = old_bm25.vocab
    elif old_v is not None:
        old_vocab = load_vocab(old_v)  # the counts themselves are not read: their parts are linked
    # counted as they are cut, a batch at a time: the token lists of 1M passages would not fit
    new_vocab = dict(old_vocab)
    if stream is not None:  # one pass over the stored passages: counted, and embedded as they come
        with _discarding(stream):
            with contextlib.closing(
                stream.embedded(progress, lambda p: analyzer.tokens(_lexical_text(p.title, p.text)))
            ) as docs:
                new_counts = count_terms(docs, new_vocab)
            stream.check(new_counts.shape[0])
        timings["embed"] = stream.embed_s
    else:
        new_counts = count_terms((analyzer.tokens(_lexical_text(p.title, p.text)) for p in new_passages), new_vocab)
    timings["tokenize"] = time.perf_counter() - t2 - timings.get("embed", 0.0)

    # embeddings: only for passages whose text (with title) was not embedded before
    t3 = time.perf_counter()
    dim = embedder.dim
    embedder_id = embedder.id
    keys = [content_id(embedder_id, p.embed_text) for p in new_passages]
    old_vecs = stored_rows(Layout(old_v).parts(EMBEDDINGS)) if old_v is not None else None
    if old_vecs is not None and old_vecs.shape[1] != dim:
        raise IndexMismatchError(
            f"{old_v}: vectors of dimension {old_vecs.shape[1]}, expected {dim}: run `python -m rag build`"
        )
    known = _known_rows(old_v, old, old_store, keys) if old_store is not None and keys else {}
    if reuse_v is not None and keys:
        old_vecs, known = _vectors_of(reuse_v, dim, bad_rows, damaged)
    new_vecs = np.zeros((len(new_passages), dim), dtype=np.float32)
    todo: list[int] = []
    for i, k in enumerate(keys):
        j = known.get(k)
        if j is not None and old_vecs is not None:
            new_vecs[i] = old_vecs[j]
        else:
            todo.append(i)
    if todo:

        def emb_progress(done: int, total: int) -> None:
            if progress:
                progress("embed", done, total)

        new_vecs[todo] = embedder.embed_passages([new_passages[i].embed_text for i in todo], emb_progress)
    # kept rows are copied file to file when the new version is written (`_write_rows`), not
    # through memory: at 1M passages that copy is 1.5 GB
    stream_from = Layout(old_v).parts(EMBEDDINGS) if old_v is not None and keep_rows else None
    vecs: np.ndarray | MappedRows | RowFile = new_vecs  # the whole version's rows (kept rows exist only with old_v)
    if stream is not None:  # embedded while counted, above
        vecs = RowFile(tmp / EMBEDDINGS)
        todo = list(range(len(vecs)))
    del old_vecs
    timings["embed"] = timings.get("embed", 0.0) + time.perf_counter() - t3

    # write the new version beside the live one, then swap CURRENT
    t4 = time.perf_counter()
    if progress:
        progress("index", 0, 1)
    try:
        tmp.mkdir(parents=True, exist_ok=stream is not None)
        indexed_at = _now()
        files = Layout(tmp)
        linked = _link_parts(old_v, old, tmp, appending)  # part name -> its record in the live manifest
        n_kept = len(keep_rows)
        if stream is None:
            write_store(
                tmp / part_name(STORE, appending[STORE]) if STORE in appending else files.store,
                None if STORE in appending or old_store is None else old_store.path,
                () if STORE in appending else dropped,
                [
                    StoredBulletin(
                        bulletin=e.bulletin,
                        indexed_at=indexed_at,
                        n_articles=len(e.bulletin.articles),
                        n_passages=len(e.passages),
                        text_key=e.text_key,
                        words=e.words,
                        aliases=e.aliases,
                    )
                    for e in fresh.values()
                    if e.bulletin is not None
                ],
                new_passages,
                keys,
                first_row=n_kept if STORE in appending else 0,
            )
        keep = np.asarray(keep_rows, dtype=np.int64)
        if stream is not None:
            pass  # written as it was embedded
        elif EMBEDDINGS in appending:
            np.save(tmp / part_name(EMBEDDINGS, appending[EMBEDDINGS]), new_vecs)
            vecs = stored_rows(files.parts(EMBEDDINGS))
        elif stream_from is not None:
            _write_rows(files.embeddings, stream_from, keep, new_vecs)
            vecs = np.load(files.embeddings, mmap_mode="r")
        else:
            np.save(files.embeddings, new_vecs)
        # the kept rows' checksums and keys verified with the live version: taken over, not recomputed
        live = old_v if old_v is not None else tmp
        if stream is not None:
            sums = stream.sums
        elif stream_from is not None and old is not None and ROW_SUMS in old.files:
            sums = np.concatenate([np.load(live / ROW_SUMS)[keep], row_sums(new_vecs)])
        else:
            sums = row_sums(cast(np.ndarray, vecs))  # slices of mapped parts read as arrays do
        np.save(tmp / ROW_SUMS, sums)
        if stream_from is not None and old is not None and EMBED_KEYS in old.files:
            kept_keys = (live / EMBED_KEYS).read_text(encoding="utf-8").split("\n")
            all_keys = [kept_keys[r] for r in keep_rows] + keys
        else:
            all_keys = Store(files.store).embed_keys()
        files.embed_keys.write_text("\n".join(all_keys), encoding="utf-8")
        # the vector index: trained once, then added to (retrained only when `vectors` measures drift)
        old_vi = None
        if old_v is not None and reuse_v is None:
            try:
                old_vi = vectors.load(old_v)  # a private copy: `update` changes it in place
            except Exception as err:  # the live version verified, but its index may be of another kind
                log.warning("cannot reuse the vector index of %s (%s): building it again", old_v.name, err)
        if old_vi is not None:
            vi, decision = vectors.update(old_vi, np.asarray(keep_rows, dtype=np.int64), vecs)
        else:
            vi, decision = vectors.build(vecs)
        vectors.save(vi, tmp)
        timings["vectors"] = decision.seconds
        log.info("vector index: %s (%s)", decision.action, decision.reason)
        if BM25_COUNTS in appending:
            save_part(tmp / part_name(BM25_COUNTS, appending[BM25_COUNTS]), new_counts)
            save_vocab(tmp, new_vocab)
        else:
            if old_bm25 is not None:
                bm25 = old_bm25.updated(keep_rows, retokenize, (new_counts, new_vocab))
            else:
                bm25 = BM25.from_counts(new_counts, new_vocab)
            bm25.save(tmp)
            del bm25
        files.userdict.write_text("\n".join(user_words), encoding="utf-8")
        harvest.save_aliases(tmp, {k: sorted(v) for k, v in sorted(aliases.items())})
        Manifest(
            format_version=FORMAT_VERSION,
            embedder=embedder_id,
            dim=dim,
            faiss_index=decision.kind,
            n_bulletins=len(entries),
            n_articles=sum(e.n_articles for e in entries.values()),
            n_passages=len(vecs),
            bulletins={s: e.sha256 for s, e in sorted(entries.items())},
            created_at=indexed_at,
            user_words=len(user_words),
            files=(records := file_records(tmp, linked)),
        ).write(tmp)
        for f in tmp.iterdir():  # the files reach the disk before the version can become live
            if f.name not in linked:
                _fsync(f)
        _fsync(tmp)
        os.replace(tmp, index_dir / name)
        _write_current(index_dir, name)
    except BaseException as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if _cannot_write(err):
            raise _write_failed(index_dir, err) from err
        raise
    _collect_garbage(index_dir, keep={name, live_v.name if live_v else "", spare.name if spare else ""})
    # what was just hashed (or verified and linked) is not read back by the next update; recorded
    # after the clean-up, which changes the ctime of the parts it unlinks from old versions
    for file, rec in records.items():
        if file in linked and old_v is not None:
            hashes.carry(old_v / file, index_dir / name / file, str(rec["sha256"]))
        else:
            with contextlib.suppress(OSError):
                hashes.record(index_dir / name / file, str(rec["sha256"]))
    hashes.save()
    timings["write"] = time.perf_counter() - t4
    if progress:
        progress("index", 1, 1)

    return UpdateReport(
        added=tuple(s for s in sorted(entries) if s not in prior),
        changed=tuple(s for s, e in sorted(entries.items()) if s in prior and prior[s] != e.sha256),
        removed=tuple(s for s in prior if s not in entries),
        unchanged=tuple(s for s, e in sorted(entries.items()) if prior.get(s) == e.sha256),
        failed=tuple(failed),
        embedded=len(todo),
        reused=len(vecs) - len(todo),
        passages=len(vecs),
        seconds=time.perf_counter() - t0,
        timings=timings,
        version=name,
        repaired=tuple(repaired),
    )


def _plan(
    files: list[Path],
    old_hashes: dict[str, str],
    stored: dict[str, StoredBulletin],
    progress: Progress | None,
    hashes: FileHashes,
    on_fresh: Callable[[str, _Entry], str] | None = None,
) -> tuple[dict[str, _Entry], list[tuple[str, str]]]:
    """Which bulletins are new, changed, unchanged or refused (duplicates, unreadable files).
    Unchanged ones are recognised by their bytes' sha256 and not read further. `on_fresh` is
    handed each new or changed bulletin as soon as it is accepted, and may refuse it (a reason)."""
    # unchanged bulletins first, then changed ones, then new ones: a file that now duplicates an
    # indexed bulletin is the duplicate, never the original it copies
    shas: dict[Path, str] = {}

    def order(p: Path) -> tuple[int, str]:
        if p.name not in old_hashes:
            return 2, p.name
        try:
            shas[p] = hashes.sha256(p)
        except OSError:
            return 1, p.name
        return (0 if shas[p] == old_hashes[p.name] else 1), p.name

    files = sorted(files, key=order)
    entries: dict[str, _Entry] = {}
    failed: list[tuple[str, str]] = []
    seen_sha: dict[str, str] = {}
    seen_issue: dict[tuple[str, str, str], str] = {}
    seen_text: dict[str, str] = {}

    def keep(source: str, sb: StoredBulletin) -> None:
        entries[source] = _Entry("unchanged", kept=sb)
        if sb.bulletin.issue_no:
            seen_issue.setdefault(_issue_key(sb.bulletin), source)
        seen_text.setdefault(sb.text_key, source)

    for i, path in enumerate(files):
        if progress:
            progress("parse", i, len(files))
        source = path.name
        try:
            if not _utf8_name(source):
                source = source.encode("utf-8", "backslashreplace").decode("utf-8")
                raise BulletinError(
                    source, "文件名不是有效的 UTF-8，请重命名（the file name is not valid UTF-8: rename the file）"
                )
            if path.suffix.lower() not in SUFFIXES:
                raise BulletinError(source, f"not a {'/'.join(SUFFIXES)} file, not indexed")
            data_sha = shas.get(path) or hashes.sha256(path)
            if data_sha in seen_sha:
                raise BulletinError(
                    source,
                    f"与 {seen_sha[data_sha]} 内容相同，重复的公报未索引"
                    f"（same content as {seen_sha[data_sha]}: duplicate not indexed (remove one of the two)）",
                )
            if old_hashes.get(source) == data_sha and source in stored:
                seen_sha[data_sha] = source
                keep(source, stored[source])
                continue
            b = parse_bulletin(read_bulletin(path))
            issue_key, text_key = _issue_key(b), _text_key(b)
            if b.issue_no and issue_key in seen_issue:
                raise BulletinError(
                    source,
                    f"与 {seen_issue[issue_key]} 是同一期（{b.label}），重复的公报未索引"
                    f"（same issue ({b.label}) as {seen_issue[issue_key]}: "
                    "duplicate not indexed (remove one of the two)）",
                )
            if text_key in seen_text:
                raise BulletinError(
                    source,
                    f"与 {seen_text[text_key]} 正文相同，重复的公报未索引"
                    f"（same text as {seen_text[text_key]} (saved again, perhaps in another encoding): "
                    "duplicate not indexed (remove one of the two)）",
                )
            seen_sha[data_sha] = source
            if b.issue_no:
                seen_issue[issue_key] = source
            seen_text[text_key] = source
            entries[source] = _Entry("changed" if source in old_hashes else "added", bulletin=b, text_key=text_key)
            why = _hand_over(on_fresh, source, entries)
            if why:
                raise BulletinError(source, why)
        except (BulletinError, OSError) as err:
            reason = err.reason if isinstance(err, BulletinError) else _vanished(err)
            failed.append((source, reason))
            log.warning("%s: %s", source, reason)
            # a bulletin that was indexed and is now unreadable keeps its last good version
            if source in old_hashes and source in stored:
                keep(source, stored[source])
    if progress:
        progress("parse", len(files), len(files))
    return entries, failed


class _FatalError(Exception):
    """An error of the build itself while it took in one bulletin: not that bulletin's fault."""


def _hand_over(on_fresh: Callable[[str, _Entry], str] | None, source: str, entries: dict[str, _Entry]) -> str:
    """Give an accepted bulletin to `on_fresh`: a refusal (its reason) or an error takes it out of
    `entries`; an error stops the whole build, it is not a failure of this one file."""
    if on_fresh is None:
        return ""
    try:
        why = on_fresh(source, entries[source])
    except BaseException as err:
        del entries[source]
        raise _FatalError(str(err)) from err
    if why:
        del entries[source]
    return why


class _Stream:
    """A build's new version written as the archive is read: each bulletin goes into the store as
    soon as it is parsed and chunked (only its counts and harvest are kept), then the passages are
    read back from the store a batch at a time to be tokenised and embedded, and the vectors are
    written straight to their file: a 1M-passage build holds neither the archive nor its vectors."""

    def __init__(self, tmp: Path, embedder: Embedder, max_passages: int) -> None:
        tmp.mkdir(parents=True)
        self.tmp, self.embedder, self.max_passages = tmp, embedder, max_passages
        self.embedder_id = embedder.id  # read once (a model folder's id is read from its files)
        self.indexed_at = _now()
        self.writer = StoreWriter(tmp / STORE)
        self.sums = np.zeros(0, dtype=np.uint64)
        self.done = 0  # rows embedded
        self.embed_s = 0.0

    def take(self, source: str, e: _Entry) -> str:
        """Chunk and store one accepted bulletin; "" or why it is refused."""
        b = e.bulletin
        assert b is not None
        passages = chunk_bulletin(b)
        if self.max_passages and len(passages) > self.max_passages:
            return _too_many(len(passages), self.max_passages)
        e.words = tuple(harvest.user_words([b]))
        e.aliases = harvest.corpus_aliases([b])
        keys = [content_id(self.embedder_id, p.embed_text) for p in passages]
        sb = StoredBulletin(b, self.indexed_at, len(b.articles), len(passages), e.text_key, e.words, e.aliases)
        self.writer.add(sb, passages, keys)
        e.articles = len(b.articles)
        e.bulletin = replace(b, articles=())  # what is left of it: its name, checksum and issue
        return ""

    def embedded(
        self, progress: Progress | None, tokens: Callable[[Passage], list[str]]
    ) -> Generator[list[str], None, None]:
        """The stored passages' tokens in row order, read back a batch at a time; each batch is
        embedded before its tokens are given, its rows written (as `np.save` would) with their
        checksums, so the store is read once for both."""
        n, dim = self.writer.rows, self.embedder.dim
        self.sums = np.zeros(n, dtype=np.uint64)
        self.done, self.embed_s = 0, 0.0
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False}
        with (self.tmp / EMBEDDINGS).open("wb") as out:
            np.lib.format.write_array_header_1_0(out, {**header, "shape": (n, dim)})
            for batch in Store(self.tmp / STORE).batches(1024):
                t = time.perf_counter()
                vecs = np.ascontiguousarray(self.embedder.embed_passages([p.embed_text for p in batch]), np.float32)
                if vecs.shape != (len(batch), dim):
                    raise IndexMismatchError(
                        "嵌入模型返回的向量形状不对，请检查模型"
                        f"（the embedder gave {vecs.shape} for {len(batch)} passages of dimension {dim}）"
                    )
                self.sums[self.done : self.done + len(batch)] = row_sums(vecs)
                out.write(vecs.tobytes())
                self.done += len(batch)
                self.embed_s += time.perf_counter() - t
                if progress:
                    progress("embed", self.done, n)
                for p in batch:
                    yield tokens(p)

    def check(self, counted: int) -> None:
        """Every stored passage was read back, embedded and counted."""
        if self.done != self.writer.rows or counted != self.writer.rows:
            raise IndexWriteError(
                "新索引的段落读回数量不对，请重新构建"
                f"（{self.tmp / STORE}: {self.done} passages embedded and {counted} counted of "
                f"{self.writer.rows} written）"
            )

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.con.close()  # uncommitted rows are dropped, not written first
        shutil.rmtree(self.tmp, ignore_errors=True)


@contextlib.contextmanager
def _discarding(stream: _Stream | None) -> Iterator[None]:
    """Remove a build's half-written version when a step of it fails (a full disk said as such)."""
    try:
        yield
    except BaseException as err:
        cause = err.__cause__ if isinstance(err, _FatalError) and err.__cause__ is not None else err
        if stream is not None:
            stream.discard()
            if _cannot_write(cause, strict=True):
                raise _write_failed(stream.tmp.parent, cause) from cause
        if cause is not err:  # the error itself, not its wrapper
            raise cause from None
        raise


def _remove_leftovers(index_dir: Path) -> None:
    """Remove half-written versions (under the folder lock no other run is writing one)."""
    with contextlib.suppress(OSError):
        for p in index_dir.iterdir():
            if p.name.startswith(TMP_PREFIX) and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)


def _write_failed(index_dir: Path, err: BaseException) -> IndexWriteError:
    return IndexWriteError(
        "无法写入新的索引（磁盘已满或文件夹不可写），原来的索引保持不变，问答照常"
        f"（cannot write the new index version in {index_dir}: {err}; the previous version is "
        "unchanged and still answers: free some disk space or make the folder writable, then update again）"
    )


def _vectors_of(
    v: Path, dim: int, bad_rows: tuple[int, ...] | None = (), damaged: frozenset[str] = frozenset()
) -> tuple[np.ndarray | None, dict[str, int]]:
    """The intact vectors of a version made by the same embedder, by embed key (the key hashes the
    embedder id with the text), so that a new format or a repair does not embed the archive again:
    rows listed in `bad_rows`, rows past a cut and zero or non-finite rows are left out; none when
    the rows or their keys cannot be read or no row can be trusted (`bad_rows` None)."""
    keys = _row_keys(v, damaged)
    parts = Layout(v).parts(EMBEDDINGS)
    vecs: np.ndarray | None
    if len(parts) == 1:
        vecs = read_rows(parts[0], dim, len(keys) if keys and bad_rows is not None else None)
    else:  # the rows of the parts that can be read, up to the first that cannot
        read = [read_rows(p, dim) for p in parts]
        ok = read[: next((i for i, r in enumerate(read) if r is None), len(read))]
        vecs = np.concatenate([np.asarray(r) for r in ok if r is not None]) if ok else None
    if vecs is None or keys is None or bad_rows is None:
        log.info("cannot reuse the vectors of %s: embedding everything", v)
        return None, {}
    skip = set(bad_rows) | set(damaged_rows(vecs, len(vecs), None))
    known: dict[str, int] = {}
    for r, k in enumerate(keys[: len(vecs)]):
        if r not in skip and k:
            known.setdefault(k, r)
    return vecs, known


def _row_keys(v: Path, damaged: frozenset[str]) -> list[str] | None:
    """Each row's embed key: from embed_keys.txt unless it is among the `damaged` files, else from
    the store."""
    files = Layout(v)
    damaged = frozenset(kind_of(d) for d in damaged)  # a damaged part of the store is a damaged store
    if {EMBED_KEYS, STORE} <= damaged:  # neither can be trusted to say which text a row was made from
        return None
    if EMBED_KEYS not in damaged and files.embed_keys.is_file():
        try:
            return files.embed_keys.read_text(encoding="utf-8").split("\n")
        except (OSError, ValueError):
            pass
    try:
        return Store(files.store).embed_keys()
    except sqlite3.Error as err:
        log.info("cannot read the embed keys of %s (%s)", v, err)
        return None


def _known_rows(v: Path | None, m: Manifest | None, store: Store, keys: list[str]) -> dict[str, int]:
    """embed key -> the first row with that vector, for the `keys` wanted: from the version's
    embed_keys.txt when its checksum verified (13 MB at 1M passages), else from the store."""
    if v is None or m is None or EMBED_KEYS not in m.files:
        return store.embed_rows()
    want, known = set(keys), {}
    for r, k in enumerate(Layout(v).embed_keys.read_text(encoding="utf-8").split("\n")):
        if k in want and k not in known:
            known[k] = r
    return known


def _appending(
    old_v: Path | None, old: Manifest | None, keep_rows: list[int], n_new: int, dropped: set[str]
) -> dict[str, int]:
    """The big files that get one more part, by the number of that part: those of a verified live
    version with checksums whose rows are all kept, in order; none when no row is added (an empty
    part would only use up a slot). A file that has MAX_PARTS parts keeps its base part and gets
    its other parts merged into one (they hold only what updates added: small), so the new part
    is part 2 (`_link_parts`)."""
    if old_v is None or old is None or not old.files or not keep_rows or len(keep_rows) != old.n_passages:
        return {}
    if not n_new or dropped:  # a bulletin removed or changed (even one without passages) is a rewrite
        return {}  # (with nothing dropped, the kept rows are every row in order: `Store.rows_except`)
    out = {}
    for kind in SEGMENTED:
        parts = parts_in(kind, old.files)
        if parts and parts[0] == kind:
            out[kind] = len(parts) if len(parts) < MAX_PARTS else 2
    return out


def _link_parts(
    old_v: Path | None, old: Manifest | None, tmp: Path, appending: dict[str, int]
) -> dict[str, dict[str, int | str]]:
    """Hard-link the live version's parts of the files in `appending` into the version being
    written (a version's files are never changed, so two versions may share them); their records
    (size, checksum) are those the live manifest holds, which the update has just verified."""
    if old_v is None or old is None or not appending:
        return {}
    records = old.files
    linked: dict[str, dict[str, int | str]] = {}
    for kind, n in appending.items():
        old_parts = parts_in(kind, records)
        if n < len(old_parts):  # the parts after the base merged into part 1, written now
            _merge_parts(kind, [old_v / p for p in old_parts[1:]], tmp / part_name(kind, 1))
            n = 1
        for i in range(n):
            part = part_name(kind, i)
            try:
                os.link(old_v / part, tmp / part)
            except OSError as err:  # a file system without hard links (FAT, some shares): a copy
                log.info("cannot link %s (%s): copying it", part, err)
                shutil.copyfile(old_v / part, tmp / part)
                _fsync(tmp / part)
            linked[part] = records[part]
    return linked


def _merge_parts(kind: str, parts: list[Path], out: Path) -> None:
    """One part holding the rows of `parts`, in order (the parts after a file's base)."""
    if kind == STORE:
        merge_stores(out, parts)
    elif kind == EMBEDDINGS:
        np.save(out, np.concatenate([np.load(p) for p in parts]))
    elif kind == BM25_COUNTS:
        save_part(out, load_counts(parts))
    else:
        raise ValueError(f"{kind} is not a file in parts")


def _write_rows(path: Path, old: Path | list[Path], keep: np.ndarray, new: np.ndarray) -> None:
    """An embeddings file (as `np.save` writes it) of the `keep` rows of `old` (a file, or its
    parts one after the other), in that order, then `new`: runs of consecutive kept rows are
    copied by the kernel (`os.sendfile`), so an update neither reads 1.5 GB of vectors into memory
    nor writes them from there."""
    dim = new.shape[1]
    parts = [old] if isinstance(old, Path) else old
    offsets, counts = [], []
    for p in parts:
        shape, fortran, dtype, offset = npy_header(p)
        if fortran or np.dtype(dtype) != np.float32 or len(shape) != 2 or shape[1] != dim:
            raise IndexMismatchError(
                f"{p}: holds {dtype} {shape}, expected float32 rows of {dim}: run `python -m rag build`"
            )
        offsets.append(offset)
        counts.append(int(shape[0]))
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    row = 4 * dim
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False}
    srcs = [p.open("rb") for p in parts]
    try:
        with path.open("wb") as out:
            np.lib.format.write_array_header_1_0(out, {**header, "shape": (len(keep) + len(new), dim)})
            out.flush()  # the kernel copies below write at the file's offset, after the header
            if len(keep):
                part = np.searchsorted(starts, keep, side="right") - 1
                breaks = np.flatnonzero((np.diff(keep) != 1) | (np.diff(part) != 0)) + 1
                for run, k in zip(np.split(keep, breaks), np.split(part, breaks), strict=True):
                    at = offsets[k[0]] + (int(run[0]) - int(starts[k[0]])) * row
                    _copy_range(srcs[k[0]].fileno(), out, at, len(run) * row, parts[k[0]])
            out.write(np.ascontiguousarray(new, dtype=np.float32).tobytes())
    finally:
        for f in srcs:
            f.close()


# sendfile between two files is Linux only; elsewhere (or on a file system that refuses it) the
# bytes go through a bounded buffer instead
_NO_SENDFILE = {errno.EINVAL, errno.ENOSYS, errno.ENOTSOCK, errno.EOPNOTSUPP, errno.EXDEV}


def _copy_range(src: int, out: BinaryIO, at: int, left: int, name: Path) -> None:
    """Append `left` bytes of `src` from offset `at` to `out` (flushed, positioned at its end)."""
    if sys.platform.startswith("linux"):
        try:
            while left:
                sent = os.sendfile(out.fileno(), src, at, left)
                if sent <= 0:
                    raise OSError(f"{name}: cut short at byte {at}")
                at, left = at + sent, left - sent
            return
        except OSError as err:
            if err.errno not in _NO_SENDFILE:
                raise
    while left:
        chunk = os.pread(src, min(left, 64 << 20), at)
        if not chunk:
            raise OSError(f"{name}: cut short at byte {at}")
        out.write(chunk)
        at, left = at + len(chunk), left - len(chunk)
    out.flush()


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def _cannot_write(err: BaseException, strict: bool = False) -> bool:
    """A full disk or a folder that cannot be written (SQLite says so in its own words), not a bug.
    `strict`: only the errors that say so (a build's steps also read and embed, whose errors are
    not the disk's)."""
    if isinstance(err, OSError):
        return not strict or err.errno in _WRITE_ERRNOS
    words = ("full", "disk", "readonly", "read-only", "i/o", "locked", "unable to open")
    return isinstance(err, sqlite3.OperationalError) and any(w in str(err).lower() for w in words)


def _answering_instead(index_dir: Path, damaged: Path) -> Path | None:
    """The version a running app answers from while `damaged` (the live one) fails to load: the
    newest other one that verifies (`QA.live`'s fallback). Kept through the repair's clean-up."""
    for v in versions(index_dir):
        if v != damaged and check_version(v, level=UPDATE).ok:
            return v
    return None


def _bulletins_of(v: Path) -> dict[str, str]:
    """The bulletins a damaged version held (source -> sha256), from its store or else its manifest,
    so that a repair's report says what changed since, not that everything was added."""
    try:
        return {s: sb.bulletin.sha256 for s, sb in Store(Layout(v).store).stored_bulletins().items()}
    except (sqlite3.Error, ValueError, KeyError):
        pass
    try:
        return Manifest.read(v).bulletins
    except RagError:
        return {}


def _repoint_current(index_dir: Path, repaired: list[str]) -> Path | None:
    """CURRENT is missing, empty or names no version: point it at the newest version that
    verifies (under the build lock), so an update neither rebuilds nor deletes a good version."""
    good = newest_good(index_dir)
    if good is None:
        return None
    _, problem = read_current(index_dir)
    _write_current(index_dir, good.name)
    repaired.append(f"CURRENT: {problem}; now names {good.name}, the newest version that verifies")
    log.warning("%s", repaired[-1])
    return good


def _write_current(index_dir: Path, name: str) -> None:
    current = index_dir / CURRENT
    if current.is_dir() and not current.is_symlink():  # CURRENT made a folder: it names nothing
        shutil.rmtree(current)
    pointer = index_dir / f".{CURRENT}.{name}"
    pointer.write_text(name, encoding="utf-8")
    _fsync(pointer)
    os.replace(pointer, index_dir / CURRENT)
    _fsync(index_dir)


def _containing(texts: list[str], words: list[str]) -> set[int]:
    """Indices of the texts that contain any of the words: one scan of the joined texts per word
    (str.find runs in C), not a Python loop over every text and word."""
    joined = "\x00".join(texts)
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    found: set[int] = set()
    for w in words:
        at = joined.find(w)
        while at != -1:
            i = int(np.searchsorted(starts, at, side="right")) - 1
            found.add(i)
            # go on after the end of this text
            at = joined.find(w, int(starts[i]) + len(texts[i]) + 1) if i + 1 < len(texts) else -1
    return found


def _too_many(n: int, limit: int) -> str:
    return (
        f"切分出 {n} 个段落，超过每份公报 {limit} 个的上限，未索引：请按期拆分文件"
        f"（{n} passages, more than the limit of {limit} per bulletin: split the file into issues, or raise "
        "max_passages_per_bulletin in rag.toml）"
    )


def _vanished(err: OSError) -> str:
    return (
        "更新时文件消失或无法读取，已跳过（the file vanished or could not be read during the update: "
        f"{err.strerror or err}; update again once it is back）"
    )


def _issue_key(b: Bulletin) -> tuple[str, str, str]:
    return (b.district or b.publisher, b.issue_no, b.issue_date)


def _text_key(b: Bulletin) -> str:
    """The bulletin's text whatever its bytes: a copy in another encoding or with other line ends
    gets the same key."""
    parts = (a.title + "".join(p.text for p in a.paragraphs) for a in b.articles)
    return content_id(*(re.sub(r"\s+", "", x) for x in parts), n=40)


def _utf8_name(name: str) -> bool:
    """False for names with undecodable bytes (os.fsdecode surrogates), e.g. GBK names from old systems."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _lexical_text(title: str, text: str) -> str:
    """What BM25 tokenises of a passage (new ones and kept ones re-tokenised alike)."""
    return f"{title} {text}"


def _fsync(path: Path) -> None:
    """fsync a file or a folder (best effort: some file systems cannot sync folders), so that a
    power cut after the swap cannot leave CURRENT naming a version whose files were not written."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _collect_garbage(index_dir: Path, keep: set[str]) -> None:
    """Remove old versions and leftovers of interrupted runs (the previous version is kept
    for readers that opened it just before the swap). Nothing is removed while CURRENT names no
    version: then an old version may be the only good one."""
    if current_version(index_dir) is None:
        return
    for p in index_dir.iterdir():
        if p.name in keep or p.name in (CURRENT, LOCK):
            continue
        if p.name.startswith((VERSION_PREFIX, TMP_PREFIX)) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(f".{CURRENT}."):
            p.unlink(missing_ok=True)
