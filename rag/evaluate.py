"""Dev-set evaluation: run every question, write the run file, score it.

The run format and the metrics are those of `../shared/eval` (README.md and score.py). Where
that scorer sits beside the QA file (or is given) we call it, so our numbers are its numbers;
otherwise `score()` here implements the same definitions.

A feedback file (the app's `feedback.jsonl`, lines with a `verdict`; ui/feedback.py) is replayed
the same way: every question is asked again (under the filters it was asked with) and written to
the run file. What is scored, with the built-in scorer: an answer marked 👍 (`verdict` "good")
becomes a gold question whose answer key is the confirmed short answer (its [n] removed), with its
quoted sentences as the evidence; a 👍 on "not found" (`kind` "none") is a question the bulletins
do not answer. An answer marked 答案有误 ("wrong") has no gold answer, so it is not scored: it is
replayed and counted, and the report says how many of those answers are now different from the one
marked wrong (`wrong_now_different`) and how many are still the same (`wrong_still_same`); their
notes say what the user expected, for whoever turns them into gold questions.
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import RagError
from .models import Answer
from .retrieve import Filters
from .service import QA


def run_line(qid: str, ans: Answer) -> dict[str, Any]:
    return {
        "id": qid,
        "question": ans.question,
        "answer": ans.text,
        "abstained": ans.abstained,
        "decision": {k: ans.extra[k] for k in ("features", "draft") if k in ans.extra},
        "passages": [
            {
                "source": h.passage.source,
                "text": h.passage.text,
                "citation_id": h.passage.id,
                "citation": h.passage.citation,
                "title": h.passage.title,
                "score": round(h.score, 4),
            }
            for h in ans.hits
        ],
    }


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise RagError(f"cannot read {path} ({getattr(e, 'strerror', None) or e}): give a UTF-8 JSONL file") from e
    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise RagError(f"{path} line {n} is not JSON ({e.msg}): one JSON object a line") from e
        if not isinstance(row, dict):
            raise RagError(f"{path} line {n} is not a JSON object: one JSON object a line")
        out.append(row)
    return out


def read_questions(qa_file: Path, split: str = "") -> list[dict[str, Any]]:
    """The questions of a QA file; with `split`, only those marked with that half (`split` field)."""
    questions = read_jsonl(qa_file)
    if split:
        questions = [q for q in questions if q.get("split") == split]
        if not questions:
            raise RagError(f"{qa_file} has no question with split '{split}': give a split the file uses")
    return questions


def question_filters(q: dict[str, Any]) -> Filters:
    """The filters a question was asked under (feedback lines carry them in `filters`), else none."""
    f = q.get("filters")
    if not isinstance(f, dict):
        return Filters()
    return Filters(
        district=str(f.get("district") or ""),
        date_from=str(f.get("date_from") or ""),
        date_to=str(f.get("date_to") or ""),
    )


def run_eval(qa: QA, qa_file: Path, runs_out: Path, k: int = 10, split: str = "") -> list[dict[str, Any]]:
    questions = read_questions(qa_file, split)
    for n, q in enumerate(questions, start=1):
        if not isinstance(q.get("id"), str) or not isinstance(q.get("question"), str):
            raise RagError(f"{qa_file} question {n} has no string `id` and `question`")
    lines = []
    for q in questions:
        lines.append(run_line(q["id"], qa.ask(q["question"], question_filters(q), k=k)))
    runs_out.parent.mkdir(parents=True, exist_ok=True)
    runs_out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return lines


def _norm(s: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s or ""))


def score(qa: list[dict[str, Any]], runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Same definitions as shared/eval/score.py: Hit@1/5, MRR@10; AnswerAcc judges the answer's
    first line, AnswerAccFull the whole text; Abstain, FalseAbstain; Wrong = share of all questions
    answered wrongly (an answerable one whose first line lacks a key, an unanswerable one answered)."""
    n = h1 = h5 = acc = accfull = fab = none_n = none_ok = wrong = 0
    mrr = 0.0
    for q in qa:
        r = runs.get(q["id"], {"answer": "", "abstained": False, "passages": []})
        if q["kind"] == "none":
            none_n += 1
            none_ok += bool(r.get("abstained"))
            wrong += not r.get("abstained")
            continue
        n += 1
        ev = [_norm(e) for e in q["evidence"]]
        for i, p in enumerate(r.get("passages", [])[:10]):
            if p.get("source") in q["sources"] and any(e in _norm(p.get("text")) for e in ev):
                mrr += 1 / (i + 1)
                h1 += i == 0
                h5 += i < 5
                break
        answer = r.get("answer") or ""
        if r.get("abstained"):
            fab += 1
            continue
        accfull += all(_norm(k) in _norm(answer) for k in q["answer_keys"])
        if all(_norm(k) in _norm(answer.split("\n", 1)[0]) for k in q["answer_keys"]):
            acc += 1
        else:
            wrong += 1
    m = max(n, 1)
    return {
        "questions": len(qa),
        "answerable": n,
        "Hit@1": h1 / m,
        "Hit@5": h5 / m,
        "MRR@10": mrr / m,
        "AnswerAcc": acc / m,
        "AnswerAccFull": accfull / m,
        "FalseAbstain": fab / m,
        "Abstain": (none_ok / none_n) if none_n else None,
        "Wrong": wrong / len(qa) if qa else 0.0,
    }


def reference_scorer(qa_file: Path, explicit: Path | None = None) -> Callable[..., dict[str, Any]] | None:
    path = explicit or qa_file.parent / "score.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("reference_score", path)
    if spec is None or spec.loader is None:
        return None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fn = getattr(mod, "score", None)
    return fn if callable(fn) else None


_REF = re.compile(r"\s*\[\d{1,2}\]")


def is_feedback(questions: list[dict[str, Any]]) -> bool:
    """Whether these are the app's feedback lines (they carry a `verdict`)."""
    return any("verdict" in q for q in questions)


def feedback_gold(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scored questions of a feedback file: 👍 answers as gold questions (answer key: the
    confirmed short answer), 👍 on "not found" as unanswerable ones; "wrong" lines are left out
    (no gold answer). Lines without a verdict (ordinary QA lines) are kept as they are."""
    gold = []
    for q in questions:
        verdict = q.get("verdict")
        if verdict is None:
            gold.append(q)
        elif verdict == "good" and q.get("kind") == "none":
            gold.append({**q, "kind": "none", "answer_keys": [], "evidence": [], "sources": []})
        elif verdict == "good":
            key = _REF.sub("", str(q.get("answer") or "")).strip()
            if key:
                gold.append({**q, "kind": q.get("kind") or "fact", "answer_keys": [key]})
    return gold


def feedback_report(questions: list[dict[str, Any]], runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Counts of a feedback file's verdicts, and for the answers marked wrong whether the replay
    now answers differently."""
    good = [q for q in questions if q.get("verdict") == "good"]
    wrong = [q for q in questions if q.get("verdict") == "wrong"]
    now_different = 0
    for q in wrong:
        r = runs.get(q["id"], {})
        old = _norm(_REF.sub("", str(q.get("answer") or "")))
        new = _norm(_REF.sub("", str(r.get("answer") or "").split("\n", 1)[0]))
        now_different += new != old
    return {
        "feedback_good": len(good),
        "feedback_good_unanswerable": sum(q.get("kind") == "none" for q in good),
        "feedback_wrong": len(wrong),
        "wrong_now_different": now_different,
        "wrong_still_same": len(wrong) - now_different,
        "feedback_other": sum(1 for q in questions if "verdict" in q and q["verdict"] not in ("good", "wrong")),
    }


def score_run(
    qa_file: Path, runs: list[dict[str, Any]], scorer: Path | None = None, split: str = ""
) -> tuple[dict[str, Any], str]:
    qa = read_questions(qa_file, split)
    by_id = {r["id"]: r for r in runs}
    if is_feedback(qa):
        metrics = score(feedback_gold(qa), by_id)
        metrics.update(feedback_report(qa, by_id))
        return metrics, "feedback file: 👍 answers scored as gold, 答案有误 replayed and counted (built-in scorer)"
    ref = reference_scorer(qa_file, scorer)
    if ref is not None:
        return ref(qa, by_id), "reference scorer " + str(scorer or qa_file.parent / "score.py")
    return score(qa, by_id), "built-in scorer (same definitions)"
