"""The question-answering service shared by the CLI and the app.

Holds the embedder and the live index; `ask` retrieves and composes, `show` looks up a citation,
`sync` updates the index and swaps the new version in only once it is complete, so questions
asked meanwhile are answered from the old one. A question reads the live version once: the index
and the retriever over it come as one `Live` pair, so a swap while it is answered cannot pair a
retriever of one version with the passages and store of another.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .answer import AnswerSettings, combine, compose
from .config import Settings
from .embed import Embedder, make_embedder
from .errors import CitationNotFoundError, IndexMissingError, RagError
from .followup import resolve
from .generate import LLMSettings, generate
from .index import FORMAT_VERSION, Index, Progress, UpdateReport, current_version, load_index, read_manifest, sync
from .integrity import UPDATE, IndexCheck, check_index, check_version
from .layout import versions
from .models import Answer, Article, Bulletin, Passage
from .question import sub_questions
from .retrieve import Filters, FusionWeights, HybridRetriever, clean_text, make_query

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Live:
    """One loaded index version and the retriever over it, replaced together on a reload."""

    index: Index
    retriever: HybridRetriever


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
        # (CURRENT's version that failed to load, the versions then, the error): not retried while
        # neither changes, so requests do not check every version again under the lock
        self._failed: tuple[str, tuple[str, ...], RagError] | None = None
        self.degraded = ""  # why the loaded version is not the newest one (Chinese first), or ""

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
        with self._lock:
            live = self._live
            v = current_version(self.settings.index_dir)
            want = v.name if v is not None else ""
            if live is not None and (not want or want == live.index.version):
                return live
            if self._failed is not None and self._failed[0] == want:
                if live is not None:
                    return live
                if self._failed[1] == self._versions_now():  # nothing changed since all failed
                    raise self._failed[2]
            try:
                live = self._live = self._load(v)
                self._failed, self.degraded = None, ""
                return live
            except RagError as err:
                if v is None and not versions(self.settings.index_dir):
                    raise
                self._failed = (want, self._versions_now(), err)
                log.warning("cannot load index version %s: %s", want or "(CURRENT)", err)
                if live is None:
                    live = self._live = self._fallback(want, err)
                file = getattr(err, "file", "")
                self.degraded = (
                    f"最新的索引版本无法载入{f'（{file} 已损坏）' if file else ''}，问答仍使用 "
                    f"{live.index.manifest.created_at.replace('T', ' ')} 的版本；请运行 python -m rag repair 修复"
                )
                return live

    def _versions_now(self) -> tuple[str, ...]:
        return tuple(v.name for v in versions(self.settings.index_dir))

    def _load(self, version: Path | None) -> Live:
        index = load_index(self.settings.index_dir, self.embedder, version)
        retriever = HybridRetriever(index, self.embedder, self.weights)
        # map the stored vectors now, under the lock: numpy reads a .npy header with
        # ast.literal_eval, and CPython 3.11 can fail ("AST constructor recursion depth
        # mismatch") when two threads parse at once, e.g. a filtered question mapping them
        # lazily while another request loads a new version
        retriever.dense.vectors()
        return Live(index, retriever)

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
        return self.live().index

    def has_index(self) -> bool:
        """True when there is an index to answer from, even one whose CURRENT is missing or bad
        (loading falls back to its versions, an update repairs CURRENT): never rebuild then."""
        return current_version(self.settings.index_dir) is not None or bool(versions(self.settings.index_dir))

    def retriever(self) -> HybridRetriever:
        return self.live().retriever

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        k: int | None = None,
        history: Sequence[tuple[str, str]] = (),
    ) -> Answer:
        """Answer `question`; `history` holds earlier (question, answer) turns of a chat, oldest first,
        so that a follow-up ("他还参加了哪些活动?") is resolved against the previous turn."""
        live = self.live()  # one version for the whole question
        idx, retriever = live.index, live.retriever
        asked = resolve(question, history, idx.analyzer.user_words) if history else question
        parts = []
        for part in sub_questions(asked, idx.analyzer.words):  # "GDP是多少？增长了多少": each asked in turn
            query = make_query(idx, part, filters)
            hits = retriever.search(query, k or max(self.settings.top_k, 10))
            parts.append(compose(idx, query, hits, self.answer_settings))
        ans = combine(asked, parts)
        if asked != question:
            ans = replace(ans, extra={**ans.extra, "resolved_question": asked})
        llm = LLMSettings(self.settings.llm_endpoint, self.settings.llm_model, self.settings.llm_api_key)
        return generate(ans, llm) if llm.enabled else ans

    def sync(
        self, rebuild: bool = False, progress: Progress | None = None, lock_wait: float = 0.0, repair: bool = False
    ) -> UpdateReport:
        return sync(
            self.settings.corpus_dir,
            self.settings.index_dir,
            self.embedder,
            rebuild=rebuild,
            repair=repair,
            progress=progress,
            lock_wait=lock_wait,
            max_passages=self.settings.max_passages_per_bulletin,
        )

    def verify(self) -> IndexCheck:
        """Every check of every version of the index (checksums included)."""
        return check_index(self.settings.index_dir)

    def ensure_index(self, progress: Progress | None = None) -> UpdateReport | None:
        """Build the index if there is none; bring one of an older format to this version (an
        update: its vectors are reused, the rest is rebuilt)."""
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
        idx = self.index
        cid = clean_text(citation_id).strip().strip("[]")
        found = idx.store.passage(cid)
        if found is None:
            raise CitationNotFoundError(
                f"没有找到引用编号 {cid}"
                f"（no passage with citation id '{cid}' in the index at {self.settings.index_dir} "
                "(ids look like 45ca31b9ef57; they come from `ask`)）"
            )
        _, p = found
        bulletin = idx.store.bulletin(p.source)
        article = idx.store.article(p.article_id) if p.article_index >= 0 else None
        return CitationView(p, article, bulletin, bulletin.label if bulletin else p.source)

    def bulletins(self) -> list[dict]:
        try:
            return self.index.store.bulletins()
        except IndexMissingError:
            return []

    @property
    def corpus_dir(self) -> Path:
        return self.settings.corpus_dir
