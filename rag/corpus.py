"""The bulletin folder: which of its entries are bulletins to read, and why the others are not.

Only regular files directly in the folder are read. Links are followed only to files inside the
folder; a link loop, a dangling link, a link out of the folder, a FIFO, socket or device is
skipped with its reason (reported by `update` and shown in the app), never read, since reading a
FIFO would block an update and a link out of the folder would index a file nobody put there.
Sub-folders and names starting with a dot are not bulletins and are passed over in silence.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import RagError

LOOP = "符号链接循环，已跳过（a symbolic link loop: not indexed）"
DANGLING = "链接指向的文件不存在，已跳过（a link to a file that does not exist: not indexed）"
OUTSIDE = (
    "链接指向公报库以外的文件，已跳过（a link to a file outside the bulletin folder: not indexed; "
    "copy the file into the folder instead）"
)
SPECIAL = "不是普通文件（管道、套接字或设备），已跳过（not a regular file (a FIFO, socket or device): not indexed）"


@dataclass(frozen=True)
class Listing:
    files: tuple[Path, ...]  # bulletins to read, sorted by name
    skipped: tuple[tuple[str, str], ...]  # (name, reason) of entries that are not read


def scan(corpus_dir: Path) -> Listing:
    if not corpus_dir.is_dir():
        raise RagError(f"bulletin folder {corpus_dir} does not exist: create it and put .txt bulletins in it")
    root = corpus_dir.resolve()
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    with os.scandir(corpus_dir) as entries:
        found = sorted(entries, key=lambda e: e.name)
    for e in found:
        if e.name.startswith("."):
            continue
        path = corpus_dir / e.name
        try:
            if e.is_file(follow_symlinks=False):  # the common case: no extra stat
                files.append(path)
                continue
            if e.is_dir(follow_symlinks=False):
                continue
            if e.is_symlink():
                reason = _link_reason(path, root)
                if reason is None:
                    files.append(path)
                elif reason:
                    skipped.append((e.name, reason))
                continue
            if not stat.S_ISREG(e.stat(follow_symlinks=False).st_mode):
                skipped.append((e.name, SPECIAL))
        except OSError:  # vanished while listed: nothing to read
            continue
    return Listing(tuple(files), tuple(skipped))


def _link_reason(path: Path, root: Path) -> str | None:
    """None when the link leads to a regular file inside the folder; "" for a link to a folder
    (passed over like a folder); else why it is skipped."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return LOOP
    except FileNotFoundError:
        return DANGLING
    except OSError as err:
        return LOOP if err.errno == 40 else DANGLING  # ELOOP
    if target.is_dir():
        return ""
    if target.parent != root and root not in target.parents:
        return OUTSIDE
    try:
        mode = target.stat().st_mode
    except OSError:
        return DANGLING
    return None if stat.S_ISREG(mode) else SPECIAL
