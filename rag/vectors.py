"""The vector index of one version: how it is chosen, trained, updated, saved and searched.

Row identity: the FAISS id of a vector is its passage row in the version, the same row number as
in `embeddings.npy`, the SQLite store and BM25. An update writes the kept rows first, in their
old order, then the new rows, so the kept rows' numbers shift down; `update` moves the existing
index to the new numbering in place (one pass over the inverted lists' ids, dropping the removed
rows) and adds the new rows under their new numbers with the trained quantizer. No id map
(`IndexIDMap`), no second numbering to keep in step.

Policy (measured in `bench/results-1m-vectors.md`, `python -m bench --sizes 1000000 --skip
embed,dev,build,faiss --out bench/results-1m-vectors.json --markdown`):

- up to `FLAT_MAX` rows: exact `IndexFlatIP`, filled again from the rows on every update (a
  copy of the rows, no training); one question over `SPLIT_MIN` rows or more is searched in two
  halves at once, one per core;
- above: IVF with ~sqrt(n) lists (a power of two) and 8-bit scalar quantization (SQ8, a quarter
  of the float32 vectors' memory), `NPROBE` lists searched, and the `RERANK` x k best candidates
  re-scored exactly from the stored float32 rows (read from `embeddings.npy` with `pread`, so the
  file is never mapped into the serving process). Scores returned are exact inner products.
- trained once (k-means on a fixed sample of 40 rows per list), then added to. The trained
  quantizer (the centroids) lives in the index file; the training record (`TrainRecord`, saved
  beside it as `TRAIN_RECORD`) holds what drift is measured against. Retrained only when
  `retrain_reason` finds a reason: the rows added since training fit the centroids worse than
  the rows trained on (`DRIFT_MAX`), the lists became unbalanced (`IMBALANCE_MAX`), or the row
  count moved 4x away from the one trained for (the list count should follow sqrt(n)).

At 1M rows (2 shared cores): recall@10 0.982 against exact search, 5.7 ms per question on one
thread, 375 MiB in memory, update of one issue 0.09 s + 0.11 s to save (refilling the lists: 34
s, training again: 83 s).

Every build and update returns a `VectorDecision` (frozen) for the update's manifest/report.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, cast

import faiss
import numpy as np

from .integrity import npy_header
from .layout import EMBEDDINGS, FAISS, TRAIN_RECORD, Layout

# Exact search up to this many rows (~22 ms per question at 250k on one core, README
# "Benchmarks"); an IVF index above it.
FLAT_MAX = 250_000
# A flat search of one question over at least this many rows is split in two halves searched at
# once, one per core: 8.7 ms against 13.8 ms on one core at 100k rows (2 cores, README
# "Benchmarks"); below it the second thread costs more than it saves.
SPLIT_MIN = 20_000
# Lists searched per question: recall@10 >= 0.98 against exact search at 300k-1M.
NPROBE = 64
# Candidates re-scored exactly from the float32 rows: RERANK x k, at least RERANK_MIN.
RERANK = 4
RERANK_MIN = 100
# Training sample: rows per list (faiss warns below 39), k-means with faiss' 10 iterations; the
# sample is fixed, so the same rows give the same index.
TRAIN_PER_LIST = 40
TRAIN_SEED = 1234
# Rows whose quantization error sets the training baseline (rows outside the training sample,
# so the baseline is not flattered by centroids fitted to those very rows).
BASELINE_ROWS = 20_000
# Retrain when the mean quantization error of the rows added since training exceeds the
# training baseline by this factor. Measured at 200k stand-in rows (512 lists, nprobe 64, 200
# passage-like queries of the added kind; `python -m bench.vector_drift`, table in
# bench/results-1m-vectors.md): rows of the same distribution give 0.99-1.01; a mix with 30% new
# sentences 1.07-1.09, only new sentences 1.39; at 1.39 recall@10 with the old centroids was
# 0.90-0.95 against 0.90-0.94 for a retrained index at every step from 300 to 100,000 added rows,
# so no measured drift has cost recall yet: the limit sits above the largest drift measured.
DRIFT_MAX = 1.5
# ... but only once that many rows have been added since training (the mean of fewer is noisy).
DRIFT_MIN_ROWS = 1_000
# ... or when the inverted lists' imbalance factor (sum of squared list sizes, normalised; 1.0
# is perfectly even; the rows a search scans grow with it) exceeds the trained one by this
# factor: 100,000 rows of new sentences on 200,000 raised it 1.26x (search 26% slower).
IMBALANCE_MAX = 1.25
# ... or when the row count is this factor above or below the count trained for (the list count
# should follow sqrt(n): 4x the rows, 2x the lists).
GROWTH_MAX = 4.0
CODECS = ("SQ8", "Flat")
DEFAULT_CODEC = "SQ8"


@dataclass(frozen=True)
class TrainRecord:
    """What an IVF index was trained on, and what was added since: the baseline drift is
    measured against. Saved as JSON beside the index file."""

    codec: str
    nlist: int
    nprobe: int
    trained_rows: int  # rows in the index right after training
    trained_error: float  # mean squared distance of rows to their nearest centroid at training
    trained_imbalance: float
    added_rows: int = 0  # rows added since training (by updates)
    added_error_sum: float = 0.0  # sum of their squared distances to their nearest centroid

    @property
    def drift(self) -> float:
        """Mean error of the rows added since training over the training baseline (1.0: none)."""
        if not self.added_rows or self.trained_error <= 0:
            return 1.0
        return self.added_error_sum / self.added_rows / self.trained_error

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TrainRecord:
        data = json.loads(text)
        return cls(
            codec=str(data["codec"]),
            nlist=int(data["nlist"]),
            nprobe=int(data["nprobe"]),
            trained_rows=int(data["trained_rows"]),
            trained_error=float(data["trained_error"]),
            trained_imbalance=float(data["trained_imbalance"]),
            added_rows=int(data.get("added_rows", 0)),
            added_error_sum=float(data.get("added_error_sum", 0.0)),
        )


@dataclass(frozen=True)
class VectorDecision:
    """What a build or update did to the vector index, and why (for the manifest and the report).

    action: "exact" (flat index filled from the rows), "train" (first IVF training), "add"
    (trained index kept: removed rows dropped, new rows added), "retrain" (trained again from all
    rows). reason: English, machine-readable enough to grep (e.g. "drift 1.31 > 1.15")."""

    action: str
    reason: str
    kind: str
    rows: int
    added: int
    removed: int
    drift: float = 1.0  # TrainRecord.drift after this update
    imbalance: float = 1.0  # the lists' imbalance factor over the one at training
    growth: float = 1.0  # rows over the rows trained for
    seconds: float = 0.0  # the whole build/update of the index (not its saving)
    train_s: float = 0.0  # of which k-means

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RowFile:
    """Rows of a float32 `.npy` matrix, or of its parts one after the other (`Layout.parts`), read
    with `pread`: what re-scoring needs, without mapping the whole file into the process (a
    mapped file's touched pages count in its RSS)."""

    def __init__(self, path: Path | Sequence[Path]) -> None:
        paths = [path] if isinstance(path, Path) else list(path)
        self.fds: list[int] = []
        offsets, counts, dims = [], [], set()
        for p in paths:
            shape, fortran, dtype, offset = npy_header(p)
            offsets.append(offset)
            if fortran or np.dtype(dtype) != np.float32 or len(shape) != 2:
                raise ValueError(f"{p}: expected a C-ordered float32 matrix, found {dtype} {shape}")
            counts.append(int(shape[0]))
            dims.add(int(shape[1]))
        if len(dims) > 1:
            raise ValueError(f"{paths[0].parent}: vector parts of dimensions {sorted(dims)}")
        self.path = paths[0]
        self.paths = paths
        self.offsets = offsets
        self.starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)  # first row of each part
        self.shape: tuple[int, int] = (int(self.starts[-1]), dims.pop() if dims else 0)
        self.fds = [os.open(p, os.O_RDONLY) for p in paths]

    def __len__(self) -> int:
        return self.shape[0]

    def take(self, rows: np.ndarray) -> np.ndarray:
        d = self.shape[1]
        size = 4 * d
        out = np.empty((len(rows), d), dtype=np.float32)
        rows = np.asarray(rows, dtype=np.int64)
        part = np.searchsorted(self.starts, rows, side="right") - 1
        for i, (r, k) in enumerate(zip(rows.tolist(), part.tolist(), strict=True)):
            if not 0 <= k < len(self.fds):
                raise IndexError(f"{self.path}: no row {r} of {self.shape[0]}")
            buf = os.pread(self.fds[k], size, self.offsets[k] + (r - int(self.starts[k])) * size)
            if len(buf) != size:
                raise OSError(f"{self.paths[k]}: row {r} is cut short")
            out[i] = np.frombuffer(buf, dtype=np.float32)
        return out

    def block(self, start: int, stop: int) -> np.ndarray:
        """Rows start..stop-1 read with one `pread` per part they lie in (into memory that is freed
        with the array: a build adds 1M rows to its index a block at a time)."""
        d = self.shape[1]
        out = np.empty((max(stop - start, 0), d), dtype=np.float32)
        for k in range(len(self.fds)):
            lo, hi = max(start, int(self.starts[k])), min(stop, int(self.starts[k + 1]))
            if lo >= hi:
                continue
            size = (hi - lo) * 4 * d
            buf = os.pread(self.fds[k], size, self.offsets[k] + (lo - int(self.starts[k])) * 4 * d)
            if len(buf) != size:
                raise OSError(f"{self.paths[k]}: rows {lo}..{hi - 1} are cut short")
            out[lo - start : hi - start] = np.frombuffer(buf, dtype=np.float32).reshape(hi - lo, d)
        return out

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []

    def __del__(self) -> None:
        self.close()


class MappedRows:
    """The rows of a vector file's parts as one read-only matrix, each part mapped from its file:
    slices and row arrays as numpy gives them, for exact scoring of filtered rows."""

    def __init__(self, parts: Sequence[Path]) -> None:
        self.maps = [np.load(p, mmap_mode="r") for p in parts]
        self.starts = np.concatenate([[0], np.cumsum([len(m) for m in self.maps])]).astype(np.int64)
        dims = {int(m.shape[1]) for m in self.maps if m.ndim == 2}
        self.dtype = self.maps[0].dtype if self.maps else np.dtype(np.float32)
        if len(dims) != 1 or any(m.ndim != 2 or m.dtype != self.dtype for m in self.maps):
            raise ValueError(f"{parts[0].parent}: vector parts of different shapes")
        self.shape: tuple[int, int] = (int(self.starts[-1]), dims.pop())

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = self[0 : self.shape[0]]
        return whole if dtype is None or whole.dtype == np.dtype(dtype) else whole.astype(dtype)

    def __getitem__(self, key: int | slice | np.ndarray) -> np.ndarray:
        if isinstance(key, (int, np.integer)):
            r = int(key) + self.shape[0] if int(key) < 0 else int(key)
            if not 0 <= r < self.shape[0]:
                raise IndexError(f"row {int(key)} of {self.shape[0]}")
            k = int(np.searchsorted(self.starts, r, side="right")) - 1
            return np.asarray(self.maps[k][r - int(self.starts[k])], dtype=np.float32)
        if isinstance(key, slice):
            rows = np.arange(*key.indices(self.shape[0]), dtype=np.int64)
        else:
            rows = np.asarray(key, dtype=np.int64)
            rows = np.where(rows < 0, rows + self.shape[0], rows)
            if len(rows) and (rows.min() < 0 or rows.max() >= self.shape[0]):
                raise IndexError(f"rows outside 0..{self.shape[0] - 1}")
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        part = np.searchsorted(self.starts, rows, side="right") - 1
        for k, m in enumerate(self.maps):
            at = np.flatnonzero(part == k)
            if len(at):
                local = rows[at] - self.starts[k]
                lo, hi = int(local[0]), int(local[-1]) + 1
                if hi - lo == len(at) and bool(np.all(np.diff(local) == 1)):
                    out[at] = m[lo:hi]  # a run of rows: one slice of the map
                else:
                    out[at] = m[local]
        return out


def all_rows(folder: Path) -> np.ndarray:
    """Every stored vector of a version folder in memory, its parts one after the other (tools, tests)."""
    return np.asarray(stored_rows(Layout(folder).parts(EMBEDDINGS)), dtype=np.float32)


def stored_rows(parts: Sequence[Path]) -> np.ndarray | MappedRows:
    """A version's stored vectors mapped from their file, or from its parts as one matrix."""
    if len(parts) == 1:
        return cast(np.ndarray, np.load(parts[0], mmap_mode="r"))
    return MappedRows(parts)


Rows = np.ndarray | RowFile | MappedRows


ADD_ROWS = 65_536  # rows added to an index at a time (96 MB of float32 at 384 dimensions)


def _block(rows: Rows, start: int, stop: int) -> np.ndarray:
    if isinstance(rows, RowFile):
        return rows.block(start, stop)
    return np.ascontiguousarray(rows[start:stop], dtype=np.float32)


def _take(rows: Rows, ids: np.ndarray) -> np.ndarray:
    if isinstance(rows, RowFile):
        return rows.take(ids)
    return np.asarray(rows[ids], dtype=np.float32)


class VectorIndex:
    """A FAISS index whose ids are row numbers, with its training record and the exact rows for
    re-scoring. Answers `search`, `ntotal`, `d` and `reconstruct_n` as a FAISS index does, so it
    can stand where `faiss.read_index` stood."""

    def __init__(self, index: faiss.Index, rows: Rows | None, record: TrainRecord | None) -> None:
        self.index = index
        self.rows = rows
        self.record = record
        ivf = self.ivf
        self.codec = "" if ivf is None else "Flat" if isinstance(ivf, faiss.IndexIVFFlat) else "SQ8"
        # approximate codes (SQ8): re-score the candidates exactly from the rows
        self.rerank = rows is not None and self.codec == "SQ8"

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def d(self) -> int:
        return int(self.index.d)

    @property
    def ivf(self) -> faiss.IndexIVF | None:
        try:
            ivf = faiss.extract_index_ivf(self.index)
        except RuntimeError:
            return None
        down = faiss.downcast_index(ivf)  # IndexIVFFlat, IndexIVFScalarQuantizer
        return down if isinstance(down, faiss.IndexIVF) else ivf

    @property
    def kind(self) -> str:
        ivf = self.ivf
        if ivf is None:
            return type(self.index).__name__
        rerank = f",rerank={RERANK}k" if self.rerank else ""
        return f"IVF{ivf.nlist},{self.codec}(nprobe={ivf.nprobe}{rerank})"

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows) of the k best rows per question, best first, as FAISS returns them
        (-1 and -inf where fewer than k rows exist). Above the flat threshold the candidates
        are re-scored exactly, so scores are exact inner products."""
        q = np.ascontiguousarray(np.atleast_2d(q), dtype=np.float32)
        if len(q) == 1 and self.ntotal >= SPLIT_MIN and _splittable(self.index):
            return _split_search(cast(faiss.IndexFlat, self.index), q, k)
        if not self.rerank or self.rows is None:
            with _threads_for(len(q)):
                d, i = self.index.search(q, k)
            return d, i
        pool = min(self.ntotal, max(RERANK * k, RERANK_MIN))
        with _threads_for(len(q)):
            _, cand = self.index.search(q, pool)
        scores = np.full((len(q), k), -np.inf, dtype=np.float32)
        ids = np.full((len(q), k), -1, dtype=np.int64)
        for j in range(len(q)):
            c = np.sort(cand[j][cand[j] >= 0])
            if len(c):
                scores[j], ids[j] = _best_first(_take(self.rows, c) @ q[j], c, k)
        return scores, ids

    def reconstruct_n(self, start: int, n: int) -> np.ndarray:
        if self.rows is not None:
            return _take(self.rows, np.arange(start, start + n))
        return np.asarray(self.index.reconstruct_n(start, n), dtype=np.float32)

    def reconstruct(self, row: int) -> np.ndarray:
        return self.reconstruct_n(row, 1)[0]

    def memory_bytes(self) -> int:
        """Bytes the index holds in memory (codes, ids, centroids), from its serialised size."""
        return int(faiss.serialize_index(self.index).nbytes)


@contextlib.contextmanager
def _threads_for(questions: int) -> Iterator[None]:
    """One OpenMP thread for one question: FAISS splits a flat search of one question over its
    threads, which at 100k rows took 19.7 ms against 14.1 ms on one (2 cores, README
    "Benchmarks"). OpenMP keeps the setting per calling thread, so it is set and put back here."""
    if questions != 1:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _splittable(index: faiss.Index) -> bool:
    """A flat inner-product index, on a machine with a second core for the second half."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores >= 2 and isinstance(index, faiss.IndexFlat) and index.metric_type == faiss.METRIC_INNER_PRODUCT


def _split_search(index: faiss.IndexFlat, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """An exact search of one question over the two halves of a flat index's rows at once, one
    half per core (the rows are the index's own, viewed, not copied): the rows and scores of
    FAISS' own search, best first, but tied rows (reprinted passages) lowest row first where
    FAISS lists them the other way round, and missing ones as row -1 with score -inf."""
    n, d = int(index.ntotal), int(index.d)
    xb = faiss.rev_swig_ptr(index.get_xb(), n * d).reshape(n, d)
    half = n // 2
    far: list[tuple[np.ndarray, np.ndarray]] = []
    failed: list[BaseException] = []

    def search_far() -> None:
        try:
            with _threads_for(1):
                # `index` named here too: the rows stay alive while this thread reads them, even
                # if the asking thread is interrupted before it has joined
                far.append(faiss.knn(q, xb[half:], k, metric=index.metric_type))
        except BaseException as err:  # raised again in the asking thread
            failed.append(err)

    worker = threading.Thread(target=search_far, name="flat-search", daemon=True)
    worker.start()
    try:
        with _threads_for(1):
            d_near, i_near = faiss.knn(q, xb[:half], k, metric=index.metric_type)
    finally:
        worker.join()
    if failed:
        raise failed[0]
    d_far, i_far = far[0]
    scores = np.concatenate([d_near[0], d_far[0]])
    rows = np.concatenate([i_near[0], i_far[0] + half])
    ok = np.concatenate([i_near[0], i_far[0]]) >= 0
    best_s, best_r = _best_first(scores[ok], rows[ok], k)
    return best_s[None, :], best_r[None, :]


def _best_first(scores: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (score, row) pairs, best first and ties to the lower row, padded with score -inf
    and row -1 (the rows callers drop, as they drop FAISS' own -1)."""
    order = np.lexsort((rows, -scores))[:k]
    out_s = np.full(k, -np.inf, dtype=np.float32)
    out_r = np.full(k, -1, dtype=np.int64)
    out_s[: len(order)] = scores[order]
    out_r[: len(order)] = rows[order]
    return out_s, out_r


# ---------------------------------------------------------------------------- building


def nlist_for(n: int) -> int:
    """~sqrt(n) lists, a power of two (1,024 at 1M)."""
    return int(2 ** round(math.log2(math.sqrt(max(n, 1)))))


def _errors(ivf: faiss.IndexIVF, x: np.ndarray) -> np.ndarray:
    """Squared distance of each row to its nearest centroid (rows and centroids are unit length,
    the IVF quantizer being spherical for inner product: 2 - 2 cos)."""
    if not len(x):
        return np.zeros(0, dtype=np.float64)
    ip, _ = ivf.quantizer.search(np.ascontiguousarray(x, dtype=np.float32), 1)
    return np.maximum(0.0, 2.0 - 2.0 * ip[:, 0].astype(np.float64))


def _sample(n: int, size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=min(n, size), replace=False))


def _flat(vecs: Rows) -> faiss.Index:
    idx = faiss.IndexFlatIP(vecs.shape[1])
    for s in range(0, len(vecs), ADD_ROWS):
        idx.add(_block(vecs, s, min(s + ADD_ROWS, len(vecs))))
    return idx


def train(vecs: Rows, codec: str = DEFAULT_CODEC, nprobe: int | None = None) -> tuple[VectorIndex, float]:
    """An IVF index trained on a fixed sample of `vecs` and filled with all of them (ids = rows),
    and the seconds k-means took (`nprobe`: NPROBE unless given)."""
    nprobe = NPROBE if nprobe is None else nprobe
    if codec not in CODECS:
        raise ValueError(f"unknown codec {codec!r}: use one of {CODECS}")
    n, dim = vecs.shape
    nlist = nlist_for(n)
    index = faiss.index_factory(dim, f"IVF{nlist},{codec}", faiss.METRIC_INNER_PRODUCT)
    ivf = faiss.extract_index_ivf(index)
    ivf.nprobe = min(nprobe, nlist)
    picked = _sample(n, TRAIN_PER_LIST * nlist, TRAIN_SEED)
    t = time.perf_counter()
    index.train(np.ascontiguousarray(_take(vecs, picked), dtype=np.float32))
    train_s = time.perf_counter() - t
    for s in range(0, n, ADD_ROWS):  # a block at a time: the rows may be a file of 1.5 GB
        e = min(s + ADD_ROWS, n)
        index.add_with_ids(_block(vecs, s, e), np.arange(s, e, dtype=np.int64))
    held = np.setdiff1d(np.arange(n), picked, assume_unique=True)
    if not len(held):
        held = picked
    base = held[_sample(len(held), BASELINE_ROWS, TRAIN_SEED + 1)]
    record = TrainRecord(
        codec=codec,
        nlist=nlist,
        nprobe=int(ivf.nprobe),
        trained_rows=n,
        trained_error=float(_errors(ivf, _take(vecs, base)).mean()),
        trained_imbalance=float(_lists(ivf).imbalance_factor()),
    )
    return VectorIndex(index, vecs, record), train_s


def build(vecs: Rows, codec: str = DEFAULT_CODEC, flat_max: int | None = None) -> tuple[VectorIndex, VectorDecision]:
    """The index of a whole version built from its rows (first build, rebuild, new embedder);
    `flat_max`: FLAT_MAX unless given (read when called, so tests may lower it)."""
    flat_max = FLAT_MAX if flat_max is None else flat_max
    t = time.perf_counter()
    n = len(vecs)
    if n <= flat_max:
        vi = VectorIndex(_flat(vecs), None, None)
        return vi, VectorDecision(
            "exact", f"rows {n} <= flat_max {flat_max}", vi.kind, n, n, 0, seconds=time.perf_counter() - t
        )
    vi, train_s = train(vecs, codec)
    return vi, VectorDecision(
        "train", "built from all rows", vi.kind, n, n, 0, seconds=time.perf_counter() - t, train_s=train_s
    )


def retrain_reason(
    record: TrainRecord, rows: int, imbalance: float, drift_max: float = DRIFT_MAX, imbalance_max: float = IMBALANCE_MAX
) -> str:
    """Why a trained index should be trained again ("" to keep it). `imbalance`: the lists'
    imbalance factor now over the one at training."""
    growth = rows / max(record.trained_rows, 1)
    if growth > GROWTH_MAX or growth < 1 / GROWTH_MAX:
        return f"rows {rows} vs {record.trained_rows} trained for (x{growth:.2f}, limit x{GROWTH_MAX:g})"
    if record.added_rows >= DRIFT_MIN_ROWS and record.drift > drift_max:
        return f"drift {record.drift:.3f} > {drift_max} over {record.added_rows} added rows"
    if imbalance > imbalance_max:
        return f"imbalance {imbalance:.3f} x trained > {imbalance_max}"
    return ""


def _lists(ivf: faiss.IndexIVF) -> faiss.InvertedLists:
    if ivf.invlists is None:
        raise ValueError("IVF index without inverted lists")
    return ivf.invlists


def _renumber(ivf: faiss.IndexIVF, remap: np.ndarray) -> int:
    """Give every stored row its new number (remap[old] = new, -1 = removed) in place, dropping
    the removed rows from their lists (order within a list kept). Returns rows removed."""
    inv = faiss.downcast_InvertedLists(_lists(ivf))
    if not isinstance(inv, faiss.ArrayInvertedLists):
        raise TypeError(f"cannot renumber {type(inv).__name__}: load the index without mmap")
    cs = int(inv.code_size)
    removed = 0
    for lno in range(inv.nlist):
        size = int(inv.list_size(lno))
        if not size:
            continue
        ids = faiss.rev_swig_ptr(inv.get_ids(lno), size)
        new = remap[ids]
        keep = new >= 0
        if keep.all():
            ids[:] = new
            continue
        codes = faiss.rev_swig_ptr(inv.get_codes(lno), size * cs).reshape(size, cs)
        kept_codes = np.ascontiguousarray(codes[keep])
        kept_ids = np.ascontiguousarray(new[keep])
        removed += size - len(kept_ids)
        inv.resize(lno, len(kept_ids))
        if len(kept_ids):
            inv.update_entries(lno, 0, len(kept_ids), faiss.swig_ptr(kept_ids), faiss.swig_ptr(kept_codes))
    ivf.ntotal = ivf.ntotal - removed
    return removed


def update(
    old: VectorIndex,
    keep_rows: np.ndarray,
    vecs: Rows,
    codec: str = DEFAULT_CODEC,
    flat_max: int | None = None,
    drift_max: float = DRIFT_MAX,
    imbalance_max: float = IMBALANCE_MAX,
) -> tuple[VectorIndex, VectorDecision]:
    """The index of a new version from the old version's index (taken over: it is changed in
    place; load a private copy with `load`). `keep_rows`: the old rows kept, in their old order,
    which become rows 0..len(keep_rows)-1; `vecs`: all rows of the new version (kept rows first,
    then the new ones). Adds instead of training again, unless `retrain_reason` says otherwise."""
    flat_max = FLAT_MAX if flat_max is None else flat_max
    t = time.perf_counter()
    n = len(vecs)
    keep = np.asarray(keep_rows, dtype=np.int64)
    n_new = n - len(keep)
    n_removed = old.ntotal - len(keep)
    if n_new < 0 or n_removed < 0:
        raise ValueError(f"{len(keep)} kept rows of {old.ntotal}, {n} rows in the new version")
    if vecs.shape[1] != old.d:
        return _rebuilt(vecs, codec, flat_max, t, f"dimension {vecs.shape[1]} != {old.d}", n_new, n_removed)
    if n <= flat_max:
        vi = VectorIndex(_flat(vecs), None, None)
        return vi, VectorDecision(
            "exact", f"rows {n} <= flat_max {flat_max}", vi.kind, n, n_new, n_removed, seconds=time.perf_counter() - t
        )
    rec = old.record
    ivf = old.ivf
    if rec is None or ivf is None:
        why = f"crossed flat_max {flat_max}" if ivf is None else "no training record"
        return _rebuilt(vecs, codec, flat_max, t, why, n_new, n_removed)
    if rec.codec != codec:
        return _rebuilt(vecs, codec, flat_max, t, f"codec {rec.codec} -> {codec}", n_new, n_removed)
    remap = np.full(old.ntotal, -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep), dtype=np.int64)
    if n_removed or not np.array_equal(keep, np.arange(len(keep))):
        _renumber(ivf, remap)
    fresh = _block(vecs, len(keep), n)
    err = _errors(ivf, fresh)
    if len(fresh):
        old.index.add_with_ids(fresh, np.arange(len(keep), n, dtype=np.int64))
    rec = replace(rec, added_rows=rec.added_rows + n_new, added_error_sum=rec.added_error_sum + float(err.sum()))
    imbalance = float(_lists(ivf).imbalance_factor()) / max(rec.trained_imbalance, 1e-9)
    why = retrain_reason(rec, n, imbalance, drift_max, imbalance_max)
    if why:
        return _rebuilt(vecs, codec, flat_max, t, why, n_new, n_removed, action="retrain")
    vi = VectorIndex(old.index, vecs, rec)
    return vi, VectorDecision(
        "add",
        f"drift {rec.drift:.3f} <= {drift_max}, imbalance {imbalance:.3f} x trained <= {imbalance_max}",
        vi.kind,
        n,
        n_new,
        n_removed,
        drift=rec.drift,
        imbalance=imbalance,
        growth=n / max(rec.trained_rows, 1),
        seconds=time.perf_counter() - t,
    )


def _rebuilt(
    vecs: Rows, codec: str, flat_max: int, t: float, why: str, added: int, removed: int, action: str = "train"
) -> tuple[VectorIndex, VectorDecision]:
    vi, _ = build(vecs, codec, flat_max)
    return vi, VectorDecision(
        action if vi.record else "exact", why, vi.kind, len(vecs), added, removed, seconds=time.perf_counter() - t
    )


# ---------------------------------------------------------------------------- on disk


def save(vi: VectorIndex, folder: Path) -> None:
    """Write the index (FAISS) and, for IVF, its training record (TRAIN_RECORD) into a version
    folder being written."""
    faiss.write_index(vi.index, str(folder / FAISS))
    if vi.record is not None:
        (folder / TRAIN_RECORD).write_text(vi.record.to_json(), encoding="utf-8")


def load(folder: Path) -> VectorIndex:
    """The vector index of a version folder; IVF candidates are re-scored from its embeddings.npy.
    An IVF index without its training record is searchable, and trained again on its next update
    (there is no baseline to measure drift against)."""
    index = faiss.read_index(str(folder / FAISS))
    try:
        faiss.extract_index_ivf(index)
    except RuntimeError:
        return VectorIndex(index, None, None)
    try:
        record: TrainRecord | None = TrainRecord.from_json((folder / TRAIN_RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        record = None
    rows = RowFile(Layout(folder).parts(EMBEDDINGS))
    if rows.shape != (index.ntotal, index.d):
        raise ValueError(f"{folder}: {EMBEDDINGS} holds {rows.shape}, the index {index.ntotal} x {index.d}")
    return VectorIndex(index, rows, record)
