"""The file names of an index folder and of one index version, in one place.

    <index dir>/CURRENT         name of the live version folder (replaced with os.replace)
    <index dir>/.lock           held while a build/update/repair runs
    <index dir>/hashes.json     checksums known by file stat (`integrity.FileHashes`; a cache)
    <index dir>/v-<time>-<rand>/ one complete version, the files below

Every data file of a version has its size and SHA-256 in the manifest, and the vectors also a
checksum per row (`rag.integrity`), so damage is found and never copied forward.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CURRENT = "CURRENT"
LOCK = ".lock"
HASHES = "hashes.json"  # checksums of bulletins and version files by stat, so updates read back only what changed
APPLIED = "applied.json"  # which version this folder last applied to which server store
VERSION_PREFIX = "v-"
TMP_PREFIX = ".tmp-"

MANIFEST = "manifest.json"  # format version, embedder id, dimension, counts, bulletins, file checksums
EMBEDDINGS = "embeddings.npy"  # float32 (n_passages, dim), row i = passage row i
ROW_SUMS = "row_sums.npy"  # uint64 checksum of each vector row, so damage is found row by row
EMBED_KEYS = "embed_keys.txt"  # row i's embed key (what text its vector was made from), one per line
FAISS = "faiss.index"  # the vector index over those rows
BM25_COUNTS = "bm25.npz"  # term counts per passage (scipy sparse)
BM25_VOCAB = "bm25_vocab.json"  # term -> column
STORE = "store.sqlite"  # bulletins, articles, passages
USERDICT = "userdict.txt"  # names harvested from the bulletins for jieba
ALIASES = "aliases.json"  # abbreviations harvested from the bulletins

# the files a version is made of besides the manifest, in the order they are checked
TRAIN_RECORD = "faiss_train.json"  # how the IVF index was trained (only above the exact-search size)
DATA_FILES = (STORE, EMBEDDINGS, ROW_SUMS, EMBED_KEYS, FAISS, TRAIN_RECORD, BM25_COUNTS, BM25_VOCAB, USERDICT, ALIASES)

# The big files (store, vectors, term counts) may come in parts: the base file, then `store.1.sqlite`,
# `store.2.sqlite`, ... each holding the rows one update added after the rows of the parts before it.
# An update that only adds rows hard-links the parts of the live version into the new one and writes
# one small part, instead of writing 4.6 GB again at 1M passages; any other update (and a build or a
# repair) writes each file whole again. The update that would make more than MAX_PARTS merges the
# parts after the base into one.
SEGMENTED = (STORE, EMBEDDINGS, BM25_COUNTS)
MAX_PARTS = 8  # SQLite attaches at most 10 databases to one connection by default


def part_name(kind: str, i: int) -> str:
    """File name of part `i` of a segmented file (part 0 is the file's own name)."""
    if i == 0:
        return kind
    stem, _, suffix = kind.rpartition(".")
    return f"{stem}.{i}.{suffix}"


def part_of(name: str) -> tuple[str, int] | None:
    """(kind, part number) of a data file's name; None for a name that is no file of a version."""
    if name in DATA_FILES:
        return name, 0
    for kind in SEGMENTED:
        stem, _, suffix = kind.rpartition(".")
        m = re.fullmatch(rf"{re.escape(stem)}\.([1-9][0-9]{{0,2}})\.{re.escape(suffix)}", name)
        if m:
            return kind, int(m.group(1))
    return None


def parts_in(kind: str, names: Iterable[str]) -> list[str]:
    """The part names of `kind` among `names` (a manifest's files), base first, in order."""
    found = sorted((n for n in (part_of(x) for x in names) if n is not None and n[0] == kind), key=lambda n: n[1])
    return [part_name(kind, i) for _, i in found]


@dataclass(frozen=True)
class Layout:
    """Paths of one version folder's files."""

    folder: Path

    @property
    def embeddings(self) -> Path:
        return self.folder / EMBEDDINGS

    @property
    def embed_keys(self) -> Path:
        return self.folder / EMBED_KEYS

    @property
    def faiss(self) -> Path:
        return self.folder / FAISS

    @property
    def store(self) -> Path:
        return self.folder / STORE

    @property
    def userdict(self) -> Path:
        return self.folder / USERDICT

    def parts(self, kind: str) -> list[Path]:
        """The parts of a segmented file present in the folder, base first: part 1, 2, ... up to the
        first one missing (a version's parts are numbered without gaps)."""
        out = [self.folder / kind]
        while (p := self.folder / part_name(kind, len(out))).is_file():
            out.append(p)
        return out


def versions(index_dir: Path) -> list[Path]:
    """The version folders of an index folder, newest first (their names sort by creation time)."""
    try:
        found = [p for p in index_dir.iterdir() if p.name.startswith(VERSION_PREFIX) and p.is_dir()]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.name, reverse=True)
