"""Okapi BM25 over token lists, stored as plain sparse arrays (no pickle).

Hand-written (~100 lines) rather than taken from a package because fusion and metadata filters
need the score of every passage for a query, and an update must reuse the term counts of the
passages it keeps instead of re-tokenising 100k passages. What is saved is the term-count matrix
and the vocabulary; the BM25 weights (which depend on every document through idf and the mean
length) are computed from the counts when first needed.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import cast

import numpy as np
import scipy.sparse as sp

from .layout import BM25_COUNTS, BM25_VOCAB, Layout


def _counts(docs: Sequence[Sequence[str]], vocab: dict[str, int], rows: Sequence[int], n_rows: int) -> sp.csr_matrix:
    """Term counts of `docs` placed at `rows` of an (n_rows, len(vocab)) matrix; new terms are
    added to `vocab` (ids in order of first appearance, so the same docs give the same ids)."""
    cols = [vocab.setdefault(t, len(vocab)) for d in docs for t in d]
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    row_ids = np.repeat(np.asarray(rows, dtype=np.int64), lengths)
    m = sp.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), (row_ids, np.asarray(cols, dtype=np.int64))),
        shape=(n_rows, max(len(vocab), 1)),
    )
    m.sum_duplicates()
    return m


def count_terms(docs: Iterable[Sequence[str]], vocab: dict[str, int], batch: int = 4096) -> sp.csr_matrix:
    """Term counts of a stream of token lists, a batch at a time, so only one batch of tokens is
    ever held (1M passages' tokens as Python strings would take gigabytes); new terms are added
    to `vocab` in order of first appearance, as `_counts` does."""
    parts: list[sp.csr_matrix] = []
    it = iter(docs)
    while True:
        chunk = list(islice(it, batch))
        if not chunk:
            break
        parts.append(_counts(chunk, vocab, range(len(chunk)), len(chunk)))
    if not parts:
        return sp.csr_matrix((0, max(len(vocab), 1)), dtype=np.float32)
    return sp.vstack([_widen(m, len(vocab)) for m in parts], format="csr")


def _widen(m: sp.csr_matrix, n_terms: int) -> sp.csr_matrix:
    return sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], max(n_terms, 1)))


def _prune(counts: sp.csr_matrix, vocab: dict[str, int]) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Drop terms no document holds any more (removed bulletins), so the vocabulary is the one a
    rebuild makes: a term that is gone must be unknown, not known with document frequency 0."""
    used = np.bincount(counts.indices, minlength=len(vocab))[: len(vocab)] > 0
    if used.all():
        return counts, vocab
    new_id = np.cumsum(used) - 1
    pruned = sp.csr_matrix(
        (counts.data, new_id[counts.indices], counts.indptr), shape=(counts.shape[0], max(int(used.sum()), 1))
    )
    return pruned, {t: int(new_id[j]) for t, j in vocab.items() if used[j]}


class BM25:
    def __init__(self, counts: sp.csr_matrix, vocab: dict[str, int], k1: float = 1.2, b: float = 0.75) -> None:
        self.counts = counts  # (n_docs, n_terms) term counts, row per document
        self.vocab = vocab
        self.k1, self.b = k1, b

    @classmethod
    def from_counts(cls, counts: sp.csr_matrix, vocab: dict[str, int]) -> BM25:
        """The index of term counts made by `count_terms` with `vocab`."""
        return cls(_widen(counts, len(vocab)), vocab)

    @classmethod
    def build(cls, docs: Iterable[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> BM25:
        vocab: dict[str, int] = {}
        counts = count_terms(docs, vocab)
        return cls(_widen(counts, len(vocab)), vocab, k1, b)

    def updated(
        self,
        keep: Sequence[int],
        replace: Mapping[int, Sequence[str]],
        new_docs: Iterable[Sequence[str]] | tuple[sp.csr_matrix, dict[str, int]],
    ) -> BM25:
        """The index of documents `keep` (old row numbers, in their new order), of which the
        positions in `replace` get new tokens, followed by `new_docs`: token lists, or their
        counts already made by `count_terms` with a copy of this index's vocabulary. Kept terms
        keep their ids."""
        added: sp.csr_matrix | None = None
        if isinstance(new_docs, tuple):
            added, vocab = new_docs
        else:
            vocab = dict(self.vocab)
        rows = np.asarray(keep, dtype=np.int64)
        n_old = self.counts.shape[0]
        every = len(rows) == n_old and (not n_old or (rows[0] == 0 and bool(np.all(np.diff(rows) == 1))))
        # every row kept in order (an update that only adds): no copy of 100M counts at 1M passages
        kept = self.counts if every else self.counts[rows] if len(rows) else self.counts[:0]
        if replace:
            pos = sorted(replace)
            mask = np.ones(kept.shape[0], dtype=np.float32)
            mask[pos] = 0
            kept = sp.csr_matrix(sp.diags(mask) @ kept)
            kept.eliminate_zeros()
            redone = _counts([replace[p] for p in pos], vocab, pos, kept.shape[0])
            kept = _widen(kept, len(vocab)) + redone
        if added is None:
            added = count_terms(cast(Iterable[Sequence[str]], new_docs), vocab)
        counts = sp.vstack([_widen(kept.tocsr(), len(vocab)), _widen(added, len(vocab))], format="csr")
        if every and not replace:  # nothing removed or cut again: every term is still held
            return BM25(counts, vocab, self.k1, self.b)
        return BM25(*_prune(counts, vocab), self.k1, self.b)

    @cached_property
    def matrix(self) -> sp.csc_matrix:
        """(n_docs, n_terms) BM25 term weights, a column per term (what `scores` sums). Computed
        on the CSR arrays in place, a few arrays of nnz floats at a time (no COO copy with its row
        and column arrays): at 1M passages (~70M counts) this is what a cold start waits for."""
        c = self.counts if self.counts.has_canonical_format else sp.csr_matrix(self.counts, copy=True)
        c.sum_duplicates()
        n = c.shape[0]
        lengths = np.asarray(c.sum(axis=1), dtype=np.float32).ravel()
        avg = float(lengths.mean()) if n and lengths.sum() else 1.0
        df = np.bincount(c.indices, minlength=c.shape[1]).astype(np.float32)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        k1, b = self.k1, self.b
        tf = c.data.astype(np.float32)
        # tf + k1 * (1 - b + b * length / avg), then idf * tf * (k1 + 1) / that: the same float32
        # operations, in the same order, as the formula written out
        denom = np.repeat(lengths, np.diff(c.indptr))
        denom *= b
        denom /= avg
        denom += 1 - b
        denom *= k1
        denom += tf
        weights = idf[c.indices]
        weights *= tf
        del tf
        weights *= k1 + 1
        weights /= denom
        del denom
        return sp.csr_matrix((weights, c.indices, c.indptr), shape=c.shape).tocsc()

    def postings(self, token: str) -> np.ndarray:
        """Rows of the documents that hold `token` (none when it is not in the vocabulary)."""
        j = self.vocab.get(token)
        if j is None:
            return np.zeros(0, dtype=np.int64)
        m = self.matrix
        return np.asarray(m.indices[m.indptr[j] : m.indptr[j + 1]], dtype=np.int64)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """Score of every document; repeated query tokens count once."""
        cols = sorted({self.vocab[t] for t in query_tokens if t in self.vocab})
        if not cols:
            return np.zeros(self.counts.shape[0], dtype=np.float32)
        return np.asarray(self.matrix[:, cols].sum(axis=1)).ravel().astype(np.float32)

    def save(self, folder: Path) -> None:
        sp.save_npz(folder / BM25_COUNTS, self.counts.tocsr(), compressed=False)
        save_vocab(folder, self.vocab)

    @classmethod
    def load(cls, folder: Path) -> BM25:
        """The index of a version folder: its term counts (the rows of every part, in order) and
        vocabulary."""
        vocab = load_vocab(folder)
        return cls(load_counts(Layout(folder).parts(BM25_COUNTS), len(vocab)), vocab)


def save_vocab(folder: Path, vocab: Mapping[str, int]) -> None:
    (folder / BM25_VOCAB).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")


def load_vocab(folder: Path) -> dict[str, int]:
    return cast(dict[str, int], json.loads((folder / BM25_VOCAB).read_text(encoding="utf-8")))


def save_part(path: Path, counts: sp.csr_matrix) -> None:
    """The term counts of the rows an update adds, as a part of the counts file (`Layout.parts`)."""
    sp.save_npz(path, counts.tocsr(), compressed=False)


def load_counts(parts: Sequence[Path], n_terms: int = 0) -> sp.csr_matrix:
    """The term counts of a file's parts, one under the other, as wide as the widest of them or
    `n_terms` (a part written before later terms were known is narrower)."""
    if len(parts) == 1:
        m = sp.load_npz(parts[0]).tocsr()
        return m if m.shape[1] >= n_terms else _widen(m, n_terms)
    try:
        return _stacked(parts, n_terms)
    except (ValueError, KeyError, OSError):  # not what save_npz writes of a CSR matrix: the general way
        loaded = [sp.load_npz(p).tocsr() for p in parts]
        width = max([n_terms, *(m.shape[1] for m in loaded)])
        return sp.vstack([_widen(m, width) for m in loaded], format="csr")


def _stacked(parts: Sequence[Path], n_terms: int) -> sp.csr_matrix:
    """The CSR parts one under the other, each part's arrays read from its file straight into the
    whole matrix's arrays: no second copy of 70M counts at 1M passages (as `sp.vstack` makes)."""
    heads = []
    for p in parts:
        with np.load(p) as z:
            fmt = z["format"].item()
            if (fmt.decode() if isinstance(fmt, bytes) else str(fmt)) != "csr":
                raise ValueError(f"{p}: not CSR")
            heads.append((np.asarray(z["indptr"], dtype=np.int64), tuple(int(x) for x in z["shape"])))
    nnz = [int(ip[-1]) for ip, _ in heads]
    total = sum(nnz)
    data = np.empty(total, dtype=np.float32)
    indices = np.empty(total, dtype=np.int32)
    indptr = np.zeros(sum(shape[0] for _, shape in heads) + 1, dtype=np.int64)
    at, row = 0, 0
    for p, (ip, shape), n in zip(parts, heads, nnz, strict=True):
        _read_member(p, "data.npy", data[at : at + n])
        _read_member(p, "indices.npy", indices[at : at + n])
        indptr[row + 1 : row + shape[0] + 1] = ip[1:] + at
        at, row = at + n, row + shape[0]
    width = max([n_terms, 1, *(shape[1] for _, shape in heads)])
    return sp.csr_matrix((data, indices, indptr), shape=(row, width))


def _read_member(path: Path, member: str, out: np.ndarray) -> None:
    """Read one array of an uncompressed .npz into `out` (its dtype and length must match)."""
    with zipfile.ZipFile(path) as zf, zf.open(member) as f:
        major, _ = np.lib.format.read_magic(f)
        read = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(f)
        if fortran or np.dtype(dtype) != out.dtype or shape != (len(out),):
            raise ValueError(f"{path}/{member}: {dtype} {shape}, expected {out.dtype} ({len(out)},)")
        view = out.data.cast("B")
        got = 0
        while got < len(view):  # 4 MiB at a time: a zip member's readinto reads all it is asked into a copy first
            n = cast(io.BufferedIOBase, f).readinto(view[got : got + (4 << 20)])
            if not n:
                raise ValueError(f"{path}/{member}: cut short")
            got += n
