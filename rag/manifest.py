"""The manifest of an index version: what it holds and the checksums of its files."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import IndexDamagedError
from .layout import MANIFEST, part_of

# 2: per-bulletin harvest in the store, BM25 term counts; 3: jieba total fixed; 4: articles keep
# title_from_body, text indexed in simplified characters. File checksums (`files`) and row checksums
# came without a new format: a version without them is read, and `repair` adds them.
FORMAT_VERSION = 4


@dataclass(frozen=True)
class Manifest:
    format_version: int
    embedder: str
    dim: int
    faiss_index: str
    n_bulletins: int
    n_articles: int
    n_passages: int
    bulletins: dict[str, str]  # source -> sha256
    created_at: str
    user_words: int = 0
    files: dict[str, dict[str, int | str]] = field(default_factory=dict)  # name -> {size, sha256}

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
            m = cls(**known)
            m._validate()
            return m
        except (OSError, ValueError, TypeError, AttributeError) as e:
            raise IndexDamagedError(
                MANIFEST,
                f"索引清单 {MANIFEST} 无法读取，请运行 python -m rag repair"
                f"（the index manifest {path} is unreadable ({type(e).__name__}): "
                "run `python -m rag repair` to rebuild it from the bulletins, reusing the intact vectors）",
            ) from e

    def _validate(self) -> None:
        """Every field of the type written, and file names only of a version's files: a manifest
        edited or damaged into other types is unreadable, not a crash further on."""
        counts = (self.format_version, self.dim, self.n_bulletins, self.n_articles, self.n_passages, self.user_words)
        if any(type(n) is not int or n < 0 for n in counts):
            raise TypeError("a count that is not a whole number of 0 or more")
        if not all(isinstance(x, str) for x in (self.embedder, self.faiss_index, self.created_at)):
            raise TypeError("a name that is not text")
        if not isinstance(self.bulletins, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.bulletins.items()
        ):
            raise TypeError("bulletins is not a map of file names to checksums")
        if not isinstance(self.files, dict):
            raise TypeError("files is not a map")
        for name, rec in self.files.items():
            ok = (
                part_of(name) is not None
                and isinstance(rec, dict)
                and type(rec.get("size")) is int
                and isinstance(rec.get("sha256"), str)
            )
            if not ok:
                raise TypeError(f"files[{name!r}] is not a file of a version with its size and checksum")

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
