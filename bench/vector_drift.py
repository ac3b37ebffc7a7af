"""Does an IVF index trained once lose recall as rows of another kind are added? What the drift
thresholds of `rag/vectors.py` (DRIFT_MAX, IMBALANCE_MAX) were set from.

    .venv/bin/python -m bench.vector_drift --n 200000     # ~13 minutes on 2 shared cores

Stand-in passages (means of 3-6 real sentence vectors, as `bench/standin.py`) from 240 of the
seeds' 340 sentences are indexed; then rows are added in steps (300 ... 100,000 in all), made
from the same 240 sentences ("same"), from 170 of them and the 100 others ("mix"), or from the
100 others only ("new"). With retraining switched off, each step prints the drift statistic, the
imbalance factor, recall@10 (against exact search) of 200 passage-like queries of the added kind
and of the original kind, and the recall@10 of an index trained again on all rows.
"""

from __future__ import annotations

import argparse
import math
import sys

import faiss
import numpy as np

from rag import vectors as V

from .standin import CACHE


def main(argv: list[str] | None = None) -> int:
    from rag.cli import default_environment

    default_environment()
    ap = argparse.ArgumentParser(prog="python -m bench.vector_drift")
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--steps", default="300,1000,3000,10000,30000,100000")
    a = ap.parse_args(argv)
    files = sorted(CACHE.glob("sentvecs-*.npz"))
    if not files:
        sys.stderr.write("no cached sentence vectors: run `python -m bench` once first\n")
        return 1
    table = np.load(files[0])["vecs"].astype(np.float32)
    perm = np.random.default_rng(5).permutation(len(table))

    def means(n: int, pool: np.ndarray, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        k = rng.integers(3, 7, size=n)
        acc = np.zeros((n, table.shape[1]), np.float32)
        for j in range(6):
            acc += table[pool[rng.integers(0, len(pool), n)]] * (j < k)[:, None]
        return acc / np.linalg.norm(acc, axis=1, keepdims=True)

    def recall(vi: V.VectorIndex, x: np.ndarray, q: np.ndarray) -> float:
        flat = faiss.IndexFlatIP(x.shape[1])
        flat.add(x)
        _, ex = flat.search(q, 10)
        _, got = vi.search(q, 10)
        return float(np.mean([len(set(e) & set(g)) / 10 for e, g in zip(ex, got)]))

    base_pool = perm[:240]
    pools = {"same": base_pool, "mix": np.concatenate([perm[:170], perm[240:]]), "new": perm[240:]}
    xa = means(a.n, base_pool, 1)
    for name, pool in pools.items():
        vi, _ = V.build(xa, flat_max=1000)
        assert vi.record is not None
        print(f"{name}: trained error {vi.record.trained_error:.4f}, nlist {vi.record.nlist}", flush=True)
        x, seed = xa, 10
        q_new, q_old = means(200, pool, 99), means(200, base_pool, 98)
        for total in (int(s) for s in a.steps.split(",")):
            x = np.concatenate([x, means(total - (len(x) - a.n), pool, seed)])
            seed += 1
            vi, dec = V.update(vi, np.arange(vi.ntotal), x, flat_max=1000, drift_max=math.inf, imbalance_max=math.inf)
            retrained, _ = V.build(x, flat_max=1000)
            print(
                f"{name} added={total} drift={dec.drift:.3f} imbalance={dec.imbalance:.3f}x "
                f"recall_new_q={recall(vi, x, q_new):.3f} recall_old_q={recall(vi, x, q_old):.3f} "
                f"retrained_recall_new_q={recall(retrained, x, q_new):.3f} update_s={dec.seconds:.2f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
