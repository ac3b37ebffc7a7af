"""Index stores: the protocol (`base`) and its implementations (`local`, `milvus`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Settings
    from .base import StoreBackend


def server_backend(settings: Settings) -> StoreBackend | None:
    """The server store `settings.store` names, or None when the index folder answers. Milvus'
    client is imported only here, so a local install never loads it."""
    if not settings.store:
        return None
    from .milvus import MilvusBackend

    return MilvusBackend(
        settings.store,
        token=settings.store_token,
        user=settings.store_user,
        password=settings.store_password,
        db_name=settings.store_database,
        name=settings.store_collection,
    )
