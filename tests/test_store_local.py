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
