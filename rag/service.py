"""The question-answering service shared by the CLI and the app.

Holds the embedder and the live index; `ask` retrieves and composes, `show` looks up a citation,
`sync` updates the index and swaps the new version in only once it is complete, so questions
asked meanwhile are answered from the old one. A question reads the live version once: the index
and the retriever over it come as one `Live` pair, so a swap while it is answered cannot pair a
retriever of one version with the passages and store of another.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .answer import AnswerSettings, combine, compose
from .config import Settings
from .embed import Embedder, make_embedder
from .errors import CitationNotFoundError, IndexMismatchError, IndexMissingError, IndexWriteError, RagError
from .followup import resolve
from .generate import LLMSettings, generate
from .index import FORMAT_VERSION, Index, current_version, load_index, read_manifest
from .integrity import UPDATE, IndexCheck, check_index, check_version
from .layout import APPLIED, Layout, versions
from .models import Answer, Article, Bulletin, Passage
from .question import sub_questions
from .reader import Reader
from .related import RelatedArticle, bulletin_facts, related_articles
from .retrieve import Filters, FusionWeights, HybridRetriever, clean_text, make_query
from .store import Store
from .stores import server_backend
from .stores.base import IndexStore, SnapshotInfo, StoreBackend
from .stores.local import LocalSnapshot
from .update import Progress, UpdateReport, lock_folder, sync

log = logging.getLogger(__name__)

SERVER_POLL_S = 1.0  # a server store is asked which version is live at most this often


@dataclass(frozen=True)
class Live:
    """One snapshot of the index (its `Reader`) and the retriever over it, replaced together on a
    reload; `index` is the loaded version folder behind a local snapshot."""

    reader: Reader
    retriever: HybridRetriever
    index: Index | None  # the loaded local version; None when a server store answers

    @property
    def version(self) -> str:
        return self.reader.version


@dataclass(frozen=True)
class CitationView:
    passage: Passage
    article: Article | None  # None for the masthead passage
    bulletin: Bulletin | None
    bulletin_label: str


class QA:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        weights: FusionWeights | None = None,
        answer_settings: AnswerSettings | None = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self.weights = weights or FusionWeights()
        self.answer_settings = answer_settings or AnswerSettings()
        self._live: Live | None = None
        self._lock = threading.Lock()
        self._loading = False  # a request is loading a new version outside the lock
        # (CURRENT's version that failed to load, the versions then, the error): not retried while
        # neither changes, so requests do not check every version again under the lock
        self._failed: tuple[str, tuple[str, ...], RagError] | None = None
        self.degraded = ""  # why the loaded version is not the newest one (Chinese first), or ""
        self._server: StoreBackend | None = server_backend(settings)  # None: the index folder answers
        self._asked_at = 0.0  # when the server was last asked which version is live
        self._folder_store: Store | None = None  # the folder's store when a server answers

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.model)
        return self._embedder

    def live(self) -> Live:
        """The live version with its retriever, loaded again when an update has swapped in a new
        one. Read it once per request and use that pair throughout. When the version CURRENT names
        cannot be loaded (a damaged file), the version already loaded keeps answering; at start,
        the newest older version that loads does; `degraded` then says why."""
        if self._server is not None:
            return self._live_on_server(self._server)
        with self._lock:
            live = self._live
            v = current_version(self.settings.index_dir)
            want = v.name if v is not None else ""
            if live is not None and (not want or want == live.version):
                return live
            if self._failed is not None and self._failed[0] == want:
                if live is not None:
                    return live
                if self._failed[1] == self._versions_now():  # nothing changed since all failed
                    raise self._failed[2]
            if live is not None:
                if self._loading:  # another request loads the new version: this one is answered meanwhile
                    return live
                self._loading = True
        if live is not None:
            # a new version is loaded outside the lock (seconds at 1M passages): the other requests
            # are answered from the version loaded before until it is ready
            try:
                loaded = self._load(v)
            except RagError as err:
                with self._lock:
                    self._loading = False
                    return self._not_loaded(v, want, err)
            except BaseException:
                with self._lock:
                    self._loading = False
                raise
            with self._lock:
                self._loading = False
                self._live, self._failed, self.degraded = loaded, None, ""
                return loaded
        with self._lock:  # the first version: nothing to answer from meanwhile
            if self._live is not None:
                return self._live
            try:
                live = self._live = self._load(v)
                self._failed, self.degraded = None, ""
                return live
            except RagError as err:
                return self._not_loaded(v, want, err)

    def _not_loaded(self, v: Path | None, want: str, err: RagError) -> Live:
        """The version CURRENT names failed to load (under the lock): keep answering from the one
        loaded, else from the newest older one that loads, and say so in `degraded`."""
        live = self._live
        if v is None and not versions(self.settings.index_dir):
            raise err
        self._failed = (want, self._versions_now(), err)
        log.warning("cannot load index version %s: %s", want or "(CURRENT)", err)
        if live is None:
            live = self._live = self._fallback(want, err)
        file = getattr(err, "file", "")
        self.degraded = (
            f"最新的索引版本无法载入{f'（{file} 已损坏）' if file else ''}，问答仍使用 "
            f"{live.reader.info.created_at.replace('T', ' ')} 的版本；请运行 python -m rag repair 修复"
        )
        return live

    def _live_on_server(self, server: StoreBackend) -> Live:
        """The server's live snapshot; which version is live is asked at most once a second, so a
        busy app does not query the server's commit record for every request."""
        with self._lock:
            live = self._live
            now = time.monotonic()
            if live is not None and (now - self._asked_at < SERVER_POLL_S or self._loading):
                return live  # asked recently, or another request is asking the server now
            if live is None:  # the first snapshot: nothing to answer from meanwhile
                return self._open_on_server(server, now)
            self._loading = True
        try:  # the server is asked outside the lock: a slow server does not hold up the others
            want = server.live_version()
            fresh = None if want == live.version else server.open()
        finally:
            with self._lock:
                self._loading = False
                self._asked_at = now
        with self._lock:
            if fresh is None:
                return self._live or live
            return self._take_snapshot(server, fresh)

    def _open_on_server(self, server: StoreBackend, now: float) -> Live:
        self._asked_at = now
        return self._take_snapshot(server, server.open())

    def _take_snapshot(self, server: StoreBackend, snapshot: IndexStore) -> Live:
        """The server's snapshot as the live one (under the lock)."""
        if snapshot.info.embedder != self.embedder.id:
            raise IndexMismatchError(
                f"检索服务器上的索引由另一个嵌入模型（{snapshot.info.embedder}）建立，与本机配置的模型不同，请改用该模型"
                f"（{server.name} holds vectors of embedder '{snapshot.info.embedder}', but "
                f"'{self.embedder.id}' is configured: configure that embedder, or run `python -m rag build` "
                "to build and apply the index again"
            )
        reader = Reader(snapshot)
        live = self._live = Live(reader, HybridRetriever(reader, self.embedder, self.weights), None)
        return live

    def _versions_now(self) -> tuple[str, ...]:
        return tuple(v.name for v in versions(self.settings.index_dir))

    def _load(self, version: Path | None) -> Live:
        index = load_index(self.settings.index_dir, self.embedder, version)
        snapshot = LocalSnapshot(index)
        reader = Reader(snapshot, analyzer=index.analyzer)
        # map the stored vectors now, by the one request that loads (`_loading`): numpy reads a
        # .npy header with ast.literal_eval, and CPython 3.11 can fail ("AST constructor recursion
        # depth mismatch") when two threads parse at once, e.g. a filtered question mapping them
        # lazily while another request loads a new version
        snapshot.stored_vectors()
        return Live(reader, HybridRetriever(reader, self.embedder, self.weights), index)

    def _fallback(self, failed: str, err: RagError) -> Live:
        """The newest version other than `failed` that verifies (update level) and loads; else the
        newest that loads; the first error when none does."""
        others = [v for v in versions(self.settings.index_dir) if v.name != failed]
        good = [v for v in others if check_version(v, level=UPDATE).ok]
        for older in good + [v for v in others if v not in good]:
            try:
                live = self._load(older)
            except RagError as other:
                log.warning("cannot load index version %s either: %s", older.name, other)
                continue
            log.warning("answering from index version %s", older.name)
            return live
        raise err

    @property
    def index(self) -> Index:
        """The loaded local version (its files, for tools and tests); answering goes through `reader`."""
        index = self.live().index
        if index is None:
            raise IndexMissingError(
                f"问答由 {self._server.name if self._server else ''} 提供，没有载入本地索引版本"
                "（a server store answers: no local index version is loaded; use QA.reader）"
            )
        return index

    def has_index(self) -> bool:
        """True when there is an index to answer from, even one whose CURRENT is missing or bad
        (loading falls back to its versions, an update repairs CURRENT): never rebuild then. With
        a server store, one the server answers from counts (an app machine has no folder)."""
        if self._server is not None and self._server.live_version():
            return True
        return current_version(self.settings.index_dir) is not None or bool(versions(self.settings.index_dir))

    def retriever(self) -> HybridRetriever:
        return self.live().retriever

    @property
    def reader(self) -> Reader:
        """The live snapshot as questions read it (read it once per request)."""
        return self.live().reader

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        k: int | None = None,
        history: Sequence[tuple[str, str]] = (),
    ) -> Answer:
        """Answer `question`; `history` holds earlier (question, answer) turns of a chat, oldest first,
        so that a follow-up ("他还参加了哪些活动?") is resolved against the previous turn."""
        live = self.live()  # one snapshot for the whole question
        reader, retriever = live.reader, live.retriever
        asked = resolve(question, history, reader.analyzer.user_words) if history else question
        parts = []
        for part in sub_questions(asked, reader.analyzer.words):  # "GDP是多少？增长了多少": each asked in turn
            query = make_query(reader, part, filters)
            hits = retriever.search(query, k or max(self.settings.top_k, 10))
            parts.append(compose(reader, query, hits, self.answer_settings))
        ans = combine(asked, parts)
        if asked != question:
            ans = replace(ans, extra={**ans.extra, "resolved_question": asked})
        llm = LLMSettings(self.settings.llm_endpoint, self.settings.llm_model, self.settings.llm_api_key)
        return generate(ans, llm) if llm.enabled else ans

    def sync(
        self, rebuild: bool = False, progress: Progress | None = None, lock_wait: float = 0.0, repair: bool = False
    ) -> UpdateReport:
        """Update the index folder from the bulletins; with a server store, then apply the new
        version there (only its changed bulletins are written). `rebuild` also makes this folder
        the one that writes to the server (see `_publish`)."""
        report = sync(
            self.settings.corpus_dir,
            self.settings.index_dir,
            self.embedder,
            rebuild=rebuild,
            repair=repair,
            progress=progress,
            lock_wait=lock_wait,
            max_passages=self.settings.max_passages_per_bulletin,
        )
        if self._server is None:
            return report
        lock = lock_folder(self.settings.index_dir, max(lock_wait, 60.0))
        try:
            return self._publish(report, take_over=rebuild)
        finally:
            lock.release()

    def _publish(self, report: UpdateReport, take_over: bool = False) -> UpdateReport:
        """Apply the index folder's live version to the server store, unless the server holds it
        complete already. Only the folder that wrote the server's live version may write the next
        one (`applied.json` remembers what it applied), so a machine that only answers questions,
        with no index folder or another one, never replaces the archive with its own bulletin
        folder; `take_over` (a rebuild) makes this folder the writer."""
        server = self._server
        v = current_version(self.settings.index_dir)
        if server is None or v is None:
            return report
        live = server.live_version()
        applied_file = self.settings.index_dir / APPLIED
        try:
            applied = json.loads(applied_file.read_text(encoding="utf-8")) if applied_file.is_file() else {}
        except (OSError, ValueError):
            applied = {}
        mine = applied.get(server.name, "") if isinstance(applied, dict) else ""
        if live and live != mine and not take_over:
            raise IndexWriteError(
                f"检索服务器上的索引（版本 {live}）不是由本机的索引文件夹写入的，本机的更新不会覆盖它：请在建立该索引的"
                "那台机器上更新；若要由本机接管，请运行 python -m rag build"
                f"（{server.name} holds version {live}, which {self.settings.index_dir} did not apply: run the update "
                "on the machine that builds the archive, or `python -m rag build` here to make this folder the one "
                "that writes it）"
            )
        if live == v.name and not server.check():
            return report
        t = time.perf_counter()
        server.apply(v)
        applied = {**(applied if isinstance(applied, dict) else {}), server.name: v.name}
        tmp = applied_file.with_name(applied_file.name + ".tmp")
        tmp.write_text(json.dumps(applied, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, applied_file)
        with self._lock:
            self._asked_at = 0.0  # the next request opens the new snapshot
        seconds = time.perf_counter() - t
        log.info("applied index version %s to %s in %.1f s", v.name, server.name, seconds)
        return replace(report, applied_to=server.name, timings={**report.timings, "apply": seconds})

    def verify(self) -> IndexCheck:
        """Every check of every version of the index (checksums included)."""
        return check_index(self.settings.index_dir)

    @property
    def server(self) -> StoreBackend | None:
        """The server store that answers questions (None: the index folder answers)."""
        return self._server

    def ensure_index(self, progress: Progress | None = None) -> UpdateReport | None:
        """Build the index if there is none; bring one of an older format to this version (an
        update: its vectors are reused, the rest is rebuilt). With a server store: nothing when the
        server answers already; else the index folder's version (built first if need be) is applied."""
        if self._server is not None:
            try:
                if self._server.live_version():
                    # a server that answers already is never written at start-up: an app machine
                    # may hold no index folder, or an older one; only `update` applies a build
                    return None
            except RagError as err:  # the server is down: start anyway, requests say so
                log.warning("server store %s: %s", self._server.name, err)
                return None
        report = self._ensure_folder(progress)
        if self._server is not None:
            lock = lock_folder(self.settings.index_dir, 600)
            try:
                return self._publish(report or UpdateReport())
            finally:
                lock.release()
        return report

    def _ensure_folder(self, progress: Progress | None) -> UpdateReport | None:
        if not self.has_index():
            return self.sync(rebuild=True, progress=progress, lock_wait=600)
        if current_version(self.settings.index_dir) is None:  # CURRENT lost: point it at a good version
            return self.sync(progress=progress, lock_wait=600)
        try:
            if read_manifest(self.settings.index_dir).format_version == FORMAT_VERSION:
                return None
        except RagError:
            return None  # unreadable: loading says how to fix it
        return self.sync(progress=progress, lock_wait=600)

    def show(self, citation_id: str) -> CitationView:
        store = self.reader.store
        cid = clean_text(citation_id).strip().strip("[]")
        found = store.passages([cid])
        if not found:
            raise CitationNotFoundError(
                f"没有找到引用编号 {cid}"
                f"（no passage with citation id '{cid}' in the index at {self.settings.index_dir} "
                "(ids look like 45ca31b9ef57; they come from `ask`)）"
            )
        p = found[0]
        bulletin = store.bulletin(p.source)
        article = store.article(p.article_id) if p.article_index >= 0 else None
        return CitationView(p, article, bulletin, bulletin.label if bulletin else p.source)

    def bulletin_view(self, source: str) -> tuple[Bulletin, dict[str, list[Passage]]] | None:
        """A bulletin with its articles and each article's passages (article id -> passages), for
        reading a whole issue; None when the index does not hold it."""
        store = self.reader.store
        b = store.bulletin(source)
        if b is None:
            return None
        return b, {a.id: store.article_passages(a.id) for a in b.articles}

    def related(self, article_id: str, k: int = 5, exclude: tuple[str, ...] = ()) -> list[RelatedArticle]:
        """Other articles on the same topic or about the same people (`rag.related`)."""
        return related_articles(self.reader, article_id, k, exclude)

    def bulletin_facts(self) -> dict[str, tuple[str, str, str]]:
        """source -> (publisher or district, issue_no, issue_date) of every bulletin, read once per snapshot."""
        return bulletin_facts(self.reader)

    def snapshot_info(self) -> SnapshotInfo:
        """What the snapshot answering questions holds (version, embedder, counts, when it was made)."""
        return self.reader.info

    def warm_up(self, question: str) -> None:
        """Load the index, the model, the tokenizer's dictionary and the lexical index now rather
        than on the first visitor's question: one question retrieved, not answered (no LLM call)."""
        live = self.live()
        live.retriever.search(make_query(live.reader, question), self.settings.top_k)

    def folder_store(self) -> Store:
        """The store of the index folder's live version: what the library compares uploads with
        and lists (the folder is where builds are made, whichever store answers questions)."""
        live = self.live() if self._server is None else None
        if live is not None and live.index is not None:
            return live.index.store
        v = current_version(self.settings.index_dir)
        if v is None:
            raise IndexMissingError(f"还没有索引，请运行 python -m rag build（no index at {self.settings.index_dir}）")
        with self._lock:
            if self._folder_store is None or self._folder_store.path != Layout(v).store:
                self._folder_store = Store(Layout(v).store)
            return self._folder_store

    def text_keys(self) -> dict[str, str]:
        """text key -> source of every indexed bulletin (the upload's duplicate check)."""
        return self.folder_store().text_keys()

    def bulletin_leads(self) -> dict[str, tuple[str, str]]:
        """source -> (lead headline, span of article dates) of every indexed bulletin."""
        return self.folder_store().bulletin_leads()

    def bulletins(self) -> list[dict]:
        try:
            return self.reader.store.bulletins()
        except IndexMissingError:
            return []

    @property
    def corpus_dir(self) -> Path:
        return self.settings.corpus_dir
