"""Okapi BM25 over token lists, stored as plain sparse arrays (no pickle).

Hand-written (~60 lines) rather than taken from a package because fusion and metadata filters
need the score of every passage for a query, and the index must be saved as plain arrays
beside the FAISS file and reloaded without re-tokenising.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp


class BM25:
    def __init__(self, matrix: sp.csc_matrix, vocab: dict[str, int]) -> None:
        self.matrix = matrix  # (n_docs, n_terms) BM25 term weights, column per term
        self.vocab = vocab

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> BM25:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lengths = np.array([len(d) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if len(docs) and lengths.sum() else 1.0
        for i, doc in enumerate(docs):
            counts: dict[int, int] = {}
            for t in doc:
                j = vocab.setdefault(t, len(vocab))
                counts[j] = counts.get(j, 0) + 1
            for j, tf in counts.items():
                rows.append(i)
                cols.append(j)
                vals.append(tf)
        n = len(docs)
        tf_m = sp.csc_matrix((np.array(vals, dtype=np.float32), (rows, cols)), shape=(n, max(len(vocab), 1)))
        df = np.diff(tf_m.indptr).astype(np.float32)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        tf_m = tf_m.tocoo()
        denom = tf_m.data + k1 * (1 - b + b * lengths[tf_m.row] / avg)
        weights = idf[tf_m.col] * tf_m.data * (k1 + 1) / denom
        m = sp.csc_matrix((weights.astype(np.float32), (tf_m.row, tf_m.col)), shape=tf_m.shape)
        return cls(m, vocab)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """Score of every document; repeated query tokens count once."""
        cols = sorted({self.vocab[t] for t in query_tokens if t in self.vocab})
        if not cols:
            return np.zeros(self.matrix.shape[0], dtype=np.float32)
        return np.asarray(self.matrix[:, cols].sum(axis=1)).ravel().astype(np.float32)

    def save(self, folder: Path) -> None:
        sp.save_npz(folder / "bm25.npz", self.matrix, compressed=False)
        (folder / "bm25_vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> BM25:
        m = sp.load_npz(folder / "bm25.npz").tocsc()
        vocab = json.loads((folder / "bm25_vocab.json").read_text(encoding="utf-8"))
        return cls(m, vocab)
