"""Assemble eval/suite.jsonl from the question files, each question marked with its half.

The half is fixed by the question's id alone (the parity of the first byte of its SHA-1), so adding
question files never moves a question from one half to the other. Run again after adding a file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

EVAL = Path(__file__).resolve().parent


def split_of(qid: str) -> str:
    return "heldout" if hashlib.sha1(qid.encode("utf-8")).digest()[0] % 2 else "tune"


def main() -> None:
    rows = []
    for f in sorted(EVAL.glob("questions_*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)
                q["split"] = split_of(q["id"])
                q["group"] = "seeds" if f.name == "questions_seeds.jsonl" else "new"
                rows.append(q)
    ids = [q["id"] for q in rows]
    assert len(ids) == len(set(ids)), "question ids must be unique"
    (EVAL / "suite.jsonl").write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in rows), encoding="utf-8")
    for half in ("tune", "heldout"):
        qs = [q for q in rows if q["split"] == half]
        print(half, len(qs), "questions,", sum(q["kind"] == "none" for q in qs), "unanswerable")


if __name__ == "__main__":
    main()
