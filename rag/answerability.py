"""Whether to answer: a logistic model over what the evidence shows, fitted on labelled questions.

A drafted answer (the short answer or the quoted sentence) is shown only when the model gives it a
probability of being right of at least the threshold chosen on the data; otherwise the answer
says the bulletins do not state it and quotes what they do say. The features are:

- coverage: how much of the question (IDF-weighted, aliases and synonyms counted) the passage the
  answer comes from prints;
- sentence coverage: the same for the sentence the answer quotes or is taken from, read under
  its article's headline;
- dense: the embedding similarity of that passage to the question;
- bound: for 谁/何时/多少/哪里 questions, how much of the question stands around the short
  answer in its clause (0 when there is none);
- typed_unbound: 1 when such a question found no answer of its type;
- unknown: the share of the question's weight in words the bulletins never use;
- hedged: 1 when the draft itself says what is not printed and quotes what is (公报中没有写明谁主持；
  公报中写的是：…);
- known coverage: coverage counting only the question's words that some passage uses, so that an
  everyday word no bulletin prints (看病, 带的队) does not sink a paraphrased question.

`scripts/fit_answerability.py` fits it on the tune half of eval/suite.jsonl with 5-fold
cross-validation and writes `data/answerability.json`; the README gives its figures.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources

FEATURES = (
    "coverage",
    "sentence_coverage",
    "dense",
    "bound",
    "typed_unbound",
    "unknown",
    "hedged",
    "known_coverage",
)


@dataclass(frozen=True)
class Features:
    coverage: float
    sentence_coverage: float
    dense: float
    bound: float
    typed_unbound: float
    unknown: float
    hedged: float = 0.0
    known_coverage: float = 0.0

    def vector(self) -> list[float]:
        return [float(getattr(self, n)) for n in FEATURES]

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Model:
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def probability(self, f: Features) -> float:
        z = self.intercept + sum(
            c * (x - m) / s for c, x, m, s in zip(self.coef, f.vector(), self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def answers(self, f: Features) -> bool:
        return self.probability(f) >= self.threshold

    def to_json(self, **extra: object) -> str:
        return json.dumps(
            {"features": FEATURES, "kind": "logistic", **asdict(self), **extra}, ensure_ascii=False, indent=1
        )


@dataclass(frozen=True)
class Rule:
    """A rule chosen on the data: answer when the evidence clears each floor, and (for 谁/何时/多少/
    哪里 questions) holds an answer of the type asked, bound to the question."""

    min_coverage: float
    min_sentence_coverage: float
    min_dense: float
    unbound_abstains: bool
    min_bound: float = 0.0  # a short answer with less of the question around it is not shown
    # a short answer bound to the question may rest on coverage of the words the bulletins use
    # (看病, 带的队 are printed nowhere); 1.0 or more switches this off
    min_known_coverage: float = 2.0

    def answers(self, f: Features) -> bool:
        if self.unbound_abstains and f.typed_unbound:
            return False
        if 0 < f.bound < self.min_bound:
            return False
        covered = f.coverage >= self.min_coverage or (
            f.bound >= max(self.min_bound, 0.01) and f.known_coverage >= self.min_known_coverage
        )
        return covered and f.sentence_coverage >= self.min_sentence_coverage and (f.dense >= self.min_dense)

    def to_json(self, **extra: object) -> str:
        return json.dumps({"features": FEATURES, "kind": "rule", **asdict(self), **extra}, ensure_ascii=False, indent=1)


@dataclass(frozen=True)
class Both:
    """Answer only when the rule and the logistic model both would: the cautious choice when each
    alone lets through drafts the other catches."""

    rule: Rule
    model: Model

    def answers(self, f: Features) -> bool:
        return self.rule.answers(f) and self.model.answers(f)

    def to_json(self, **extra: object) -> str:
        return json.dumps(
            {"features": FEATURES, "kind": "both", "rule": asdict(self.rule), "model": asdict(self.model), **extra},
            ensure_ascii=False,
            indent=1,
        )


Decider = Model | Rule | Both


def _rule(data: dict) -> Rule:
    return Rule(
        float(data["min_coverage"]),
        float(data["min_sentence_coverage"]),
        float(data["min_dense"]),
        bool(data["unbound_abstains"]),
        float(data.get("min_bound", 0.0)),
        float(data.get("min_known_coverage", 2.0)),
    )


def _model(data: dict) -> Model:
    return Model(
        tuple(data["mean"]),
        tuple(data["scale"]),
        tuple(data["coef"]),
        float(data["intercept"]),
        float(data["threshold"]),
    )


@cache
def load_model() -> Decider | None:
    """The fitted model shipped in `rag/data/answerability.json`, or None before one is fitted."""
    try:
        data = json.loads(resources.files("rag").joinpath("data/answerability.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if tuple(data.get("features", ())) != FEATURES:
        return None  # fitted on other features: refit with scripts/fit_answerability.py
    if data.get("kind") == "rule":
        return _rule(data)
    if data.get("kind") == "both":
        return Both(_rule(data["rule"]), _model(data["model"]))
    return _model(data)


def rule_grid() -> list[Rule]:
    """The rules `scripts/fit_answerability.py` chooses among."""
    return [
        Rule(c, sc, d, u, b, k)
        for c in (0.5, 0.6, 0.7, 0.8, 0.9)
        for sc in (0.0, 0.2, 0.3, 0.4, 0.5)
        for d in (0.0, 0.88)
        for u in (True, False)
        for b in (0.0, 0.3, 0.5, 0.6)
        for k in (0.6, 0.7, 0.8, 2.0)
    ]


def fit(x: list[list[float]], y: list[int], l2: float = 1.0, steps: int = 3000, lr: float = 0.1) -> Model:
    """Logistic regression (L2, gradient descent on standardised features); threshold 0.5."""
    import numpy as np

    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    mean = xa.mean(axis=0)
    scale = xa.std(axis=0)
    scale[scale == 0] = 1.0
    z = (xa - mean) / scale
    w = np.zeros(z.shape[1])
    b = 0.0
    n = len(ya)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        g = p - ya
        w -= lr * (z.T @ g / n + l2 * w / n)
        b -= lr * g.mean()
    return Model(tuple(mean.tolist()), tuple(scale.tolist()), tuple(w.tolist()), float(b), 0.5)
