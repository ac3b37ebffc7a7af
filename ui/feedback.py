"""Feedback on answers (👍 / 答案有误 with an optional note), kept as test questions.

Every event is one line of `feedback.jsonl` in the index folder (`index_dir`, beside `CURRENT`
and the versions; build and update never touch it), in the format of the shared QA files
(`../shared/eval/dev.jsonl`) minus what a user's click cannot know (`answer_keys`), plus the
verdict:

    {"id": "fb-…", "question": …, "sources": […], "evidence": […], "answer": …, "kind": "fact"|"none",
     "verdict": "good"|"wrong", "note": …, "time": …, "asked": …, "filters": {…}, "citation_ids": […]}

`question` is the question as searched (a follow-up resolved against its turn), `asked` what was
typed when that differs; `answer`, `evidence` and `sources` are what the app showed; `kind` is
"none" for an answer that said the bulletins do not tell, else "fact". `python -m rag eval
feedback.jsonl` replays the file (see rag/evaluate.py for how each verdict is scored).

Lines are appended with one `write` of the whole line to a file opened with O_APPEND, under a
thread lock and a file lock (another app process on the same index), then flushed to disk: a
reader never sees half a line, and concurrent requests never interleave.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock

FILE_NAME = "feedback.jsonl"
MAX_NOTE = 1000
VERDICTS = {"good": "有用", "wrong": "答案有误"}  # 👍 and 答案有误 in the page
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def feedback_path(index_dir: Path) -> Path:
    return index_dir / FILE_NAME


def clean_note(note: object) -> str:
    text = _CONTROL.sub("", str(note or "")).replace("\r", "").strip()
    return text[:MAX_NOTE]


def feedback_line(
    record: Mapping[str, Any],
    verdict: str,
    note: str = "",
    filters: Mapping[str, str] | None = None,
    when: datetime | None = None,
) -> dict[str, Any]:
    """The line for a verdict on one answer `record` (ui/export.py `answer_record`)."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    now = when or datetime.now().astimezone()
    asked = str(record.get("question") or "")
    citations = list(record.get("citations") or [])
    by_ref = {int(c["n"]): c for c in citations}
    sources: list[str] = []
    for e in record.get("evidence") or []:
        c = by_ref.get(int(e.get("ref", 0)))
        if c and c["source"] not in sources:
            sources.append(c["source"])
    line: dict[str, Any] = {
        "id": f"fb-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}",
        "question": record.get("resolved") or asked,
        "sources": sources,
        "evidence": [str(e["sentence"]) for e in record.get("evidence") or []],
        "answer": str(record.get("answer") or ""),
        "kind": "none" if record.get("abstained") else "fact",
        "verdict": verdict,
        "note": clean_note(note),
        "time": now.isoformat(timespec="seconds"),
    }
    if record.get("resolved"):
        line["asked"] = asked
    scope = {k: v for k, v in (filters or {}).items() if v}
    if scope:
        line["filters"] = scope
    line["citation_ids"] = [c["citation_id"] for c in citations]
    return line


class FeedbackLog:
    """Appends feedback lines to one JSONL file, safely from many threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, line: Mapping[str, Any]) -> None:
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.path) + ".lock", timeout=30):
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view) :]
                    os.fsync(fd)
                finally:
                    os.close(fd)

    def read(self) -> list[dict[str, Any]]:
        """Every line written so far (for tests and tools)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [json.loads(x) for x in text.splitlines() if x.strip()]
