"""Helpers for the fault and fuzz tests (tests/test_faults.py, tests/test_fuzz.py).

`HashEmbedder` is a fast, deterministic stand-in for the model (bags of hashed character
bigrams), so a build takes a second and many kill trials fit in CI. Run as a script, this file
is the project's own CLI (`rag.cli.main`) with `--model hash` meaning that embedder:

    python tests/fault_helpers.py --corpus C --index I --model hash update --wait 30

Environment knobs for fault injection (the child only):
    FAULT_EMBED_DELAY   seconds to sleep per embedded passage (stretches the embed stage)
    FAULT_SLOW_IO       seconds to sleep around each write step of an index version (np.save,
                        write_store, BM25 save, os.replace, fsync, garbage collection), so that
                        random kill times land between the steps of writing a version
    FAULT_DISK_FULL     make writing the passage store fail with ENOSPC (a full disk)
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
HELPER = Path(__file__).resolve()
DIM = 64


class HashEmbedder:
    """Deterministic L2-normalised bags of hashed character bigrams; no model, no threads."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay

    @property
    def id(self) -> str:
        return "test-hash-bigrams:v1"

    @property
    def dim(self) -> int:
        return DIM

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(DIM, dtype=np.float32)
        t = "".join(text.split())
        for i in range(max(len(t) - 1, 1)):
            h = hashlib.blake2b(t[i : i + 2].encode("utf-8", "surrogatepass"), digest_size=4).digest()
            v[int.from_bytes(h, "little") % DIM] += 1.0
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = self._vec(t)
            if self.delay:
                time.sleep(self.delay)
            if progress and (i % 16 == 15 or i == len(texts) - 1):
                progress(i + 1, len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)


def make_corpus(folder: Path, extra_issues: int = 0, seed: int = 1) -> Path:
    """The seeds, plus `extra_issues` bulletins generated from them (bench/corpus.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    for p in sorted(SEEDS.glob("*.txt")):
        shutil.copy(p, folder / p.name)
    if extra_issues:
        import datetime as dt

        sys.path.insert(0, str(REPO))
        from bench.corpus import bulletin_text, load_pool

        pool = load_pool(SEEDS)
        rng = random.Random(seed)
        day = dt.date(2019, 1, 1)
        for i in range(extra_issues):
            d = pool.districts[i % len(pool.districts)]
            when = day + dt.timedelta(days=3 * i)
            text = bulletin_text(rng, pool, d, when, i + 1, 500 + i)
            (folder / f"gen_{seed}_{i:03d}.txt").write_text(text, encoding="utf-8")
    return folder


def _slow(fn: Callable[..., Any], delay: float) -> Callable[..., Any]:
    def wrapper(*a: Any, **kw: Any) -> Any:
        time.sleep(delay)
        out = fn(*a, **kw)
        time.sleep(delay)
        return out

    return wrapper


def _disk_full(*a: Any, **kw: Any) -> None:
    import errno

    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _install(embed_delay: float, slow_io: float) -> None:
    import rag.embed
    import rag.service

    real_make = rag.embed.make_embedder

    def make_embedder(model: str | None = None) -> Any:
        return HashEmbedder(embed_delay) if model == "hash" else real_make(model)

    rag.embed.make_embedder = make_embedder
    rag.service.make_embedder = make_embedder  # type: ignore[attr-defined]
    if os.environ.get("FAULT_DISK_FULL"):
        import rag.update

        rag.update.write_store = _disk_full
    if slow_io:
        import rag.bm25
        import rag.update

        rag.update.write_store = _slow(rag.update.write_store, slow_io)
        rag.update._fsync = _slow(rag.update._fsync, slow_io)
        rag.update._collect_garbage = _slow(rag.update._collect_garbage, slow_io)
        rag.bm25.BM25.save = _slow(rag.bm25.BM25.save, slow_io)  # type: ignore[method-assign]
        np.save = _slow(np.save, slow_io)
        os.replace = _slow(os.replace, slow_io)


def main(argv: list[str] | None = None) -> int:
    _install(float(os.environ.get("FAULT_EMBED_DELAY", "0") or 0), float(os.environ.get("FAULT_SLOW_IO", "0") or 0))
    args = list(sys.argv[1:] if argv is None else argv)
    if "serve" in args:  # `rag serve` hands over to `python -m ui` in a new process, which would lose
        # the embedder installed here: serve in this process, with ui's own entry point
        from ui.__main__ import main as ui_main

        return ui_main([a for a in args if a != "serve"])
    from rag.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())


def index_content(idx: Any) -> dict[str, tuple[Any, np.ndarray, dict[str, float]]]:
    """passage id -> (passage, vector, BM25 term counts): a loaded index's content whatever its
    row order and however its files are cut into parts."""
    from rag.vectors import all_rows

    vecs = all_rows(idx.folder)
    terms = {j: t for t, j in idx.bm25.vocab.items()}
    counts = idx.bm25.counts.tocsr()
    out = {}
    for row, p in enumerate(idx.passages):
        lo, hi = counts.indptr[row], counts.indptr[row + 1]
        tf = {terms[int(j)]: float(c) for j, c in zip(counts.indices[lo:hi], counts.data[lo:hi], strict=True)}
        out[p.id] = (p, vecs[row], tf)
    return out


def count_hashing(monkeypatch: Any) -> list[str]:
    """The names of the files `rag.integrity` reads to hash from now on (the list grows)."""
    import rag.integrity as integrity

    read: list[str] = []
    real = integrity.sha256_of

    def counting(path: Path) -> str:
        read.append(path.name)
        return real(path)

    monkeypatch.setattr(integrity, "sha256_of", counting)
    return read
