"""Answers made only of quoted evidence.

The answer is the best-matching sentences of the top passages, each with the number of the
passage it quotes. Nothing is generated, so nothing can be cited that the passage does not say.
When the question's specific terms are not in the best passages, we abstain and say what was
searched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .analyze import normalize
from .chunk import split_sentences
from .index import Index
from .models import Answer, Evidence, Hit
from .retrieve import Query

NOT_FOUND = "公报中没有找到"


@dataclass(frozen=True)
class AnswerSettings:
    max_sentences: int = 3
    from_top: int = 3  # passages that may supply evidence
    min_coverage: float = 0.5  # share of the question's term weight the evidence must contain


def _idf(index: Index, token: str) -> float:
    n = max(len(index), 1)
    j = index.bm25.vocab.get(token)
    if j is None:
        return math.log(1 + n)  # a term the bulletins never use weighs most
    df = int(index.bm25.matrix.indptr[j + 1] - index.bm25.matrix.indptr[j])
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _coverage(index: Index, tokens: Sequence[str], text: str) -> float:
    hay = normalize(text)
    total = got = 0.0
    for t in tokens:
        w = _idf(index, t)
        total += w
        if t in hay:
            got += w
    return got / total if total else 0.0


def compose(index: Index, query: Query, hits: Sequence[Hit], settings: AnswerSettings | None = None) -> Answer:
    s = settings or AnswerSettings()
    searched = f"检索了 {len({p.source for p in index.passages})} 份公报、{len(index)} 个段落"
    if not hits:
        return Answer(query.text, f"{NOT_FOUND}与该问题相关的内容。", True, tuple(hits), note=searched)
    tokens = [t for t in query.tokens if t not in query.expansions]
    expansion_tokens = list(query.tokens)
    scored: list[tuple[float, int, str, Hit]] = []
    for ref, h in enumerate(hits[: s.from_top], start=1):
        for sent in split_sentences(h.passage.text):
            cov = max(
                _coverage(index, tokens, h.passage.title + sent) * 0.6 + _coverage(index, tokens, sent) * 0.4,
                _coverage(index, expansion_tokens, sent),
            )
            scored.append((cov - 0.02 * (ref - 1), ref, sent, h))
    scored.sort(key=lambda x: -x[0])
    best_cov = max(_coverage(index, expansion_tokens, h.passage.title + h.passage.text) for h in hits[: s.from_top])
    if not scored or best_cov < s.min_coverage:
        missing = [t for t in tokens if all(t not in normalize(h.passage.text) for h in hits[: s.from_top])]
        note = searched + (f"；未找到：{'、'.join(missing[:5])}" if missing else "")
        return Answer(query.text, f"{NOT_FOUND}能回答该问题的内容（{note}）。", True, tuple(hits), note=note)
    chosen = [x for x in scored[: s.max_sentences] if x[0] >= scored[0][0] * 0.6]
    evidence = tuple(Evidence(sent, ref, h.passage.id) for _, ref, sent, h in chosen)
    first = f"{evidence[0].sentence} [{evidence[0].ref}]"
    quotes = [f"「{e.sentence}」[{e.ref}]" for e in evidence]
    text = first + "\n\n依据：\n" + "\n".join(quotes)
    return Answer(query.text, text, False, tuple(hits), evidence=evidence)
