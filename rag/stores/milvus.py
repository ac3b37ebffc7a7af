"""The Milvus store: snapshots kept on a Milvus server (Standalone, Distributed or `milvus-lite
server`), read and written through `pymilvus`.

Layout (every name starts with the backend's `name`, default "gbwd"):

    <name>_meta            the commit record ("live": which version V and generation G answer),
                           and per version a meta blob (build info, counts, bulletin hashes,
                           BM25 statistics) and a vocabulary blob (term -> term id and document
                           frequency, user words, harvested aliases), zlib+base64 in chunks
    <name>_passages_g<G>   one row per passage and version range: citation id, every Passage
                           field, `md` (date[-5:]) and `has_year` for the date rule, `ord` (reading
                           order, as the local store's rows), the dense vector, the BM25 sparse
                           vector and `terms` (its term ids, for `require_any`)
    <name>_records_g<G>    bulletins and articles as JSON (chunked when longer than a VARCHAR)

Versions. Rows carry `v_from`/`v_to`; a snapshot of version V reads the rows with
`v_from <= V < v_to` and nothing else, so it answers the same while a later build is applied.
`apply` (committed version V) first removes what a failed apply left (rows with `v_from > V`,
retirements `V < v_to < INF`) and what no version from V on can see (`v_to <= V`, older
generations), then writes the rows of the bulletins added or changed (`bulletin_keys`: the file's
sha256 and a digest of its passages, articles and term counts, since a local update re-tokenises
kept passages when its user dictionary moves) with `v_from = V+1`, retires the rows of changed
and removed bulletins (`v_to = V+1`, a full-row upsert), writes the meta and
vocabulary blobs of V+1, and last upserts the one "live" row: the commit. A failed or killed
apply therefore leaves V answering, complete. A snapshot stays complete through the next apply;
one held across two applies may lose rows (as the local store removes old version folders).
Only one apply may run at a time (the update pipeline holds the index lock around it).

A full write goes to a new generation of collections (G+1) and the old one is dropped at the
next apply: on the first apply, when the embedder or its dimension changes, when the dense index
type chosen by size changes, when the mean document length has moved more than
`reweight_drift` (default 2 %) from the one the stored BM25 weights were computed with, and when
the live version is not complete (`quick_check`), so `rag update` is also the repair.

Dense index by size: FLAT (exact) up to 250,000 passages, IVF_FLAT with ~sqrt(n) lists (a power
of two) and nprobe 64 above, as the local store's FAISS choice. Above 250k a filtered search
only sees the probed lists (the local store scores filtered rows exactly).

Lexical search uses sparse vectors computed by us from the build's own jieba term counts: a
passage's vector holds `tf*(k1+1) / (tf + k1*(1-b+b*len/avgdl))` per term, the query vector the
term's idf `log(1 + (n-df+0.5)/(df+0.5))` from the vocabulary blob of the snapshot's version,
so the inner product is BM25 (k1 1.2, b 0.75) exactly as `rag.bm25` computes it after a full
write. Incremental applies keep the avgdl the stored weights were made with (new rows use it
too) until it drifts past `reweight_drift`, so scores differ from the local store's by at most
that drift's effect (a full write makes them equal again).

Filters are Milvus expressions applied by the server (never post-filtered): district and
sources by equality/`in`, dates by `date`/`md`/`has_year` comparisons that follow `date_in`.

"Is this collection complete?" (`check`): the commit record and the meta and vocabulary blobs
of the live version are readable with all their chunks; the generation's collections exist;
the passages visible at V are as many as the meta says, per bulletin too, with no citation id
twice; every bulletin of the meta has its record with the same sha256; the articles visible at
V are as many as the meta says. `open` does the cheap part of it (blobs and the three counts).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import harvest
from ..bm25 import BM25
from ..errors import IndexDamagedError, IndexMissingError, IndexWriteError
from ..layout import ALIASES, EMBEDDINGS, MANIFEST, STORE, USERDICT, Layout
from ..manifest import Manifest
from ..models import Article, Bulletin, Paragraph, Passage
from .base import NO_FILTERS, Filters, Scored, SnapshotInfo, Vocabulary

log = logging.getLogger(__name__)

INF = 2**62  # v_to of rows no version has retired
FLAT_MAX = 250_000  # FLAT (exact) up to this many passages, IVF_FLAT above (as rag.index)
IVF_NPROBE = 64
K1, B = 1.2, 0.75
MAX_TOPK = 16_384  # Milvus' largest limit of one search or query
MAX_TERMS = 4_096  # Milvus' largest ARRAY capacity: distinct terms one passage may hold
CHUNK = 60_000  # characters of one blob chunk (base64, so bytes too) below VARCHAR's 65,535
TEXT_MAX = 65_535
BATCH = 500  # rows per insert/upsert request
# keepalive pings every 6 min, none while idle: a grpc server with default settings (milvus-lite)
# sends GOAWAY "too_many_pings" to pymilvus' default 10 s pings; Milvus itself accepts both
GRPC_OPTIONS: dict[str, Any] = {"grpc.keepalive_time_ms": 360_000, "grpc.keepalive_permit_without_calls": 0}
DUMMY = [1.0, 0.0]  # Milvus wants a vector field in every collection: meta and records get this one

PASSAGE_FIELDS = (
    "rid",
    "pid",
    "source",
    "article_id",
    "article_index",
    "title",
    "paragraph",
    "paragraph_end",
    "text",
    "district",
    "date",
    "md",
    "has_year",
    "citation",
    "ord",
    "v_from",
    "v_to",
    "terms",
    "dense",
    "sparse",
)
PASSAGE_OUT = (*PASSAGE_FIELDS[1:11], "citation", "ord")
RECORD_FIELDS = ("key", "kind", "rkey", "source", "idx", "part", "parts", "data", "v_from", "v_to", "_v")


def to_uri(address: str) -> str:
    """`milvus://host:19530` (rag.toml's form) -> the `http://host:19530` pymilvus connects to;
    `milvus+https://` -> `https://`; http(s) addresses are kept."""
    for prefix, scheme in (("milvus+https://", "https://"), ("milvuss://", "https://"), ("milvus://", "http://")):
        if address.startswith(prefix):
            return scheme + address[len(prefix) :]
    return address


def literal(s: str) -> str:
    """A string as a Milvus expression literal."""
    esc = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{esc}"'


def _in(field: str, values: Iterable[str]) -> str:
    return f"{field} in [{', '.join(literal(v) for v in values)}]"


def _date_bound(bound: str, op: str) -> str:
    """`date_in`'s rule for one bound: full dates compare where both have a year, else month-day."""
    if len(bound) == 10:
        full, md = literal(bound), literal(bound[-5:])
        return f"((has_year == true and date {op} {full}) or (has_year == false and md {op} {md}))"
    return f"md {op} {literal(bound[-5:])}"


def visible(v: int) -> str:
    return f"v_from <= {v} and v_to > {v}"


def filter_expr(f: Filters, v: int) -> str:
    """The Milvus expression for the passages of version v that `f` allows (`Filters.allows`)."""
    parts = [visible(v)]
    if f.district:
        parts.append(f"district == {literal(f.district)}")
    if f.sources:
        parts.append(_in("source", f.sources))
    if f.date_from or f.date_to:
        parts.append('date != ""')
        if f.date_from:
            parts.append(_date_bound(f.date_from, ">="))
        if f.date_to:
            parts.append(_date_bound(f.date_to, "<="))
    return " and ".join(parts)


def tf_weights(tf: np.ndarray, length: float, avgdl: float) -> np.ndarray:
    """BM25's term-frequency part of a passage's weights (idf comes with the query), in float32
    operation by operation as `rag.bm25.BM25.matrix`."""
    tf = tf.astype(np.float32)
    lengths = np.full(len(tf), length, dtype=np.float32)
    return (tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths / avgdl))).astype(np.float32)


def idf(n: int, df: int) -> float:
    return float(np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5))))


def dense_index(n: int) -> tuple[str, dict[str, Any]]:
    """Index type and build params for n passages (FLAT up to FLAT_MAX, IVF_FLAT above)."""
    if n <= FLAT_MAX:
        return "FLAT", {}
    return "IVF_FLAT", {"nlist": int(2 ** round(math.log2(math.sqrt(n))))}


def _pack(obj: Any) -> list[str]:
    text = base64.b64encode(zlib.compress(json.dumps(obj, ensure_ascii=False).encode("utf-8"), 6)).decode("ascii")
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


def _unpack(chunks: Sequence[str]) -> Any:
    return json.loads(zlib.decompress(base64.b64decode("".join(chunks))).decode("utf-8"))


def _split(text: str) -> list[str]:
    """Text in pieces of at most TEXT_MAX bytes (VARCHAR's limit), cut between characters."""
    out: list[str] = []
    cur: list[str] = []
    size = 0
    for ch in text:
        n = len(ch.encode("utf-8"))
        if size + n > TEXT_MAX - 16:
            out.append("".join(cur))
            cur, size = [], 0
        cur.append(ch)
        size += n
    out.append("".join(cur))
    return out


def _article_json(a: Article) -> str:
    return json.dumps(
        [
            a.source,
            a.index,
            a.title,
            list(a.subtitles),
            a.section,
            [[p.text, p.raw] for p in a.paragraphs],
            a.dateline,
            a.date,
            list(a.reporters),
            a.byline,
            a.title_from_body,
        ],
        ensure_ascii=False,
    )


def _article_of(data: str) -> Article:
    r = json.loads(data)
    return Article(
        source=r[0],
        index=r[1],
        title=r[2],
        subtitles=tuple(r[3]),
        section=r[4],
        paragraphs=tuple(Paragraph(t, raw) for t, raw in r[5]),
        dateline=r[6],
        date=r[7],
        reporters=tuple(r[8]),
        byline=r[9],
        title_from_body=bool(r[10]),
    )


def _passage_of(r: dict[str, Any]) -> Passage:
    return Passage(
        source=r["source"],
        article_id=r["article_id"],
        article_index=int(r["article_index"]),
        title=r["title"],
        paragraph=int(r["paragraph"]),
        paragraph_end=int(r["paragraph_end"]),
        text=r["text"],
        district=r["district"],
        date=r["date"],
        citation=r["citation"],
    )


def _top(found: Iterable[tuple[str, float, int]], k: int) -> list[Scored]:
    """Best first; ties: earlier reading order first (the local store's lower row)."""
    ranked = sorted(found, key=lambda x: (-x[1], x[2], x[0]))
    return [Scored(pid, s) for pid, s, _ in ranked[:k]]


@dataclass(frozen=True)
class _Live:
    v: int
    version: str
    gen: int


@dataclass
class _Terms:
    """The vocabulary blob of one version: term -> (term id, document frequency)."""

    tid: dict[str, int]
    df: dict[str, int]
    user_words: list[str]
    aliases: dict[str, list[str]]


class MilvusBackend:
    """Snapshots on a Milvus server. Construction does not connect; the first call does."""

    def __init__(
        self,
        uri: str,
        token: str = "",
        user: str = "",
        password: str = "",
        db_name: str = "",
        name: str = "gbwd",
        reweight_drift: float = 0.02,
        timeout: float = 60.0,
        grpc_options: dict[str, Any] | None = None,
    ) -> None:
        self.uri = to_uri(uri)
        self._auth = {"token": token, "user": user, "password": password, "db_name": db_name}
        self.prefix = name
        self.reweight_drift = reweight_drift
        self.timeout = timeout
        self.grpc_options = GRPC_OPTIONS if grpc_options is None else grpc_options
        self._client_obj: Any = None
        self._lock = threading.Lock()
        self._loaded: set[str] = set()
        self.written = Counter[str]()  # rows written by the last apply, per kind (for reports and tests)

    # -- connection and names ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        host = self.uri.split("://", 1)[-1].rsplit("@", 1)[-1]
        db = self._auth["db_name"]
        return f"milvus://{host}{'/' + db if db else ''} ({self.prefix})"

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client_obj is None:
                from pymilvus import MilvusClient

                try:
                    kw = {k: v for k, v in self._auth.items() if v}
                    self._client_obj = MilvusClient(
                        uri=self.uri, timeout=self.timeout, grpc_options=dict(self.grpc_options), **kw
                    )
                except Exception as e:
                    raise IndexMissingError(
                        f"无法连接 Milvus 服务器 {self.name}，请检查 rag.toml 中的 store 地址与账号"
                        f"（cannot connect to Milvus at {self.name}: {type(e).__name__}: {str(e)[:200]}; "
                        "check `store` and its user/token in rag.toml and that the server is running）"
                    ) from e
            return self._client_obj

    @property
    def meta_name(self) -> str:
        return f"{self.prefix}_meta"

    def passages_name(self, gen: int) -> str:
        return f"{self.prefix}_passages_g{gen}"

    def records_name(self, gen: int) -> str:
        return f"{self.prefix}_records_g{gen}"

    def ensure_loaded(self, collection: str) -> None:
        if collection not in self._loaded:
            self.client.load_collection(collection)
            self._loaded.add(collection)

    def query(self, collection: str, expr: str, fields: Sequence[str], limit: int | None = None) -> list[dict]:
        self.ensure_loaded(collection)
        kw: dict[str, Any] = {"limit": limit} if limit is not None else {}
        return list(self.client.query(collection, filter=expr, output_fields=list(fields), **kw))

    def query_all(self, collection: str, expr: str, fields: Sequence[str]) -> Iterator[dict]:
        """Every row matching expr: one query when it fits one (16,384 rows), an iterator above."""
        first = self.query(collection, expr, fields, limit=MAX_TOPK)
        if len(first) < MAX_TOPK:
            yield from first
            return
        it = self.client.query_iterator(collection, batch_size=4096, filter=expr, output_fields=list(fields))
        try:
            while True:
                batch = it.next()
                if not batch:
                    return
                yield from batch
        finally:
            it.close()

    def count(self, collection: str, expr: str) -> int:
        rows = self.query(collection, expr, ["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    # -- the commit record and blobs -----------------------------------------------------------------
    def _create_meta(self) -> None:
        from pymilvus import DataType

        c = self.client
        if c.has_collection(self.meta_name):
            return
        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=128)
        s.add_field("kind", DataType.VARCHAR, max_length=8)  # live | m (meta) | t (terms)
        s.add_field("version", DataType.INT64)
        s.add_field("part", DataType.INT64)
        s.add_field("parts", DataType.INT64)
        s.add_field("data", DataType.VARCHAR, max_length=TEXT_MAX)
        s.add_field("_v", DataType.FLOAT_VECTOR, dim=2)
        ip = c.prepare_index_params()
        ip.add_index("_v", index_type="FLAT", metric_type="IP")
        c.create_collection(self.meta_name, schema=s, index_params=ip, consistency_level="Strong")

    def live(self) -> _Live | None:
        c = self.client
        if not c.has_collection(self.meta_name):
            return None
        rows = self.query(self.meta_name, 'key == "live"', ["data"])
        if not rows:
            return None
        d = json.loads(rows[0]["data"])
        return _Live(int(d["v"]), str(d["version"]), int(d["gen"]))

    def read_blob(self, kind: str, v: int) -> Any:
        rows = self.query(self.meta_name, f"kind == {literal(kind)} and version == {v}", ["part", "parts", "data"])
        rows.sort(key=lambda r: int(r["part"]))
        if not rows or len(rows) != int(rows[0]["parts"]) or [int(r["part"]) for r in rows] != list(range(len(rows))):
            raise IndexDamagedError(
                f"milvus:{self.meta_name}",
                f"Milvus 中索引版本 {v} 的记录不完整，请重新运行 python -m rag update"
                f"（the {kind!r} record of version {v} in {self.meta_name} at {self.name} has "
                f"{len(rows)} of its chunks: run `python -m rag update`, which writes every row anew）",
            )
        return _unpack([r["data"] for r in rows])

    def _write_blob(self, kind: str, v: int, obj: Any) -> None:
        # chunks a failed apply of the same version left (perhaps more of them) go first
        self.client.delete(self.meta_name, filter=f'kind == "{kind}" and version == {int(v)}')
        chunks = _pack(obj)
        rows = [
            {
                "key": f"{kind}:{v}:{i}",
                "kind": kind,
                "version": v,
                "part": i,
                "parts": len(chunks),
                "data": ch,
                "_v": DUMMY,
            }
            for i, ch in enumerate(chunks)
        ]
        for i in range(0, len(rows), 50):
            self.client.insert(self.meta_name, rows[i : i + 50])

    def _commit(self, live: _Live) -> None:
        data = json.dumps({"v": live.v, "version": live.version, "gen": live.gen}, ensure_ascii=False)
        row = {"key": "live", "kind": "live", "version": live.v, "part": 0, "parts": 1, "data": data, "_v": DUMMY}
        self.client.upsert(self.meta_name, [row])

    # -- StoreBackend ----------------------------------------------------------------------------------
    def live_version(self) -> str:
        live = self._reachable(self.live)
        return live.version if live else ""

    def _reachable(self, read: Any) -> Any:
        """read(), with a server that does not answer said as what to check."""
        from pymilvus.exceptions import MilvusException

        try:
            return read()
        except MilvusException as e:
            raise IndexMissingError(
                f"Milvus 服务器 {self.name} 没有应答，请检查服务器与 rag.toml 中的 store 设置"
                f"（Milvus at {self.name} did not answer: {str(e)[:300]}; check that the server runs "
                "and the `store` address, user and token in rag.toml）"
            ) from e

    def open(self) -> MilvusSnapshot:
        snapshot: MilvusSnapshot = self._reachable(self._open)
        return snapshot

    def _open(self) -> MilvusSnapshot:
        live = self.live()
        if live is None:
            raise IndexMissingError(
                f"Milvus 中还没有索引，请运行 python -m rag build（no index in Milvus at {self.name}: "
                "run `python -m rag build` to make one and apply it）"
            )
        meta = self.read_blob("m", live.v)
        snap = MilvusSnapshot(self, live, meta)
        problems = snap.quick_check()
        if problems:
            raise IndexDamagedError(
                f"milvus:{self.passages_name(live.gen)}",
                f"Milvus 中的索引不完整，请运行 python -m rag update"
                f"（the index in Milvus at {self.name} is not complete: {'; '.join(problems)}: "
                "run `python -m rag update`: an apply over an incomplete version writes every row anew）",
            )
        return snap

    def check(self) -> list[str]:
        try:
            live = self.live()
            if live is None:
                return [f"{self.name}: no live version (no commit record in {self.meta_name})"]
            meta = self.read_blob("m", live.v)
            snap = MilvusSnapshot(self, live, meta)
            return snap.full_check()
        except IndexDamagedError as e:
            return [str(e)]

    def apply(self, build: Path) -> str:
        from pymilvus.exceptions import MilvusException

        try:
            return _Apply(self, Path(build)).run()
        except MilvusException as e:
            raise IndexWriteError(
                f"写入 Milvus 失败，原来的索引版本仍然可用，请检查服务器后重新运行 python -m rag update"
                f"（writing to Milvus at {self.name} failed: {str(e)[:300]}; the previous version still "
                "answers: check the server (disk, memory, permissions) and run `python -m rag update` again）"
            ) from e


class _Apply:
    """One apply of a build folder (see the module docstring for the order of its steps)."""

    def __init__(self, backend: MilvusBackend, build: Path) -> None:
        self.b = backend
        self.build = build

    def run(self) -> str:
        b, build = self.b, self.build
        if not (build / MANIFEST).is_file():
            raise IndexMissingError(
                f"{build} 不是索引版本，请先运行 python -m rag build（{build} is not an index version "
                f"(no {MANIFEST}): build it with `python -m rag build`）"
            )
        t0 = time.perf_counter()
        m = Manifest.read(build)
        b.written = Counter()
        b._create_meta()
        live = b.live()
        try:
            old = b.read_blob("m", live.v) if live else None
        except IndexDamagedError as e:  # the live meta is damaged: write every row anew
            log.warning("milvus apply: %s", e)
            old = None
        bm25 = BM25.load(build)
        counts = bm25.counts.tocsr()
        n = counts.shape[0]
        if n != m.n_passages:
            raise IndexDamagedError(
                STORE,
                f"索引版本的词频与段落数不符，请运行 python -m rag repair"
                f"（{build}: {n} rows of term counts, {m.n_passages} passages in the manifest）",
            )
        lengths = np.asarray(counts.sum(axis=1), dtype=np.float32).ravel()
        avgdl = float(lengths.mean()) if n and lengths.sum() else 1.0
        kind, params = dense_index(n)
        full = (
            old is None
            or old["embedder"] != m.embedder
            or old["dim"] != m.dim
            or "keys" not in old
            or old["dense_index"] != kind
            or abs(avgdl - old["avgdl_rows"]) > self.b.reweight_drift * old["avgdl_rows"]
        )
        if not full and live is not None and old is not None:
            damaged = MilvusSnapshot(b, live, old).quick_check()
            if damaged:  # never build on an incomplete version: write every row anew
                log.warning("milvus apply: the live version is not complete (%s): writing all rows", damaged)
                full = True
        if live is not None:
            self._clean(live)
        else:  # what a failed first apply left
            for names in self._generations().values():
                for c in names:
                    b.client.drop_collection(c)
                    b._loaded.discard(c)
        v = live.v + 1 if live else 1
        gen = 1 if live is None else live.gen + 1 if full else live.gen
        if full:
            self._create_generation(gen, m.dim, kind, params)
        new_hashes = dict(m.bulletins)
        keys = bulletin_keys(build, counts, bm25.vocab)
        old_keys: dict[str, str] = {} if (old is None or full) else old["keys"]
        write = sorted(s for s, k in keys.items() if old_keys.get(s) != k)
        retire = sorted(s for s, k in old_keys.items() if keys.get(s) != k)
        # term ids: kept from the live version (rows written before hold them), new terms appended
        if full or old is None:
            tid_of = dict(bm25.vocab)
            next_tid = len(tid_of)
            avgdl_rows = avgdl
            next_ord = 0
        else:
            assert live is not None  # old is the live version's meta
            terms = _terms_of(b.read_blob("t", live.v))
            tid_of = {t: terms.tid[t] for t in bm25.vocab if t in terms.tid}
            next_tid = int(old["next_tid"])
            for t in sorted(bm25.vocab, key=bm25.vocab.__getitem__):
                if t not in tid_of:
                    tid_of[t] = next_tid
                    next_tid += 1
            avgdl_rows = float(old["avgdl_rows"])
            next_ord = int(old["next_ord"])
        col_tid = np.zeros(max(len(bm25.vocab), 1), dtype=np.int64)
        for t, j in bm25.vocab.items():
            col_tid[j] = tid_of[t]
        next_ord = self._write_passages(gen, v, write, counts, lengths, avgdl_rows, col_tid, next_ord)
        self._write_records(gen, v, write)
        if retire and not full:
            self._retire(gen, v, retire)
        df = np.bincount(counts.indices, minlength=len(bm25.vocab))[: len(bm25.vocab)]
        terms_list = sorted(bm25.vocab, key=bm25.vocab.__getitem__)
        user_words = [w for w in (build / USERDICT).read_text(encoding="utf-8").split("\n") if w]
        aliases_path = build / ALIASES
        aliases = json.loads(aliases_path.read_text(encoding="utf-8")) if aliases_path.exists() else {}
        b._write_blob(
            "t",
            v,
            {
                "terms": terms_list,
                "tids": [tid_of[t] for t in terms_list],
                "df": [int(x) for x in df],
                "user_words": user_words,
                "aliases": aliases,
            },
        )
        listed = _store_rows(build, "SELECT source, issue_no, n_articles, n_passages FROM bulletins", ())
        districts = sorted(
            {d for (d,) in _store_rows(build, "SELECT DISTINCT district FROM passages WHERE district <> ''", ())}
        )
        meta = {
            "version": build.name,
            "v": v,
            "gen": gen,
            "embedder": m.embedder,
            "dim": m.dim,
            "created_at": m.created_at,
            "n_bulletins": m.n_bulletins,
            "n_articles": m.n_articles,
            "n_passages": m.n_passages,
            "bulletins": new_hashes,
            "keys": keys,
            "counts": {s: [int(na), int(np_)] for s, _, na, np_ in listed},
            "issues": {s: issue for s, issue, _, _ in listed},
            "districts": districts,
            "dense_index": kind,
            "dense_params": params,
            "avgdl": avgdl,
            "avgdl_rows": avgdl_rows,
            "next_tid": next_tid,
            "next_ord": next_ord,
            "applied": {"written": write, "retired": retire, "full": full},
        }
        b._write_blob("m", v, meta)
        b._commit(_Live(v, build.name, gen))
        log.info(
            "milvus apply %s: v%d gen %d, %s, %d bulletin(s) written, %d retired, rows %s, %.1f s",
            build.name,
            v,
            gen,
            "full" if full else "incremental",
            len(write),
            len(retire),
            dict(b.written),
            time.perf_counter() - t0,
        )
        return build.name

    # -- steps ------------------------------------------------------------------------------------------
    def _generations(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for c in self.b.client.list_collections():
            for kind in ("passages", "records"):
                head = f"{self.b.prefix}_{kind}_g"
                if c.startswith(head) and c[len(head) :].isdigit():
                    out.setdefault(int(c[len(head) :]), []).append(c)
        return out

    def _clean(self, live: _Live) -> None:
        """Remove what a failed apply left and what no version from the live one on can see."""
        b = self.b
        for gen, names in self._generations().items():
            if gen != live.gen:
                for c in names:
                    b.client.drop_collection(c)
                    b._loaded.discard(c)
        v = live.v
        for coll in (b.passages_name(live.gen), b.records_name(live.gen)):
            b.ensure_loaded(coll)
            b.client.delete(coll, filter=f"v_from > {v} or v_to <= {v}")
            fields = PASSAGE_FIELDS if coll == b.passages_name(live.gen) else RECORD_FIELDS
            undo = [dict(r, v_to=INF) for r in b.query_all(coll, f"v_to > {v} and v_to < {INF}", fields)]
            for i in range(0, len(undo), BATCH):
                b.client.upsert(coll, undo[i : i + BATCH])
        b.client.delete(b.meta_name, filter=f'key != "live" and version != {v}')

    def _create_generation(self, gen: int, dim: int, kind: str, params: dict[str, Any]) -> None:
        from pymilvus import DataType

        c = self.b.client
        for name in (self.b.passages_name(gen), self.b.records_name(gen)):
            if c.has_collection(name):
                c.drop_collection(name)
                self.b._loaded.discard(name)
        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("rid", DataType.VARCHAR, is_primary=True, max_length=64)
        s.add_field("pid", DataType.VARCHAR, max_length=64)
        s.add_field("source", DataType.VARCHAR, max_length=TEXT_MAX)
        s.add_field("article_id", DataType.VARCHAR, max_length=64)
        s.add_field("article_index", DataType.INT64)
        s.add_field("title", DataType.VARCHAR, max_length=TEXT_MAX)
        s.add_field("paragraph", DataType.INT64)
        s.add_field("paragraph_end", DataType.INT64)
        s.add_field("text", DataType.VARCHAR, max_length=TEXT_MAX)
        s.add_field("district", DataType.VARCHAR, max_length=1024)
        s.add_field("date", DataType.VARCHAR, max_length=32)
        s.add_field("md", DataType.VARCHAR, max_length=8)
        s.add_field("has_year", DataType.BOOL)
        s.add_field("citation", DataType.VARCHAR, max_length=TEXT_MAX)
        s.add_field("ord", DataType.INT64)
        s.add_field("v_from", DataType.INT64)
        s.add_field("v_to", DataType.INT64)
        s.add_field("terms", DataType.ARRAY, element_type=DataType.INT64, max_capacity=MAX_TERMS)
        s.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        ip = c.prepare_index_params()
        ip.add_index("dense", index_type=kind, metric_type="IP", params=params)
        ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        c.create_collection(self.b.passages_name(gen), schema=s, index_params=ip, consistency_level="Strong")
        r = c.create_schema(auto_id=False, enable_dynamic_field=False)
        r.add_field("key", DataType.VARCHAR, is_primary=True, max_length=TEXT_MAX)
        r.add_field("kind", DataType.VARCHAR, max_length=4)  # b (bulletin) | a (article)
        r.add_field("rkey", DataType.VARCHAR, max_length=TEXT_MAX)  # source or article id
        r.add_field("source", DataType.VARCHAR, max_length=TEXT_MAX)
        r.add_field("idx", DataType.INT64)  # article index, -1 for the bulletin
        r.add_field("part", DataType.INT64)
        r.add_field("parts", DataType.INT64)
        r.add_field("data", DataType.VARCHAR, max_length=TEXT_MAX)
        r.add_field("v_from", DataType.INT64)
        r.add_field("v_to", DataType.INT64)
        r.add_field("_v", DataType.FLOAT_VECTOR, dim=2)
        ip = c.prepare_index_params()
        ip.add_index("_v", index_type="FLAT", metric_type="IP")
        c.create_collection(self.b.records_name(gen), schema=r, index_params=ip, consistency_level="Strong")

    def _write_passages(
        self,
        gen: int,
        v: int,
        sources: list[str],
        counts: Any,
        lengths: np.ndarray,
        avgdl: float,
        col_tid: np.ndarray,
        next_ord: int,
    ) -> int:
        if not sources:
            return next_ord
        coll = self.b.passages_name(gen)
        from ..vectors import stored_rows

        vectors = stored_rows(Layout(self.build).parts(EMBEDDINGS))
        cols = "row, source, article_id, article_index, title, paragraph, paragraph_end, text, district, date, citation"
        wanted = set(sources)
        batch: list[dict[str, Any]] = []
        for r in _store_rows(self.build, f"SELECT {cols} FROM passages ORDER BY row", ()):
            if r[1] not in wanted:
                continue
            p = Passage(*r[1:])
            row = int(r[0])
            lo, hi = counts.indptr[row], counts.indptr[row + 1]
            tids = col_tid[counts.indices[lo:hi]]
            if len(tids) > MAX_TERMS:
                raise IndexWriteError(
                    f"段落 {p.id} 的词语过多，无法写入 Milvus（passage {p.id} of {p.source} holds {len(tids)} distinct "
                    f"terms, Milvus' array limit is {MAX_TERMS}: split the article or use the local store）"
                )
            w = tf_weights(counts.data[lo:hi], float(lengths[row]), avgdl)
            for f in (p.text, p.title, p.citation, p.source):
                if len(f.encode("utf-8")) > TEXT_MAX:
                    raise IndexWriteError(
                        f"段落 {p.id} 过长，无法写入 Milvus（a field of passage {p.id} of {p.source} is over "
                        f"{TEXT_MAX} bytes, Milvus' VARCHAR limit: use the local store for this corpus）"
                    )
            batch.append(
                {
                    "rid": f"{p.id}#{v}",
                    "pid": p.id,
                    "source": p.source,
                    "article_id": p.article_id,
                    "article_index": p.article_index,
                    "title": p.title,
                    "paragraph": p.paragraph,
                    "paragraph_end": p.paragraph_end,
                    "text": p.text,
                    "district": p.district,
                    "date": p.date,
                    "md": p.date[-5:],
                    "has_year": len(p.date) == 10,
                    "citation": p.citation,
                    "ord": next_ord,
                    "v_from": v,
                    "v_to": INF,
                    "terms": [int(t) for t in tids],
                    "dense": np.asarray(vectors[row], dtype=np.float32).tolist(),
                    "sparse": {int(t): float(x) for t, x in zip(tids, w)},
                }
            )
            next_ord += 1
            if len(batch) >= BATCH:
                self._insert(coll, batch, "passages")
                batch = []
        if batch:
            self._insert(coll, batch, "passages")
        return next_ord

    def _insert(self, coll: str, rows: list[dict[str, Any]], kind: str) -> None:
        self.b.client.insert(coll, rows)
        self.b.written[kind] += len(rows)

    def _write_records(self, gen: int, v: int, sources: list[str]) -> None:
        if not sources:
            return
        from ..store import Store

        coll = self.b.records_name(gen)
        store = Store(self.build / STORE)
        listed = {d["source"]: d for d in store.bulletins()}
        rows: list[dict[str, Any]] = []

        def add(kind: str, rkey: str, source: str, idx: int, data: str) -> None:
            pieces = _split(data)
            for i, piece in enumerate(pieces):
                rows.append(
                    {
                        "key": f"{kind}:{rkey}:{i}#{v}",
                        "kind": kind,
                        "rkey": rkey,
                        "source": source,
                        "idx": idx,
                        "part": i,
                        "parts": len(pieces),
                        "data": piece,
                        "v_from": v,
                        "v_to": INF,
                        "_v": DUMMY,
                    }
                )

        for source in sources:
            bulletin = store.bulletin(source)
            if bulletin is None:
                raise IndexDamagedError(
                    STORE,
                    f"索引清单中的公报 {source} 不在索引库中，请运行 python -m rag repair"
                    f"（{self.build}: bulletin {source} of the manifest is not in the store）",
                )
            add("b", source, source, -1, json.dumps(listed[source], ensure_ascii=False))
            for a in bulletin.articles:
                add("a", a.id, source, a.index, _article_json(a))
            if len(rows) >= BATCH:
                self._insert(coll, rows, "records")
                rows = []
        if rows:
            self._insert(coll, rows, "records")

    def _retire(self, gen: int, v: int, sources: list[str]) -> None:
        """Rows of these bulletins end with version v-1 (still seen by snapshots of v-1)."""
        b = self.b
        for coll, fields, kind in (
            (b.passages_name(gen), PASSAGE_FIELDS, "retired passages"),
            (b.records_name(gen), RECORD_FIELDS, "retired records"),
        ):
            for i in range(0, len(sources), 200):
                expr = f"{_in('source', sources[i : i + 200])} and {visible(v - 1)}"
                rows = [dict(r, v_to=v) for r in b.query_all(coll, expr, fields)]
                for j in range(0, len(rows), BATCH):
                    b.client.upsert(coll, rows[j : j + BATCH])
                    b.written[kind] += len(rows[j : j + BATCH])


def _row_signatures(counts: Any, vocab: dict[str, int]) -> np.ndarray:
    """Per row, sum of count x a fixed 64-bit hash of the term's text, modulo 2**64: the same for
    the same term counts whatever the column numbers of the build (order-free integer sums)."""
    h = np.zeros(max(len(vocab), 1), dtype=np.uint64)
    for t, j in vocab.items():
        h[j] = int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little")
    m = counts.tocsr()
    with np.errstate(over="ignore"):
        prod = np.rint(m.data).astype(np.uint64) * h[m.indices]
        cum = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(prod, dtype=np.uint64)])
        return cum[m.indptr[1:]] - cum[m.indptr[:-1]]


def bulletin_keys(build: Path, counts: Any, vocab: dict[str, int]) -> dict[str, str]:
    """source -> a digest of what the store holds of the bulletin: its sha256, its passages'
    fields, its articles' ids and dates, and its passages' term counts (a random projection of
    each row). An update keeps a bulletin's rows only when this is unchanged: the local update
    re-tokenises kept passages when the user dictionary moves, and those rows must follow."""
    sig = _row_signatures(counts, vocab)
    h: dict[str, Any] = {}
    for source, sha in _store_rows(build, "SELECT source, sha256 FROM bulletins", ()):
        h[source] = hashlib.sha1(f"{sha}\x1e".encode())
    sql = (
        "SELECT row, source, id, article_id, article_index, title, paragraph, paragraph_end, district, date, "
        "citation FROM passages ORDER BY row"
    )
    for r in _store_rows(build, sql, ()):
        if r[1] in h:
            h[r[1]].update(json.dumps([*r[2:], int(sig[r[0]])], ensure_ascii=False).encode("utf-8"))
    sql = "SELECT source, id, idx, date, dateline, section, byline FROM articles ORDER BY idx"
    for r in _store_rows(build, sql, ()):
        if r[0] in h:
            h[r[0]].update(json.dumps(["a", *r[1:]], ensure_ascii=False).encode("utf-8"))
    return {s: x.hexdigest() for s, x in h.items()}


def _store_rows(build: Path, sql: str, args: tuple) -> list[tuple]:
    from ..store import Store

    return Store(build / STORE).query(sql, args)


def _terms_of(blob: dict[str, Any]) -> _Terms:
    return _Terms(
        tid=dict(zip(blob["terms"], blob["tids"])),
        df=dict(zip(blob["terms"], blob["df"])),
        user_words=list(blob["user_words"]),
        aliases=dict(blob["aliases"]),
    )


class MilvusSnapshot:
    """One committed version on the server: every read filters `v_from <= V < v_to`."""

    def __init__(self, backend: MilvusBackend, live: _Live, meta: dict[str, Any]) -> None:
        self.backend = backend
        self.v = live.v
        self.meta = meta
        self.passages_coll = backend.passages_name(live.gen)
        self.records_coll = backend.records_name(live.gen)
        self._terms: _Terms | None = None
        self._lock = threading.Lock()
        self._search_params: dict[str, Any] = {"metric_type": "IP"}
        if meta["dense_index"] == "IVF_FLAT":
            self._search_params["params"] = {"nprobe": IVF_NPROBE}

    # -- what the snapshot is ------------------------------------------------------------------------
    @property
    def info(self) -> SnapshotInfo:
        m = self.meta
        return SnapshotInfo(
            version=m["version"],
            embedder=m["embedder"],
            dim=int(m["dim"]),
            created_at=m["created_at"],
            n_bulletins=int(m["n_bulletins"]),
            n_articles=int(m["n_articles"]),
            n_passages=int(m["n_passages"]),
            backend="milvus",
            extra={
                "server": self.backend.name,
                "collection": self.passages_coll,
                "v": self.v,
                "dense_index": m["dense_index"],
                "avgdl": m["avgdl"],
                "avgdl_rows": m["avgdl_rows"],
            },
        )

    def terms(self) -> _Terms:
        with self._lock:
            if self._terms is None:
                self._terms = _terms_of(self.backend.read_blob("t", self.v))
            return self._terms

    def vocabulary(self) -> Vocabulary:
        t = self.terms()
        merged = {k: list(v) for k, v in harvest.maintained_aliases().items()}
        for k, v in t.aliases.items():
            merged.setdefault(k, [])
            merged[k].extend(x for x in v if x not in merged[k])
        counts = self.meta["counts"]
        return Vocabulary(
            user_words=tuple(sorted(set(t.user_words))),
            aliases={k: tuple(v) for k, v in merged.items()},
            districts=frozenset(self.meta["districts"]),
            issues=dict(self.meta["issues"]),
            n_bulletins=sum(1 for _, n_p in counts.values() if n_p > 0),
            n_passages=int(self.meta["n_passages"]),
        )

    # -- search -----------------------------------------------------------------------------------------
    def _search(self, data: Any, field: str, k: int, expr: str) -> list[tuple[str, float, int]]:
        b = self.backend
        b.ensure_loaded(self.passages_coll)
        limit = min(k + 8, MAX_TOPK)  # a few more, so ties are broken by reading order as locally
        params = self._search_params if field == "dense" else {"metric_type": "IP"}
        res = b.client.search(
            self.passages_coll,
            data=[data],
            anns_field=field,
            limit=limit,
            filter=expr,
            output_fields=["pid", "ord"],
            search_params=params,
        )
        return [(h["entity"]["pid"], float(h["distance"]), int(h["entity"]["ord"])) for h in res[0]]

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters = NO_FILTERS) -> list[Scored]:
        if k <= 0 or not self.meta["n_passages"]:
            return []
        q = np.asarray(vector, dtype=np.float32).reshape(-1).tolist()
        return _top(self._search(q, "dense", k, filter_expr(filters, self.v)), k)

    def _query_vector(self, tokens: Sequence[str]) -> dict[int, float]:
        t = self.terms()
        n = int(self.meta["n_passages"])
        return {t.tid[x]: idf(n, t.df[x]) for x in dict.fromkeys(tokens) if x in t.tid}

    def lexical_search(
        self, tokens: Sequence[str], k: int, filters: Filters = NO_FILTERS, require_any: Sequence[str] = ()
    ) -> list[Scored]:
        if k <= 0 or not self.meta["n_passages"]:
            return []
        q = self._query_vector(tokens)
        expr = filter_expr(filters, self.v)
        if require_any:
            t = self.terms()
            req = sorted({t.tid[x] for x in require_any if x in t.tid})
            if not req:
                return []
            expr += f" and array_contains_any(terms, {req})"
        found = self._search(q, "sparse", k, expr) if q else []
        found = [f for f in found if f[1] > 0]
        if require_any and len(found) < k:
            # required passages holding none of the tokens score 0: the earliest in reading order
            zero = expr + (f" and not array_contains_any(terms, {sorted(q)})" if q else "")
            rows = self.backend.query(self.passages_coll, zero, ["pid", "ord"], limit=MAX_TOPK)
            found += [(r["pid"], 0.0, int(r["ord"])) for r in rows]
        return _top(found, k)

    def _rows(self, ids: Sequence[str], fields: Sequence[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        uniq = list(dict.fromkeys(ids))
        for i in range(0, len(uniq), 1000):
            expr = f"{_in('pid', uniq[i : i + 1000])} and {visible(self.v)}"
            for r in self.backend.query(self.passages_coll, expr, ["pid", *fields]):
                out[r["pid"]] = r
        return out

    def dense_scores(self, vector: np.ndarray, ids: Sequence[str]) -> dict[str, float]:
        rows = self._rows(ids, ["dense"])
        if not rows:
            return {}
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        pids = list(rows)
        m = np.asarray([rows[p]["dense"] for p in pids], dtype=np.float32)
        return {p: float(s) for p, s in zip(pids, m @ q)}

    def lexical_scores(self, tokens: Sequence[str], ids: Sequence[str]) -> dict[str, float]:
        rows = self._rows(ids, ["sparse"])
        q = self._query_vector(tokens)
        out = {}
        for pid in ids:
            r = rows.get(pid)
            if r is not None:
                sp = r["sparse"]
                out[pid] = float(sum(np.float32(sp[t]) * np.float32(w) for t, w in q.items() if t in sp))
        return out

    def doc_freq(self, tokens: Sequence[str]) -> dict[str, int]:
        df = self.terms().df
        return {t: int(df.get(t, 0)) for t in tokens}

    # -- lookups -----------------------------------------------------------------------------------------
    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        rows = self._rows(ids, ["dense"])
        vecs = [rows[i]["dense"] for i in ids if i in rows]
        if not vecs:
            return np.zeros((0, int(self.meta["dim"])), dtype=np.float32)
        return np.asarray(vecs, dtype=np.float32)

    def passages(self, ids: Sequence[str]) -> list[Passage]:
        rows = self._rows(ids, PASSAGE_OUT)
        return [_passage_of(rows[i]) for i in ids if i in rows]

    def _records(self, expr: str) -> list[dict[str, Any]]:
        rows = list(
            self.backend.query_all(
                self.records_coll, f"{expr} and {visible(self.v)}", ["kind", "rkey", "idx", "part", "data"]
            )
        )
        rows.sort(key=lambda r: (r["kind"] != "b", int(r["idx"]), r["rkey"], int(r["part"])))
        return rows

    @staticmethod
    def _joined(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        """(first row, data joined over its parts) per record, in order."""
        out: list[tuple[dict[str, Any], str]] = []
        for r in rows:
            if int(r["part"]) == 0:
                out.append((r, r["data"]))
            elif out and out[-1][0]["rkey"] == r["rkey"]:
                out[-1] = (out[-1][0], out[-1][1] + r["data"])
        return out

    def article(self, article_id: str) -> Article | None:
        recs = self._joined(self._records(f'kind == "a" and rkey == {literal(article_id)}'))
        return _article_of(recs[0][1]) if recs else None

    def article_passages(self, article_id: str) -> list[Passage]:
        expr = f"article_id == {literal(article_id)} and {visible(self.v)}"
        rows = list(self.backend.query_all(self.passages_coll, expr, PASSAGE_OUT))
        rows.sort(key=lambda r: int(r["ord"]))
        return [_passage_of(r) for r in rows]

    def bulletin(self, source: str) -> Bulletin | None:
        recs = self._joined(self._records(f"source == {literal(source)}"))
        if not recs or recs[0][0]["kind"] != "b":
            return None
        d = json.loads(recs[0][1])
        return Bulletin(
            source=d["source"],
            sha256=d["sha256"],
            encoding=d["encoding"],
            publisher=d["publisher"],
            district=d["district"],
            issue_date=d["issue_date"],
            issue_no=d["issue_no"],
            articles=tuple(_article_of(data) for r, data in recs[1:]),
            masthead=tuple(json.loads(d["masthead"])),
            warnings=tuple(json.loads(d["warnings"])),
        )

    def bulletins(self) -> list[dict[str, Any]]:
        recs = self._joined(self._records('kind == "b"'))
        return sorted((json.loads(data) for _, data in recs), key=lambda d: d["source"])

    # -- completeness ------------------------------------------------------------------------------------
    def quick_check(self) -> list[str]:
        """The counts of the live version against its meta (three count queries)."""
        b, m, v = self.backend, self.meta, self.v
        problems = []
        for coll in (self.passages_coll, self.records_coll):
            if not b.client.has_collection(coll):
                return [f"collection {coll} is missing"]
        n_p = b.count(self.passages_coll, visible(v))
        if n_p != m["n_passages"]:
            problems.append(f"{self.passages_coll}: {n_p} passages visible at v{v}, the meta says {m['n_passages']}")
        n_a = b.count(self.records_coll, f'kind == "a" and part == 0 and {visible(v)}')
        if n_a != m["n_articles"]:
            problems.append(f"{self.records_coll}: {n_a} articles visible at v{v}, the meta says {m['n_articles']}")
        n_b = b.count(self.records_coll, f'kind == "b" and part == 0 and {visible(v)}')
        if n_b != len(m["bulletins"]):
            problems.append(
                f"{self.records_coll}: {n_b} bulletins visible at v{v}, the meta says {len(m['bulletins'])}"
            )
        return problems

    def full_check(self) -> list[str]:
        """quick_check, then per bulletin: passages counted, no citation id twice, hashes and
        article counts of the bulletin records, and the vocabulary blob readable."""
        problems = self.quick_check()
        if problems and problems[0].startswith("collection "):
            return problems
        b, m, v = self.backend, self.meta, self.v
        per_source: Counter[str] = Counter()
        seen: Counter[str] = Counter()
        for r in b.query_all(self.passages_coll, visible(v), ["pid", "source"]):
            per_source[r["source"]] += 1
            seen[r["pid"]] += 1
        for pid, n in seen.items():
            if n > 1:
                problems.append(f"{self.passages_coll}: passage {pid} is visible {n} times at v{v}")
        for source, (_, n_pas) in sorted(m["counts"].items()):
            if per_source.get(source, 0) != n_pas:
                problems.append(f"{source}: {per_source.get(source, 0)} passages at v{v}, the meta says {n_pas}")
        for source in sorted(set(per_source) - set(m["counts"])):
            problems.append(f"{source}: {per_source[source]} passages at v{v} of a bulletin the meta does not hold")
        arts: Counter[str] = Counter()
        hashes: dict[str, str] = {}
        for r in b.query_all(self.records_coll, f"part == 0 and {visible(v)}", ["kind", "source", "data", "parts"]):
            if r["kind"] == "a":
                arts[r["source"]] += 1
            elif int(r["parts"]) == 1:
                hashes[r["source"]] = json.loads(r["data"])["sha256"]
            else:
                hashes[r["source"]] = "(chunked)"
        for source, sha in sorted(m["bulletins"].items()):
            if source not in hashes:
                problems.append(f"{source}: no bulletin record at v{v}")
            elif hashes[source] not in (sha, "(chunked)"):
                problems.append(f"{source}: the bulletin record's sha256 is not the meta's")
            n_art = m["counts"].get(source, [0, 0])[0]
            if arts.get(source, 0) != n_art:
                problems.append(f"{source}: {arts.get(source, 0)} articles at v{v}, the meta says {n_art}")
        try:
            self.terms()
        except IndexDamagedError as e:
            problems.append(str(e))
        return problems
