"""Is an index version intact? Checksums written with a version, and the checks that read them.

Every data file's size and SHA-256 go into the manifest when a version is written, and each
vector row gets a checksum of its own (`row_sums.npy`), so a damaged embeddings file is known
row by row: an update or a repair re-embeds those rows only, and never copies damage forward.
Loading runs the cheap checks (presence and sizes, a `stat` per file, and the embedder of the
first rows); every update checks the checksums first; `verify` also reads every file back
(levels LOAD, UPDATE, VERIFY below).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexDamagedError
from .layout import (
    ALIASES,
    BM25_COUNTS,
    BM25_VOCAB,
    CURRENT,
    DATA_FILES,
    EMBED_KEYS,
    EMBEDDINGS,
    FAISS,
    MANIFEST,
    ROW_SUMS,
    SEGMENTED,
    STORE,
    USERDICT,
    Layout,
    part_of,
    parts_in,
    versions,
)
from .manifest import Manifest

log = logging.getLogger(__name__)

REPAIR = "python -m rag repair"
# files written before checksums existed: a version without `files` in its manifest needs only these
LEGACY_FILES = (STORE, EMBEDDINGS, FAISS, BM25_COUNTS, BM25_VOCAB, USERDICT)
_CHUNK_ROWS = 16_384  # rows checked at a time: ~25 MB of vectors and as much for their products


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file of a version; `what` is English for logs and `--json`."""

    file: str
    what: str
    fix: str = REPAIR

    def line(self) -> str:
        return f"{self.file}: {self.what} (run `{self.fix}`)"


@dataclass(frozen=True)
class VersionCheck:
    version: str
    problems: tuple[Problem, ...] = ()
    bad_rows: tuple[int, ...] | None = ()  # damaged vector rows; None: the vectors cannot be read at all
    checksums: bool = True  # the manifest records checksums (versions written before them do not)
    level: str = "verify"  # how much was read (LOAD, UPDATE or VERIFY)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "ok": self.ok,
            "checksums": self.checksums,
            "problems": [{"file": p.file, "what": p.what, "fix": p.fix} for p in self.problems],
            "damaged_rows": None if self.bad_rows is None else len(self.bad_rows),
            "level": self.level,
        }


@dataclass(frozen=True)
class IndexCheck:
    """What `verify` found in an index folder: CURRENT and every version in it, newest first."""

    index_dir: Path
    current: str  # the version CURRENT names ("" when missing or empty)
    current_problem: str  # "" when CURRENT names a version folder with a manifest
    versions: tuple[VersionCheck, ...]

    @property
    def live(self) -> VersionCheck | None:
        return next((v for v in self.versions if v.version == self.current), None)

    @property
    def ok(self) -> bool:
        return not self.current_problem and self.live is not None and self.live.ok

    def as_json(self) -> dict[str, Any]:
        return {
            "index": str(self.index_dir),
            "ok": self.ok,
            "current": self.current,
            "current_problem": self.current_problem,
            "versions": [v.as_json() for v in self.versions],
        }


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# A file whose mtime or ctime is this close to the moment it is hashed may still be written within
# the same timestamp tick (coarse kernel clocks tick every few ms, FAT keeps mtimes to 2 s).
RACY_NS = 2_000_000_000


class FileHashes:
    """sha256 of files, read again only when a file's stat changes (ino, size, mtime and ctime:
    ctime changes on any write and cannot be set back). With `path`, what was learnt is kept in
    that JSON file between runs (the index folder's `hashes.json`, written by updates under the
    folder lock), so an update reads back what changed since the last one, not every bulletin and
    the 4.6 GB of a 1M-passage version. `verify` never uses it: it reads every file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._known: dict[str, tuple[tuple[int, ...], str]] = {}
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self._known = {
                    str(k): (tuple(int(x) for x in v[0]), str(v[1]))
                    for k, v in data.items()
                    if isinstance(v, list) and len(v) == 2 and isinstance(v[0], list) and len(v[0]) == 4
                }
            except (OSError, ValueError, TypeError, AttributeError):
                self._known = {}  # a lost or damaged cache only costs reading the files again

    @staticmethod
    def _key(path: Path) -> tuple[int, ...]:
        st = path.stat()
        return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def sha256(self, path: Path) -> str:
        """The file's checksum, from the cache while its stat is unchanged. A file changed less
        than `RACY_NS` before it is read is not cached ("racily clean", as git says): a second
        write within the same timestamp tick, of the same size, would leave its stat as it was."""
        started = time.time_ns()
        key = self._key(path)
        hit = self._known.get(str(path))
        if hit is not None and hit[0] == key:
            return hit[1]
        sha = sha256_of(path)
        if max(key[2], key[3]) < started - RACY_NS:
            self._known[str(path)] = (key, sha)
        return sha

    def known(self, path: Path, sha: str) -> bool:
        """True when `path` is unchanged since it was hashed (or written) with checksum `sha`."""
        hit = self._known.get(str(path))
        try:
            return hit is not None and hit[1] == sha and hit[0] == self._key(path)
        except OSError:
            return False

    def record(self, path: Path, sha: str) -> None:
        """`path` was just written with checksum `sha` (computed from its bytes)."""
        self._known[str(path)] = (self._key(path), sha)

    def carry(self, src: Path, dst: Path, sha: str) -> None:
        """`dst` is a hard link of `src` (or `src` itself after another of its links was removed):
        linking changes the ctime, so what is known of `src` with checksum `sha` is taken over
        only while inode, size and mtime are still those it was known with."""
        hit = self._known.get(str(src))
        try:
            key = self._key(dst)
        except OSError:
            return
        if hit is not None and hit[1] == sha and hit[0][:3] == key[:3]:
            self._known[str(dst)] = (key, sha)

    def save(self) -> None:
        """Keep what is known of files that still exist (written aside, then swapped in)."""
        if self.path is None:
            return
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        try:
            data = {k: [list(v[0]), v[1]] for k, v in self._known.items() if Path(k).exists()}
            tmp.write_text(json.dumps(data), encoding="utf-8")
            tmp.replace(self.path)
        except OSError as err:  # a cache: not worth failing an update for
            log.warning("cannot keep the file checksums in %s: %s", self.path, err)


def file_records(folder: Path, known: dict[str, dict[str, int | str]] | None = None) -> dict[str, dict[str, int | str]]:
    """Size and SHA-256 of each data file (and part) of a version being written (for its
    manifest); the parts hard-linked from a verified version take their records from `known`."""
    known = known or {}
    names = [n for n in DATA_FILES if (folder / n).is_file()]
    names += [p.name for kind in SEGMENTED for p in Layout(folder).parts(kind)[1:]]
    return {
        name: known.get(name) or {"size": (folder / name).stat().st_size, "sha256": sha256_of(folder / name)}
        for name in names
    }


def kind_of(name: str) -> str:
    """The file a part belongs to (`store.2.sqlite` -> `store.sqlite`); other names as they are."""
    found = part_of(name)
    return found[0] if found else name


def _multipliers(n: int) -> np.ndarray:
    """n fixed odd 64-bit numbers, from SHAKE-256 (so they never change with numpy's generators):
    a change of any one word of a row always changes its checksum."""
    raw = hashlib.shake_256(b"rag row checksums").digest(8 * n)
    return np.frombuffer(raw, dtype="<u8").astype(np.uint64) | np.uint64(1)


def row_sums(vecs: np.ndarray) -> np.ndarray:
    """A 64-bit checksum of each float32 row: its bytes read as 64-bit words (32-bit ones for an
    odd dimension), each times a fixed odd number, summed modulo 2**64. A change of any one word
    changes the sum; one vectorised pass, ~0.06 s per 100,000 rows of 384."""
    n, dim = vecs.shape
    wide = dim % 2 == 0
    mult = _multipliers(dim // 2 if wide else dim)
    out = np.zeros(n, dtype=np.uint64)
    for s in range(0, n, _CHUNK_ROWS):
        block = np.ascontiguousarray(vecs[s : s + _CHUNK_ROWS], dtype=np.float32)
        words = block.view(np.uint64) if wide else block.view(np.uint32).astype(np.uint64)
        with np.errstate(over="ignore"):
            out[s : s + _CHUNK_ROWS] = (words * mult).sum(axis=1, dtype=np.uint64)
    return out


def npy_header(path: Path) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, fortran order, dtype, offset of the data) of a .npy file; raises on a bad header."""
    with path.open("rb") as f:
        major, _ = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
        return shape, fortran, dtype, f.tell()


def _rows_in(path: Path, dim: int, n: int | None = None) -> tuple[int, int, bool] | None:
    """(offset of the first row, whole rows present, header readable) of an embeddings file. With
    the expected row count `n`, a file whose header is damaged but whose size fits n rows after a
    header of np.save's size is read at that offset (its rows are then trusted only one by one,
    against their checksums); None when neither works."""
    try:
        size = path.stat().st_size
        shape, fortran, dtype, offset = npy_header(path)
    except Exception:  # a damaged header fails in ast or tokenize with anything
        if n:
            offset = size - n * dim * 4
            if 0 < offset <= 4096 and offset % 64 == 0:
                return offset, n, False
        return None
    if fortran or dtype != np.float32 or len(shape) != 2 or shape[1] != dim:
        return None
    return offset, min(int(shape[0]), max(size - offset, 0) // (4 * dim)), True


def read_rows(path: Path, dim: int, n: int | None = None) -> np.ndarray | None:
    """The rows an embeddings file holds, mapped read-only, even when it was cut short (the rows
    before the cut are kept) or its header is damaged (`n` given: see `_rows_in`); None when its
    header is unreadable or not float32 rows of `dim`."""
    found = _rows_in(path, dim, n)
    if found is None:
        return None
    offset, rows, _ = found
    if rows == 0:
        return np.zeros((0, dim), dtype=np.float32)
    return np.memmap(path, dtype=np.float32, mode="r", offset=offset, shape=(rows, dim))


def _damaged_rows_in_file(path: Path, dim: int, n: int, sums: np.ndarray | None) -> tuple[int, list[int], bool] | None:
    """(rows present, damaged rows of `n`, header readable) of an embeddings file, read in blocks into memory that
    is freed as it goes (a map of the whole file would stay resident for the rest of an update)."""
    found = _rows_in(path, dim, n)
    if found is None or (not found[2] and sums is None):  # a damaged header and nothing to check rows by
        return None
    offset, rows, _ = found
    bad: list[int] = list(range(rows, n))
    with path.open("rb") as f:
        f.seek(offset)
        for s in range(0, min(rows, n), _CHUNK_ROWS):
            k = min(_CHUNK_ROWS, min(rows, n) - s)
            block = np.fromfile(f, dtype=np.float32, count=k * dim).reshape(k, dim)
            bad.extend(int(i) + s for i in _bad_in_block(block, None if sums is None else sums[s : s + k]))
    return rows, sorted(bad), found[2]


def _bad_in_block(block: np.ndarray, sums: np.ndarray | None) -> np.ndarray:
    """Positions of the rows of a block that are not finite, all zero, or whose checksum differs."""
    wrong = ~np.isfinite(block).all(axis=1) | ~block.any(axis=1)
    if sums is not None:
        wrong |= row_sums(block) != sums
    return np.flatnonzero(wrong)


def damaged_rows(vecs: np.ndarray, n: int, sums: np.ndarray | None) -> list[int]:
    """Rows of `n` that are missing, not finite, all zero, or whose checksum differs from `sums`."""
    bad: list[int] = list(range(len(vecs), n))
    have = min(len(vecs), n)
    for s in range(0, have, _CHUNK_ROWS):
        block = np.asarray(vecs[s : min(s + _CHUNK_ROWS, have)], dtype=np.float32)
        bad.extend(int(i) + s for i in _bad_in_block(block, None if sums is None else sums[s : s + len(block)]))
    return sorted(bad)


# How much a check reads. LOAD: presence and sizes (a `stat` per file; what loading runs). UPDATE:
# also the SHA-256 of every file but the vectors, whose rows are checked one by one against their
# own checksums instead (what an update runs before it copies anything forward; a file with a
# matching checksum needs no reading back). VERIFY: also the vectors' file checksum, every file
# read back and compared with the manifest's counts, and SQLite's full integrity check.
LOAD, UPDATE, VERIFY = "load", "update", "verify"


def check_version(
    folder: Path, *, level: str = VERIFY, dim: int | None = None, hashes: FileHashes | None = None
) -> VersionCheck:
    """Check one version folder at `level` (LOAD, UPDATE or VERIFY). At UPDATE, a file `hashes`
    knows unchanged since its checksum was computed is not read again."""
    try:
        m = Manifest.read(folder)
    except IndexDamagedError:
        unreadable = (Problem(MANIFEST, "unreadable"),)
        rows = _rows_by_own_sums(folder) if level != LOAD else None
        return VersionCheck(folder.name, unreadable, bad_rows=rows, checksums=False, level=level)
    problems: dict[str, list[str]] = {}

    def add(file: str, what: str) -> None:
        problems.setdefault(file, []).append(what)

    if m.n_bulletins != len(m.bulletins):
        add(MANIFEST, f"lists {len(m.bulletins)} bulletins but counts {m.n_bulletins}")
    if dim is not None and m.dim != dim:
        add(MANIFEST, f"vectors of dimension {m.dim}, the embedder makes {dim}")
    wanted = tuple(m.files) if m.files else LEGACY_FILES
    hashed: set[str] = set()
    if m.files:  # the parts readers find beside each file must be the parts the manifest lists
        for kind in SEGMENTED:
            on_disk = [p.name for p in Layout(folder).parts(kind)[1:]]
            listed = parts_in(kind, m.files)[1:]
            if on_disk != listed and on_disk[: len(listed)] == listed:
                add(on_disk[len(listed)], "a part the manifest does not list (left by an interrupted write?)")
    for name in wanted:
        path, rec = folder / name, m.files.get(name)
        if not path.is_file():
            add(name, "missing")
        elif rec and path.stat().st_size != rec.get("size"):
            add(name, f"{path.stat().st_size} bytes, the manifest says {rec.get('size')}")
        elif rec and level == UPDATE and hashes is not None and hashes.known(path, str(rec.get("sha256"))):
            hashed.add(name)  # unchanged since its checksum was computed (the vectors' rows with it)
        elif rec and (level == VERIFY or (level == UPDATE and kind_of(name) != EMBEDDINGS)):
            sha = sha256_of(path)
            if sha != rec.get("sha256"):
                add(name, "checksum differs from the manifest (changed or damaged)")
            else:
                hashed.add(name)
                if hashes is not None:
                    hashes.record(path, sha)
    bad_rows: list[int] | None = []
    if level != LOAD:
        # the rows are checked against their own sums when the sums file verifies; otherwise the
        # vectors' file checksum decides, and a file that differs cannot say which rows to keep
        sums_ok = ROW_SUMS in hashed
        vec_parts = parts_in(EMBEDDINGS, m.files) if m.files else [EMBEDDINGS]
        for part in vec_parts:
            vec_rec = m.files.get(part)
            if not sums_ok and vec_rec and part not in problems and part not in hashed:
                if sha256_of(folder / part) != vec_rec.get("sha256"):
                    add(part, "checksum differs from the manifest (changed or damaged)")
                else:
                    hashed.add(part)
        vecs_hashed = all(p in hashed for p in vec_parts)
        if not (sums_ok and vecs_hashed and level == UPDATE):
            bad_rows = _check_vectors(folder, m, add, use_sums=sums_ok, parts=vec_parts)
        if not sums_ok and m.files.get(EMBEDDINGS) and not vecs_hashed:
            bad_rows = None
        unread = (
            None
            if level == VERIFY
            else {kind_of(n) for n in (*DATA_FILES, *m.files) if n not in hashed and n not in problems}
        )
        _check_contents(folder, m, add, deep=level == VERIFY, only=unread)
    if STORE not in problems and (folder / STORE).is_file():
        store_parts = parts_in(STORE, m.files) if m.files else [STORE]
        trusted = all(p in hashed for p in store_parts) or level == LOAD
        _check_store_matches(folder, m, add, store_trusted=trusted, whole=level != LOAD)
    order = {name: i for i, name in enumerate((MANIFEST, *DATA_FILES))}
    found = tuple(
        Problem(file, "; ".join(whats))
        for file, whats in sorted(problems.items(), key=lambda p: (order.get(kind_of(p[0]), 99), p[0]))
    )
    return VersionCheck(
        folder.name, found, bad_rows=None if bad_rows is None else tuple(bad_rows), checksums=bool(m.files), level=level
    )


def _rows_by_own_sums(folder: Path) -> tuple[int, ...] | None:
    """Damaged rows of a version whose manifest is unreadable, told by the row checksums alone
    (their count gives the rows, the vectors' header the dimension); None when that cannot be done."""
    try:
        sums = np.load(folder / ROW_SUMS)
        shape = npy_header(folder / EMBEDDINGS)[0]
    except Exception:  # a damaged .npy header fails in ast or tokenize
        return None
    if sums.dtype != np.uint64 or sums.ndim != 1 or len(shape) != 2:
        return None
    found = _damaged_rows_in_file(folder / EMBEDDINGS, int(shape[1]), len(sums), sums)
    return None if found is None else tuple(found[1])


def _check_vectors(
    folder: Path, m: Manifest, add: Any, use_sums: bool, parts: list[str] | None = None
) -> list[int] | None:
    sums: np.ndarray | None = None
    if use_sums and (folder / ROW_SUMS).is_file():
        try:
            loaded = np.load(folder / ROW_SUMS)
            if loaded.shape == (m.n_passages,) and loaded.dtype == np.uint64:
                sums = loaded
            else:
                add(ROW_SUMS, f"holds {loaded.shape} {loaded.dtype}, expected ({m.n_passages},) uint64")
        except Exception as err:  # a damaged .npy header fails in ast or tokenize
            add(ROW_SUMS, f"unreadable ({type(err).__name__})")
    return _check_vector_parts(folder, m, add, sums, parts or [EMBEDDINGS])


def _check_vector_parts(
    folder: Path, m: Manifest, add: Any, sums: np.ndarray | None, parts: list[str]
) -> list[int] | None:
    """The damaged rows of the vectors, part by part (one file is one part), each part's rows
    against their slice of the sums. The last part holds the rows left, so its rows can be read
    where np.save puts them even when its header is damaged; a part before it whose header cannot
    be read leaves the rows after it unplaced (None)."""
    bad: list[int] = []
    start = 0
    for k, name in enumerate(parts):
        path = folder / name
        last = k == len(parts) - 1
        n: int | None = max(m.n_passages - start, 0) if last else None
        if not last and path.is_file():
            found = _rows_in(path, m.dim)
            n = None if found is None else found[1]
        part_sums = None if sums is None or n is None else sums[start : start + n]
        checked = _damaged_rows_in_file(path, m.dim, n, part_sums) if n is not None and path.is_file() else None
        if checked is None:
            if path.is_file():
                add(name, f"not float32 rows of dimension {m.dim} (header unreadable)")
            if last and len(parts) > 1:  # the rows after those read are the lost ones
                return bad + list(range(start, m.n_passages))
            return None
        rows, part_bad, header_ok = checked
        if not header_ok:
            add(name, "header damaged (its rows were read where np.save puts them and checked one by one)")
        if last:
            total = start + rows
            if total < m.n_passages:
                add(name, f"cut short: {total} of {m.n_passages} rows")
            elif total > m.n_passages:
                add(name, f"{total} rows, the manifest counts {m.n_passages}")
        if part_bad:
            what = f"{len(part_bad)} damaged vector row(s) (zero, not finite or checksum differs)"
            add(name, f"{what}, first row {start + part_bad[0]}")
        bad += [start + r for r in part_bad]
        start += rows
    return bad


def _check_contents(folder: Path, m: Manifest, add: Any, deep: bool, only: set[str] | None) -> None:
    """Read each file back (or those in `only`) and compare what it holds with the manifest's counts."""
    n = m.n_passages

    def wanted(*names: str) -> bool:
        return only is None or any(name in only for name in names)

    if wanted(STORE):
        _check_store(folder, m, add, deep)
    if wanted(FAISS):
        _check_faiss(folder, m, add)
    if wanted(BM25_COUNTS, BM25_VOCAB):
        _check_bm25(folder, n, add)
    for name, kind in ((USERDICT, "text"), (ALIASES, "json"), (EMBED_KEYS, "keys")):
        path = folder / name
        if not path.is_file() or not wanted(name):
            continue
        try:
            text = path.read_text(encoding="utf-8")
            if kind == "json" and not isinstance(json.loads(text), dict):
                add(name, "not a JSON object")
            if kind == "keys" and len(text.split("\n")) != n and n:
                add(name, f"{len(text.splitlines())} keys, expected {n}")
        except (OSError, ValueError) as err:
            add(name, f"unreadable ({type(err).__name__})")


def _check_store_matches(folder: Path, m: Manifest, add: Any, store_trusted: bool, whole: bool) -> None:
    """What the manifest says against what the store holds (a manifest rewritten with a wrong
    bulletin list, count or embedder would pass every checksum). The manifest is the one at fault
    when the store's checksum matched; otherwise the store. Loading (`whole` False) asks only which
    embedder made the first rows: it counts the passages itself, and the list does not answer."""
    from .models import content_id
    from .store import Store

    at_fault = MANIFEST if store_trusted else STORE
    try:
        store = Store(folder / STORE)
        samples = store.embed_samples(8)
        held = store.bulletin_hashes() if whole else m.bulletins
        rows = store.passage_count() if whole else m.n_passages
    except sqlite3.Error as err:
        add(STORE, f"unreadable ({err})")
        return
    if rows != m.n_passages:
        add(at_fault, f"the store holds {rows} passages, the manifest counts {m.n_passages}")
    if held != m.bulletins:
        missing = sorted(set(held) - set(m.bulletins))[:3]
        extra = sorted(set(m.bulletins) - set(held))[:3]
        add(at_fault, f"the bulletin lists of manifest and store differ (not listed: {missing}, not held: {extra})")
    if samples and not any(key == content_id(m.embedder, text) for key, text in samples):
        add(at_fault, f"the manifest's embedder {m.embedder!r} did not make the first rows' vectors (keys differ)")


def _check_store(folder: Path, m: Manifest, add: Any, deep: bool) -> None:
    for path in Layout(folder).parts(STORE):
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                verdict = con.execute("PRAGMA integrity_check" if deep else "PRAGMA quick_check").fetchone()[0]
            finally:
                con.close()
            if verdict != "ok":
                add(path.name, f"SQLite integrity check: {str(verdict)[:120]}")
        except sqlite3.Error as err:
            add(path.name, f"unreadable ({err})")


def _check_faiss(folder: Path, m: Manifest, add: Any) -> None:
    n = m.n_passages
    try:
        import faiss

        idx = faiss.read_index(str(folder / FAISS))
        if idx.ntotal != n or idx.d != m.dim:
            add(FAISS, f"holds {idx.ntotal} vectors of dimension {idx.d}, expected {n} of {m.dim}")
    except Exception as err:  # faiss reports a damaged file as RuntimeError or worse
        add(FAISS, f"unreadable ({str(err).splitlines()[0][:120] if str(err) else type(err).__name__})")


def _check_bm25(folder: Path, n: int, add: Any) -> None:
    try:
        from .bm25 import load_counts

        counts = load_counts(Layout(folder).parts(BM25_COUNTS))
        if counts.shape[0] != n:
            add(BM25_COUNTS, f"term counts of {counts.shape[0]} passages, expected {n}")
    except Exception as err:  # a damaged zip raises anything from BadZipFile to ValueError
        add(BM25_COUNTS, f"unreadable ({type(err).__name__})")
        counts = None
    try:
        vocab = json.loads((folder / BM25_VOCAB).read_text(encoding="utf-8"))
        if not isinstance(vocab, dict):
            add(BM25_VOCAB, "not a JSON object")
        elif counts is not None and vocab and max(vocab.values()) >= counts.shape[1]:
            add(BM25_VOCAB, f"term columns up to {max(vocab.values())}, the counts have {counts.shape[1]}")
    except (OSError, ValueError, TypeError) as err:
        add(BM25_VOCAB, f"unreadable ({type(err).__name__})")


def read_current(index_dir: Path) -> tuple[str, str]:
    """(the version CURRENT names, what is wrong with CURRENT or "")."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return "", "CURRENT is missing"
    except (OSError, UnicodeDecodeError) as err:
        return "", f"CURRENT is unreadable ({type(err).__name__})"
    if not name:
        return "", "CURRENT is empty"
    if "/" in name or name.startswith(".") or not (index_dir / name / MANIFEST).is_file():
        return name, f"CURRENT names {name!r}, which is not a version folder with a manifest"
    return name, ""


def check_index(index_dir: Path, *, level: str = VERIFY, dim: int | None = None) -> IndexCheck:
    current, problem = read_current(index_dir)
    checks = tuple(check_version(v, level=level, dim=dim) for v in versions(index_dir))
    return IndexCheck(index_dir, current, problem, checks)


def newest_good(index_dir: Path, dim: int | None = None) -> Path | None:
    """The newest version folder that passes every check (what a missing or bad CURRENT is
    pointed at again)."""
    for v in versions(index_dir):
        if check_version(v, level=VERIFY, dim=dim).ok:
            return v
    return None
