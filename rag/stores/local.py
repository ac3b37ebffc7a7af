"""The local store: the versioned index folder (the embedded default).

A snapshot is one loaded version (`rag.index.Index`: SQLite store, FAISS index, BM25 term counts,
memory-mapped vectors); ids map to the version's rows here and nowhere else. Filters are applied
over the passages' columns before any ranking, so a filtered search is exact whatever the FAISS
index type. The folder's file names are in `rag.layout`, its checks in `rag.integrity`.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexMissingError
from ..index import Index, current_version, load_index
from ..integrity import UPDATE, check_version
from ..layout import CURRENT, EMBEDDINGS, MANIFEST, TMP_PREFIX, Layout
from ..models import Article, Bulletin, Passage
from ..vectors import MappedRows, stored_rows
from .base import NO_FILTERS, Filters, Scored, SnapshotInfo, Vocabulary

# rows read at a time when scoring stored vectors directly (64k x 384 float32 = 96 MB)
_BLOCK = 65_536


def exact_scores(vectors: np.ndarray | MappedRows, rows: np.ndarray, q: np.ndarray) -> np.ndarray:
    """q . vectors[r] for the sorted rows `rows`, a block of rows at a time: a block holding many
    of them is read whole (a run of one bulletin's or district's passages), a sparse one row by row."""
    out = np.empty(len(rows), dtype=np.float32)
    i = 0
    while i < len(rows):
        lo = int(rows[i]) // _BLOCK * _BLOCK
        j = int(np.searchsorted(rows, lo + _BLOCK))
        part = rows[i:j]
        if 8 * len(part) >= _BLOCK:
            out[i:j] = (np.asarray(vectors[lo : int(part[-1]) + 1]) @ q)[part - lo]
        else:
            out[i:j] = np.asarray(vectors[part]) @ q
        i = j
    return out


def _top(rows: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (row, score), best first; ties: lower row first."""
    if k <= 0 or not len(rows):
        return []
    if k < len(scores):
        top = np.argpartition(-scores, k - 1)[:k]
        rows, scores = rows[top], scores[top]
    order = np.lexsort((rows, -scores))
    return [(int(rows[o]), float(scores[o])) for o in order]


class LocalSnapshot:
    """One loaded index version seen through the `IndexStore` protocol."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._vectors: np.ndarray | MappedRows | None = None
        self._vectors_lock = threading.Lock()

    # -- what the snapshot is --------------------------------------------------------------
    @property
    def info(self) -> SnapshotInfo:
        m = self.index.manifest
        return SnapshotInfo(
            version=self.index.version,
            embedder=m.embedder,
            dim=m.dim,
            created_at=m.created_at,
            n_bulletins=m.n_bulletins,
            n_articles=m.n_articles,
            n_passages=len(self.index),
            backend="local",
            extra={"folder": str(self.index.folder), "faiss_index": m.faiss_index},
        )

    def vocabulary(self) -> Vocabulary:
        idx = self.index
        return Vocabulary(
            user_words=tuple(idx.analyzer.user_words),
            aliases={k: tuple(v) for k, v in idx.aliases.items()},
            districts=frozenset(idx.districts),
            issues=dict(idx.issue_of),
            n_bulletins=idx.n_bulletins,
            n_passages=len(idx),
        )

    # -- rows <-> ids ------------------------------------------------------------------------
    def _rows(self, ids: Sequence[str]) -> list[int]:
        return self.index.columns.rows(ids)

    def _id(self, row: int) -> str:
        return self.index.columns.ids[row].decode("ascii")

    def _scored(self, pairs: list[tuple[int, float]]) -> list[Scored]:
        return [Scored(self._id(r), s) for r, s in pairs]

    def allowed(self, filters: Filters) -> np.ndarray | None:
        """The rows the filters allow as a boolean mask; None when they allow every row."""
        return self.index.columns.allowed(filters)

    def stored_vectors(self) -> np.ndarray | MappedRows:
        """The passages' stored vectors (row i = passage row i), mapped from embeddings.npy (and its parts) on first
        use; read back from the FAISS index when that file cannot be read or does not fit."""
        with self._vectors_lock:
            if self._vectors is None:
                n, d = len(self.index), self.index.faiss.d
                try:
                    vecs = stored_rows(Layout(self.index.folder).parts(EMBEDDINGS))
                    ok = vecs.shape == (n, d) and vecs.dtype == np.float32
                except Exception:  # a damaged header fails in ast or tokenize with anything
                    ok = False
                if not ok:
                    vecs = self.index.faiss.reconstruct_n(0, n) if n else np.zeros((0, d), np.float32)
                self._vectors = vecs
            return self._vectors

    # -- search ----------------------------------------------------------------------------------
    def dense_search(self, vector: np.ndarray, k: int, filters: Filters = NO_FILTERS) -> list[Scored]:
        n = len(self.index)
        if not n or k <= 0:
            return []
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        mask = self.allowed(filters)
        if mask is not None:
            # exact over the allowed rows: an IVF search only visits its probed lists, and a
            # filter could leave few or none of their rows
            rows = np.flatnonzero(mask)
            return self._scored(_top(rows, exact_scores(self.stored_vectors(), rows, q), k))
        d, found = self.index.faiss.search(q.reshape(1, -1), min(k, n))
        return self._scored([(int(i), float(s)) for s, i in zip(d[0], found[0]) if i >= 0])

    def _bm25(self, tokens: Sequence[str]) -> np.ndarray:
        return self.index.bm25.scores(tokens)

    def lexical_search(
        self, tokens: Sequence[str], k: int, filters: Filters = NO_FILTERS, require_any: Sequence[str] = ()
    ) -> list[Scored]:
        n = len(self.index)
        if not n or k <= 0:
            return []
        s = self._bm25(tokens)
        mask = self.allowed(filters)
        if require_any:
            held = np.zeros(n, dtype=bool)
            for t in require_any:
                held[self.index.bm25.postings(t)] = True
            mask = held if mask is None else mask & held
            rows = np.flatnonzero(mask)
        else:
            rows = np.flatnonzero(s > 0 if mask is None else (s > 0) & mask)
        return self._scored(_top(rows, s[rows], k))

    def dense_scores(self, vector: np.ndarray, ids: Sequence[str]) -> dict[str, float]:
        rows = np.asarray(sorted(set(self._rows(ids))), dtype=np.int64)
        if not len(rows):
            return {}
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        return {self._id(int(r)): float(s) for r, s in zip(rows, exact_scores(self.stored_vectors(), rows, q))}

    def lexical_scores(self, tokens: Sequence[str], ids: Sequence[str]) -> dict[str, float]:
        rows = self._rows(ids)
        if not rows:
            return {}
        s = self._bm25(tokens)
        return {self._id(r): float(s[r]) for r in rows}

    def doc_freq(self, tokens: Sequence[str]) -> dict[str, int]:
        bm25 = self.index.bm25
        m = bm25.matrix
        out = {}
        for t in tokens:
            j = bm25.vocab.get(t)
            out[t] = 0 if j is None else int(m.indptr[j + 1] - m.indptr[j])
        return out

    # -- lookups ---------------------------------------------------------------------------------
    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        rows = self._rows(ids)
        d = self.index.faiss.d
        if not rows:
            return np.zeros((0, d), dtype=np.float32)
        return np.asarray(self.stored_vectors()[np.asarray(rows, dtype=np.int64)], dtype=np.float32)

    def passages(self, ids: Sequence[str]) -> list[Passage]:
        return self.index.passages_at(self._rows(ids))

    def article(self, article_id: str) -> Article | None:
        return self.index.store.article(article_id)

    def article_passages(self, article_id: str) -> list[Passage]:
        return self.index.store.article_passages(article_id)

    def bulletin(self, source: str) -> Bulletin | None:
        return self.index.store.bulletin(source)

    def bulletins(self) -> list[dict[str, Any]]:
        return self.index.store.bulletins()


class LocalBackend:
    """The index folder: versions side by side, CURRENT naming the live one."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)

    @property
    def name(self) -> str:
        return str(self.index_dir)

    def open(self) -> LocalSnapshot:
        return LocalSnapshot(load_index(self.index_dir))

    def live_version(self) -> str:
        v = current_version(self.index_dir)
        return v.name if v is not None else ""

    def apply(self, build: Path) -> str:
        """Make a version folder live: one already in the index folder by replacing CURRENT; one
        elsewhere is copied in beside the live version first (written to a temporary name, then
        renamed), so a failure at any point leaves the previous version answering."""
        build = Path(build)
        if not (build / MANIFEST).is_file():
            raise IndexMissingError(
                f"{build} is not an index version (no {MANIFEST}): build it with `python -m rag build`"
            )
        self.index_dir.mkdir(parents=True, exist_ok=True)
        if build.parent.resolve() != self.index_dir.resolve():
            tmp = self.index_dir / f"{TMP_PREFIX}{build.name}"
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(build, tmp)
            os.replace(tmp, self.index_dir / build.name)
        cur = self.index_dir / f"{CURRENT}.tmp"
        cur.write_text(build.name, encoding="utf-8")
        os.replace(cur, self.index_dir / CURRENT)
        return build.name

    def check(self) -> list[str]:
        v = current_version(self.index_dir)
        if v is None:
            return [f"{self.index_dir}: no live index version (CURRENT missing or naming none)"]
        return [f"{v.name}/{p.file}: {p.what}" for p in check_version(v, level=UPDATE).problems]
