"""The local store (the versioned index folder) passes the shared store contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BuiltIndex
from store_contract import (  # noqa: F401 (the contract's fixtures)
    StoreContract,
    changed_build,
    query_tokens,
    query_vectors,
    reference,
    seeds_build,
)

from rag.errors import IndexMissingError
from rag.stores.local import LocalBackend


class TestLocalStore(StoreContract):
    @pytest.fixture
    def backend(self, built_index: BuiltIndex) -> LocalBackend:
        return LocalBackend(built_index.index_dir)

    @pytest.fixture
    def empty_backend(self, tmp_path: Path) -> LocalBackend:
        return LocalBackend(tmp_path / "index")


def test_open_without_an_index_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="rag build"):
        LocalBackend(tmp_path / "none").open()


def test_apply_refuses_a_folder_that_is_no_build(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "index")
    (tmp_path / "junk").mkdir()
    with pytest.raises(IndexMissingError, match=r"manifest\.json"):
        backend.apply(tmp_path / "junk")
    assert backend.live_version() == ""


def test_an_id_that_only_starts_like_a_citation_id_is_unknown(built_index: BuiltIndex) -> None:
    snapshot = LocalBackend(built_index.index_dir).open()
    p = snapshot.index.passages[0]
    assert snapshot.passages([p.id]) == [p]
    assert snapshot.passages([p.id + "XYZ", p.id[:-1], p.id.upper() + "é", ""]) == []
