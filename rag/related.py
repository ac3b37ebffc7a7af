"""Related reports: the other articles of the index on the same topic or about the same people.

For an article, its passages' stored vectors are averaged into one article vector, and the index's
vector search gives the passages closest to it; they are grouped by article (an article scores its
best passage). Every person the article names with an office (区委书记宋洁, found by
`lexicon.titled_names`) is looked up in the lexical index's postings, so that an article about the
same person joins even when its topic is far (the person's next meeting). A candidate is kept when
it is close enough or names one of those people; the article itself and its duplicates (the same
report printed again: same headline and nearly the same text, or nearly the same text whatever the
headline) are left out, and of several copies of one report only the best is listed.

Everything comes from the index store (`IndexStore`, through a `Reader`); nothing is embedded.
The bulletins' facts are read once per snapshot and kept with its `Reader`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import cast

import numpy as np

from .analyze import normalize, to_simplified
from .lexicon import titled_names
from .models import Passage
from .reader import Reader

POOL = 60  # passages read from the vector search
MIN_SIMILARITY = 0.90  # an article without a shared person must be at least this close (e5 cosines of
# bulletin articles lie between ~0.85 and 1: below 0.90 they share little more than the genre)
NAME_BONUS = 0.03  # per shared person (at most three count)
DUPLICATE_SIMILARITY = 0.985  # this close is the same report printed again, whatever its headline
SAME_TITLE_DUPLICATE = 0.95  # with the same headline, this close is a reprint
MAX_NAMES = 6  # people of the article looked up
NAME_SCAN = 100  # passages naming one of them read at most (the closest to the article)


@dataclass(frozen=True)
class RelatedArticle:
    """One related article, with what a list of them shows and what opens it."""

    article_id: str
    citation_id: str  # its first passage: opens the article in the citation view (`QA.show`)
    source: str  # bulletin file
    title: str
    date: str  # the article's date ("MM-DD" or "YYYY-MM-DD"), else the issue's, "" when unknown
    publisher: str  # publisher, else district, of its bulletin
    issue_no: str
    issue_date: str
    score: float  # similarity to the article (cosine of the article vectors) plus the name bonus
    similarity: float  # cosine of the two article vectors
    shared_names: tuple[str, ...]  # people named with an office in both articles

    @property
    def when(self) -> str:
        """Date and issue as a list shows them, e.g. "11-29 第36期(总第711期)"; "" when neither is known."""
        return " ".join(x for x in (self.date or self.issue_date, self.issue_no) if x)


def bulletin_facts(reader: Reader) -> dict[str, tuple[str, str, str]]:
    """source -> (publisher or district, issue_no, issue_date) of every bulletin of the index, read once."""

    def read() -> dict[str, tuple[str, str, str]]:
        return {
            b["source"]: (
                b.get("publisher") or b.get("district") or "",
                b.get("issue_no") or "",
                b.get("issue_date") or "",
            )
            for b in reader.store.bulletins()
        }

    return cast(dict[str, tuple[str, str, str]], reader.derived("related.bulletins", read))


def _article(reader: Reader, article_id: str) -> tuple[list[Passage], np.ndarray] | None:
    """An article's passages in order and its vector (the mean of theirs, unit length)."""
    ps = [p for p in reader.store.article_passages(article_id) if p.article_index >= 0]
    if not ps:
        return None
    vecs = reader.store.vectors([p.id for p in ps])
    if len(vecs) != len(ps):  # a passage without its vector: the article cannot be placed
        return None
    return ps, _unit(np.asarray(vecs, dtype=np.float32).mean(axis=0))


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def _title_key(title: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", to_simplified(title)))


def people(text: str) -> tuple[str, ...]:
    """The people a text names with an office (区委书记宋洁 -> 宋洁), in order, once each."""
    seen: dict[str, None] = {}
    for t in titled_names(to_simplified(text)):
        seen.setdefault(t.name, None)
    return tuple(seen)


def related_articles(
    reader: Reader, article_id: str, k: int = 5, exclude: tuple[str, ...] = ()
) -> list[RelatedArticle]:
    """Up to k other articles on the same topic or about the same people, best first.

    `article_id` is the article's id (`Passage.article_id`); `exclude` lists more article ids to
    leave out (e.g. those already shown). An unknown article, a masthead or an empty index gives []."""
    if k <= 0 or not len(reader):
        return []
    store = reader.store
    found = _article(reader, article_id)
    if found is None:
        return []
    own_ps, own = found
    text = "\n".join(p.text for p in own_ps)
    names = people(own_ps[0].title + "\n" + text)[:MAX_NAMES]

    candidates: dict[str, None] = {}
    for p in store.passages([r.id for r in store.dense_search(own, POOL)]):
        candidates.setdefault(p.article_id, None)
    for name in names:
        token = normalize(name)
        named = [r.id for r in store.lexical_search([token], 4 * NAME_SCAN, require_any=[token])]
        if len(named) > NAME_SCAN:  # an official named in thousands of passages: the closest ones
            sims = store.dense_scores(own, named)
            named = sorted(sims, key=lambda i: -sims[i])[:NAME_SCAN]
        for p in store.passages(named):
            candidates.setdefault(p.article_id, None)
    skip = {article_id, *exclude}
    own_title = _title_key(own_ps[0].title)

    scored: list[tuple[float, float, str, tuple[str, ...], np.ndarray, Passage]] = []
    for aid in candidates:
        if aid in skip:
            continue
        other = _article(reader, aid)
        if other is None:
            continue
        aps, vec = other
        sim = float(vec @ own)
        first = aps[0]
        if sim >= DUPLICATE_SIMILARITY or (sim >= SAME_TITLE_DUPLICATE and _title_key(first.title) == own_title):
            continue  # the same report printed again
        atext = to_simplified("\n".join(p.text for p in aps))
        shared = tuple(n for n in names if n in atext)
        if sim < MIN_SIMILARITY and not shared:
            continue
        scored.append((sim + NAME_BONUS * min(len(shared), 3), sim, aid, shared, vec, first))
    scored.sort(key=lambda x: (-x[0], x[2]))

    facts = bulletin_facts(reader)
    out: list[RelatedArticle] = []
    kept: list[tuple[str, np.ndarray]] = []
    for score, sim, _aid, shared, vec, first in scored:
        key = _title_key(first.title)
        if any(
            float(vec @ v) >= DUPLICATE_SIMILARITY or (t == key and float(vec @ v) >= SAME_TITLE_DUPLICATE)
            for t, v in kept
        ):
            continue  # a copy of one already listed
        kept.append((key, vec))
        out.append(_related(first, facts, score, sim, shared))
        if len(out) >= k:
            break
    return out


def related_to_passage(
    reader: Reader, passage: Passage, k: int = 5, exclude: tuple[str, ...] = ()
) -> list[RelatedArticle]:
    """Related articles of the article a passage belongs to ([] for a masthead passage)."""
    if passage.article_index < 0:
        return []
    return related_articles(reader, passage.article_id, k, exclude)


def _related(
    first: Passage, facts: dict[str, tuple[str, str, str]], score: float, sim: float, shared: tuple[str, ...]
) -> RelatedArticle:
    who, issue_no, issue_date = facts.get(first.source, (first.district, "", ""))
    return RelatedArticle(
        article_id=first.article_id,
        citation_id=first.id,
        source=first.source,
        title=first.title,
        date=first.date,
        publisher=who,
        issue_no=issue_no,
        issue_date=issue_date,
        score=round(score, 4),
        similarity=round(sim, 4),
        shared_names=shared,
    )
