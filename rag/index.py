"""The read model of an index folder: which version is live, its manifest, and a loaded version.

The file names of an index folder and of a version are in `rag.layout`, the manifest in
`rag.manifest`, the checks of a version in `rag.integrity`; writing a new version (build, update,
repair) is `rag.update`. `load_index` refuses a version that does not verify, so what answers is
always a whole, checked version.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np

from . import harvest, vectors
from .analyze import Analyzer
from .bm25 import BM25
from .embed import Embedder
from .errors import IndexDamagedError, IndexMismatchError, IndexMissingError, RagError
from .integrity import LOAD, check_version, read_current
from .layout import ALIASES, BM25_COUNTS, EMBED_KEYS, FAISS, ROW_SUMS, STORE, USERDICT, Layout
from .manifest import FORMAT_VERSION, Manifest
from .models import Passage
from .store import Store
from .stores.base import Filters
from .vectors import VectorIndex

log = logging.getLogger(__name__)


def current_version(index_dir: Path) -> Path | None:
    """The version CURRENT names, or None when CURRENT is missing, empty or names no version."""
    name, problem = read_current(index_dir)
    return None if problem else index_dir / name


def read_manifest(index_dir: Path) -> Manifest:
    v = current_version(index_dir)
    if v is None:
        raise IndexMissingError(f"no index at {index_dir}: run `python -m rag build` first")
    return Manifest.read(v)


@dataclass(frozen=True)
class Columns:
    """What search reads of every passage, as arrays in row order: a sorted copy of the citation
    ids (to find rows by id) and codes for source and district, and the dates, so filters are
    array operations and 1M passages cost tens of MB, not a list of Passage objects."""

    ids: np.ndarray  # "S12" citation ids, row order
    id_order: np.ndarray  # rows sorted by id
    sorted_ids: np.ndarray  # ids[id_order]
    source: np.ndarray  # int32 code into `sources`
    sources: tuple[str, ...]
    district: np.ndarray  # int32 code into `districts` ("" included)
    districts: tuple[str, ...]
    date: np.ndarray  # "S10": "YYYY-MM-DD", "MM-DD" or ""
    month_day: np.ndarray  # "S5": the date's last five characters
    has_year: np.ndarray  # bool

    @classmethod
    def read(cls, store: Store) -> Columns:
        ids, sources, districts, dates = store.columns()
        id_arr = np.array([i.encode("ascii", "replace") for i in ids], dtype="S12")
        src_names, src = np.unique(np.array(sources, dtype=object).astype(str), return_inverse=True)
        d_names, dist = np.unique(np.array(districts, dtype=object).astype(str), return_inverse=True)
        date = np.array([d.encode("utf-8") for d in dates], dtype="S10")
        order = np.argsort(id_arr, kind="stable")
        return cls(
            ids=id_arr,
            id_order=order,
            sorted_ids=id_arr[order],
            source=src.astype(np.int32),
            sources=tuple(str(x) for x in src_names),
            district=dist.astype(np.int32),
            districts=tuple(str(x) for x in d_names),
            date=date,
            month_day=np.array([d[-5:] for d in date], dtype="S5"),
            has_year=np.char.str_len(date) == 10,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, ids: Sequence[str]) -> list[int]:
        """The rows of `ids`, in that order; unknown ids left out."""
        if not ids or not len(self.ids):
            return []
        want = np.array(
            [i.encode("ascii", "replace") if len(i) == 12 and i.isascii() else b"" for i in ids], dtype="S12"
        )
        sorted_ids = self.sorted_ids
        pos = np.clip(np.searchsorted(sorted_ids, want), 0, len(sorted_ids) - 1)
        hit = (sorted_ids[pos] == want) & (want != b"")
        return [int(r) for r in self.id_order[pos[hit]]]

    def allowed(self, f: Filters) -> np.ndarray | None:
        """The rows the filters allow (None: every row), by the rules of `Filters.allows`."""
        if not f.active:
            return None
        mask = np.ones(len(self.ids), dtype=bool)
        if f.district:
            code = self.districts.index(f.district) if f.district in self.districts else -1
            mask &= self.district == code
        if f.sources:
            codes = [i for i, s in enumerate(self.sources) if s in set(f.sources)]
            mask &= np.isin(self.source, codes)
        if f.date_from or f.date_to:
            mask &= self.date != b""
            for bound, keep_above in ((f.date_from, True), (f.date_to, False)):
                if not bound:
                    continue
                b, md = bound.encode("utf-8"), bound[-5:].encode("utf-8")
                # full dates where both have a year, month-day otherwise (yearless bulletins)
                if len(bound) == 10:
                    full = (self.date >= b) if keep_above else (self.date <= b)
                    by_md = (self.month_day >= md) if keep_above else (self.month_day <= md)
                    mask &= np.where(self.has_year, full, by_md)
                else:
                    mask &= (self.month_day >= md) if keep_above else (self.month_day <= md)
        return mask


class Index:
    """A loaded, read-only index version: everything retrieval and citation lookup need. Passages
    are read from the store by row when asked for (`passages_at`); `passages` reads them all once,
    for tools and tests."""

    def __init__(self, folder: Path, manifest: Manifest) -> None:
        self.folder = folder
        self.manifest = manifest
        files = Layout(folder)
        with _reading(folder, FAISS):
            self.faiss: VectorIndex = vectors.load(folder)
        # the term weights (seconds of numpy at 1M passages, mostly without the GIL) are computed on
        # the other core while the store's columns are read. Only that thread reads .npy headers
        # meanwhile: numpy parses them with ast.literal_eval, which CPython 3.11 can fail at when two
        # threads parse at once ("AST constructor recursion depth mismatch")
        pool = ThreadPoolExecutor(1, thread_name_prefix="bm25-load")
        weighed = pool.submit(_weighed_bm25, folder)
        try:
            with _reading(folder, STORE):
                self.store = Store(files.store)
                self.columns = Columns.read(self.store)
                self.issue_of = {b["source"]: b["issue_no"] for b in self.store.bulletins()}
            with _reading(folder, BM25_COUNTS):
                self.bm25 = weighed.result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)  # a failed load does not wait for the weights
        with _reading(folder, USERDICT):
            words = files.userdict.read_text(encoding="utf-8").split("\n")
            self.analyzer = Analyzer(w for w in words if w)
        with _reading(folder, ALIASES):
            self.aliases = harvest.load_aliases(folder)
        n = manifest.n_passages
        if len(self.columns) != n or self.faiss.ntotal != n or self.bm25.counts.shape[0] != n:
            raise IndexDamagedError(
                STORE,
                f"索引版本 {folder.name} 的文件互不一致，请运行 python -m rag repair"
                f"（the files of {folder} disagree: {len(self.columns)} passages in the store, "
                f"{self.faiss.ntotal} vectors in FAISS, {self.bm25.counts.shape[0]} rows of term counts, "
                f"{n} in the manifest: run `python -m rag repair`）",
            )
        self.districts = {d for d in self.columns.districts if d}
        self.n_bulletins = len(self.columns.sources)  # bulletins holding a passage

    @cached_property
    def passages(self) -> list[Passage]:
        """Every passage in row order (read once: 100k passages are ~130 MB)."""
        return self.store.passages()

    @cached_property
    def row_of(self) -> dict[str, int]:
        """citation id -> row of every passage (for tools and tests; search uses `columns`)."""
        return {pid: i for i, pid in enumerate(self.store.passage_ids())}

    def passages_at(self, rows: Sequence[int]) -> list[Passage]:
        return self.store.passages_at(rows)

    @property
    def version(self) -> str:
        return self.folder.name

    def __len__(self) -> int:
        return len(self.columns)


def _weighed_bm25(folder: Path) -> BM25:
    bm25 = BM25.load(folder)
    _ = bm25.matrix  # computed now, not at the first question
    return bm25


class _reading:
    """Turn any failure while reading one file of a version into an IndexDamagedError naming that
    file and the fix (a damaged file raises anything from OSError to faiss' RuntimeError)."""

    def __init__(self, folder: Path, file: str) -> None:
        self.folder, self.file = folder, file

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: Any) -> Literal[False]:
        if err is None or isinstance(err, (RagError, KeyboardInterrupt, SystemExit, MemoryError)):
            return False
        raise IndexDamagedError(
            self.file,
            f"索引文件 {self.file} 已损坏或无法读取，请运行 python -m rag repair"
            f"（cannot read {self.folder / self.file} ({type(err).__name__}: {str(err)[:160]}): "
            "run `python -m rag repair` to derive it again from the bulletins）",
        ) from err


def load_index(index_dir: Path, embedder: Embedder | None = None, version: Path | None = None) -> Index:
    """Load the live version (or `version`); refuse one made by another embedder or format
    version, and one whose files are missing or not the size its manifest says (IndexDamagedError)."""
    v = version or current_version(index_dir)
    if v is None:
        raise IndexMissingError(
            f"还没有索引，请运行 python -m rag build（no index at {index_dir}: run `python -m rag build` to make one）"
        )
    m = Manifest.read(v)
    if m.format_version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {index_dir} has format version {m.format_version}, this program reads "
            f"{FORMAT_VERSION}: run `python -m rag update` to bring it to this version (its vectors are reused)"
        )
    # what answering reads; the row checksums and keys only serve verify and repair
    problems = [p for p in check_version(v, level=LOAD).problems if p.file not in (ROW_SUMS, EMBED_KEYS)]
    if problems:
        first = problems[0]
        raise IndexDamagedError(
            first.file,
            f"索引文件 {first.file} 已损坏或缺失，请运行 python -m rag repair"
            f"（index version {v}: {'; '.join(p.line() for p in problems)}）",
        )
    if embedder is not None and m.embedder != embedder.id:
        raise IndexMismatchError(
            f"index at {index_dir} was built with embedder '{m.embedder}', but '{embedder.id}' is "
            f"configured: run `python -m rag build` to rebuild it, or configure that embedder"
        )
    return Index(v, m)


def index_info(index_dir: Path) -> dict[str, Any]:
    v = current_version(index_dir)
    if v is None:
        raise IndexMissingError(f"no index at {index_dir}: run `python -m rag build` first")
    m = Manifest.read(v)
    info = {k: val for k, val in asdict(m).items() if k != "files"}
    with _reading(v, STORE):
        rows = Store(Layout(v).store).bulletins()
    return {"version": v.name, **info, "bulletin_rows": rows}
