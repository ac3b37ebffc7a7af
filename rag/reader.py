"""One index snapshot as questions read it: the store, its vocabulary, the jieba analyzer of its
dictionary, document frequencies and values derived once (what related-article search reads).

Built per snapshot and dropped with it, so nothing here is process-wide; the retriever, the
answerer and related-article search all take a `Reader`, whatever store is behind it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from .analyze import Analyzer, normalize
from .index import Index
from .stores.base import IndexStore, SnapshotInfo, Vocabulary

_DF_CACHE = 200_000  # document frequencies remembered per snapshot (a question asks for ~50)


class Reader:
    """The per-snapshot state answering reads, whatever store is behind it."""

    def __init__(self, store: IndexStore, analyzer: Analyzer | None = None) -> None:
        self.store = store
        self.vocab: Vocabulary = store.vocabulary()
        self.info: SnapshotInfo = store.info
        self.analyzer = analyzer or Analyzer(self.vocab.user_words)
        self.aliases: dict[str, list[str]] = {k: list(v) for k, v in self.vocab.aliases.items()}
        self.districts: set[str] = set(self.vocab.districts)
        self._df: dict[str, int] = {}
        self._derived: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        return self.info.version

    def __len__(self) -> int:
        return self.vocab.n_passages

    def doc_freq(self, tokens: Sequence[str]) -> dict[str, int]:
        """Passages holding each (normalised) token, asked of the store once per token."""
        with self._lock:
            missing = [t for t in dict.fromkeys(tokens) if t not in self._df]
        got = self.store.doc_freq(missing) if missing else {}
        with self._lock:
            if got:
                if len(self._df) + len(got) > _DF_CACHE:
                    self._df.clear()
                self._df.update(got)
            # what was just asked is answered from `got`: another thread may have cleared the cache
            return {t: got[t] if t in got else self._df.get(t, 0) for t in tokens}

    def df(self, token: str) -> int:
        """Passages holding the token (normalised here)."""
        t = normalize(token)
        n = self._df.get(t)  # the answer path asks ~300 times a question, nearly always known
        return n if n is not None else self.doc_freq([t])[t]

    def known(self, word: str) -> bool:
        return self.df(word) > 0

    def derived(self, key: str, build: Callable[[], Any]) -> Any:
        """A value computed from this snapshot once, on first use: it lives and dies with it."""
        with self._lock:
            if key in self._derived:
                return self._derived[key]
        value = build()
        with self._lock:
            return self._derived.setdefault(key, value)


def reader_of(index: Index) -> Reader:
    """A `Reader` over one loaded local version (what scripts and tests hold)."""
    from .stores.local import LocalSnapshot

    return Reader(LocalSnapshot(index), analyzer=index.analyzer)
