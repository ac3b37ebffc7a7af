"""The seam between answering and where an index lives: `IndexStore` (one readable snapshot) and
`StoreBackend` (where snapshots are kept and a new build is made live).

Everything is keyed by citation id (`Passage.id`), never by a row number, so a store may keep its
rows in any order and in any engine. Filters are data (`Filters`) handed to the store, which
applies them itself: the local store over its columns, a server store as an expression. Scores
are comparable only within one store: dense scores are inner products of unit vectors (cosine),
lexical scores BM25 (k1 1.2, b 0.75) over the index's own jieba tokens.

Implementations: `rag.stores.local` (the versioned index folder, the default) and
`rag.stores.milvus` (a Milvus server). `tests/store_contract.py` holds the tests every one passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..models import Article, Bulletin, Passage


@dataclass(frozen=True)
class Filters:
    """Which passages a search may return: all of them when every field is empty."""

    district: str = ""  # e.g. "上街区"; "" = all
    date_from: str = ""  # "YYYY-MM-DD" or "MM-DD"; "" = open
    date_to: str = ""
    sources: tuple[str, ...] = ()  # restrict to these bulletin files

    def allows(self, p: Passage) -> bool:
        if self.district and p.district != self.district:
            return False
        if self.sources and p.source not in self.sources:
            return False
        return not ((self.date_from or self.date_to) and not date_in(p.date, self.date_from, self.date_to))

    @property
    def active(self) -> bool:
        return bool(self.district or self.date_from or self.date_to or self.sources)


NO_FILTERS = Filters()


def date_in(date: str, lo: str, hi: str) -> bool:
    """Compare full dates where both have a year, else month-day only (yearless bulletins)."""
    if not date:
        return False

    def key(d: str, other: str) -> str:
        return d if len(d) == 10 and len(other) == 10 else d[-5:]

    if lo and key(date, lo) < key(lo, date):
        return False
    return not (hi and key(date, hi) > key(hi, date))


@dataclass(frozen=True)
class Vocabulary:
    """What question analysis and answering read of a whole snapshot, read once per snapshot."""

    user_words: tuple[str, ...]  # the index's jieba dictionary (names harvested from its bulletins)
    aliases: Mapping[str, tuple[str, ...]]  # short form -> full names (maintained + harvested)
    districts: frozenset[str]  # districts some passage belongs to
    issues: Mapping[str, str]  # bulletin source -> issue number as printed ("第35期(总第710期)")
    n_bulletins: int  # bulletins holding at least one passage
    n_passages: int


@dataclass(frozen=True)
class Scored:
    """One search result: a citation id and its score (higher is better)."""

    id: str
    score: float


@dataclass(frozen=True)
class SnapshotInfo:
    """Which build a snapshot holds: what the app's status line and `rag info` show."""

    version: str  # the build's version name (the local folder's name, e.g. "v-20261130T210000-ab12cd")
    embedder: str  # embedder id the vectors were made with
    dim: int
    created_at: str  # "YYYY-MM-DDTHH:MM:SS"
    n_bulletins: int
    n_articles: int
    n_passages: int
    backend: str  # "local" | "milvus"
    extra: Mapping[str, Any] = field(default_factory=dict)  # backend-specific, machine-readable


@runtime_checkable
class IndexStore(Protocol):
    """One readable snapshot of an index: what it answers never changes while it is held, even
    when a new build is applied meanwhile (a question reads one snapshot from start to end).

    Searches return at most k `Scored`, best first, only passages the filters allow; a lexical
    search returns only passages holding at least one of the tokens (score > 0). Tokens are
    normalised jieba tokens (`Analyzer.tokens`); repeated tokens count once. Unknown ids are left
    out of every answer, never an error."""

    @property
    def info(self) -> SnapshotInfo: ...

    def vocabulary(self) -> Vocabulary: ...

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters = NO_FILTERS) -> list[Scored]: ...

    def lexical_search(
        self, tokens: Sequence[str], k: int, filters: Filters = NO_FILTERS, require_any: Sequence[str] = ()
    ) -> list[Scored]:
        """`require_any`: only passages holding at least one of these tokens (ranked by `tokens`,
        where a required passage may score 0)."""
        ...

    def dense_scores(self, vector: np.ndarray, ids: Sequence[str]) -> dict[str, float]: ...

    def lexical_scores(self, tokens: Sequence[str], ids: Sequence[str]) -> dict[str, float]: ...

    def doc_freq(self, tokens: Sequence[str]) -> dict[str, int]:
        """Passages holding each token (0 for a token the index never saw)."""
        ...

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        """The stored vectors of `ids`, a row each in that order (unknown ids left out)."""
        ...

    def passages(self, ids: Sequence[str]) -> list[Passage]:
        """The passages of `ids`, in that order (unknown ids left out)."""
        ...

    def article(self, article_id: str) -> Article | None: ...

    def article_passages(self, article_id: str) -> list[Passage]:
        """The passages of one article in reading order."""
        ...

    def bulletin(self, source: str) -> Bulletin | None: ...

    def bulletins(self) -> list[dict[str, Any]]:
        """Every bulletin of the snapshot: source, sha256, publisher, district, issue_date,
        issue_no, n_articles, n_passages, indexed_at ... (what the library table shows)."""
        ...


class StoreBackend(Protocol):
    """Where snapshots are kept. `apply` makes a build live; a failed apply leaves the previous
    snapshot answering, complete."""

    @property
    def name(self) -> str:
        """Where it is, for messages: the index folder or the server's address (no secrets)."""
        ...

    def open(self) -> IndexStore:
        """The live snapshot (IndexMissingError when there is none; IndexDamagedError naming
        what to run when it is not complete)."""
        ...

    def live_version(self) -> str:
        """The version `open` would return now ("" when none), cheap enough to ask per request."""
        ...

    def apply(self, build: Path) -> str:
        """Make the build live (a complete, verified version folder written by `rag.update`);
        returns its version. Incremental: only bulletins whose hash differs are written."""
        ...

    def check(self) -> list[str]:
        """What is wrong with the live snapshot (English, one line each); [] when complete."""
        ...
