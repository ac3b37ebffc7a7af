"""The plain pipeline a user would otherwise assemble, for comparison in the same run.

Fixed 300-character windows over each decoded bulletin (no overlap, no parsing), BM25 over
plain `jieba.lcut` tokens (jieba's own dictionary, no stop words), the same embedder, an exact
flat FAISS index, reciprocal-rank fusion of the two lists (k = 60), and the best window as the
answer (no abstention). Decoding uses the project's reader so both read the same text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import jieba
import numpy as np

from rag.bm25 import BM25
from rag.embed import Embedder
from rag.errors import BulletinError
from rag.ingest import read_bulletin

jieba.setLogLevel(logging.WARNING)
WINDOW = 300
RRF_K = 60
POOL = 50


@dataclass(frozen=True)
class Window:
    source: str
    text: str


def tokens(text: str) -> list[str]:
    return [w for w in jieba.lcut(text) if w.strip()]


def windows(text: str, source: str, size: int = WINDOW) -> list[Window]:
    return [Window(source, text[i : i + size]) for i in range(0, len(text), size) if text[i : i + size].strip()]


class PlainIndex:
    def __init__(self, wins: list[Window], bm25: BM25, index: faiss.Index, embedder: Embedder) -> None:
        self.windows = wins
        self.bm25 = bm25
        self.faiss = index
        self.embedder = embedder

    @classmethod
    def build(cls, corpus: Path, embedder: Embedder) -> tuple[PlainIndex, dict[str, float]]:
        t: dict[str, float] = {}
        t0 = time.perf_counter()
        wins: list[Window] = []
        for p in sorted(corpus.glob("*.txt")):
            try:
                raw = read_bulletin(p)
            except BulletinError:
                continue
            wins.extend(windows(raw.text, p.name))
        t["read+window"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        toks = [tokens(w.text) for w in wins]
        t["tokenize"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        vecs = embedder.embed_passages([w.text for w in wins]).astype(np.float32)
        t["embed"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        bm25 = BM25.build(toks)
        index = faiss.IndexFlatIP(embedder.dim)
        if len(vecs):
            index.add(vecs)
        t["index"] = time.perf_counter() - t3
        return cls(wins, bm25, index, embedder), t

    def search(self, question: str, k: int = 10) -> list[Window]:
        q = self.embedder.embed_query(question).reshape(1, -1).astype(np.float32)
        n = len(self.windows)
        if not n:
            return []
        _, ids = self.faiss.search(q, min(POOL, n))
        s = self.bm25.scores(tokens(question))
        pool = min(POOL, n)
        top = np.argpartition(-s, pool - 1)[:pool] if pool < n else np.arange(n)
        lex = sorted((int(i) for i in top if s[i] > 0), key=lambda i: -s[i])
        fused: dict[int, float] = {}
        for ranked in ([int(i) for i in ids[0] if i >= 0], lex):
            for r, i in enumerate(ranked):
                fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + r + 1)
        best = sorted(fused, key=lambda i: -fused[i])[:k]
        return [self.windows[i] for i in best]

    def answer(self, question: str, k: int = 10) -> dict[str, object]:
        hits = self.search(question, k)
        return {
            "answer": hits[0].text if hits else "",
            "abstained": False,
            "passages": [{"source": w.source, "text": w.text} for w in hits],
        }


def run_file(index: PlainIndex, questions: Sequence[dict[str, object]]) -> list[dict[str, object]]:
    return [{"id": q["id"], **index.answer(str(q["question"]))} for q in questions]
