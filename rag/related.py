"""Related reports: the other articles of the index on the same topic or about the same people.

For an article, its passages' stored vectors are averaged into one article vector, and the index's
vector search gives the passages closest to it; they are grouped by article (an article scores its
best passage). Every person the article names with an office (区委书记宋洁, found by
`lexicon.titled_names`) is looked up in the lexical index's postings, so that an article about the
same person joins even when its topic is far (the person's next meeting). A candidate is kept when
it is close enough or names one of those people; the article itself and its duplicates (the same
report printed again: same headline and nearly the same text, or nearly the same text whatever the
headline) are left out, and of several copies of one report only the best is listed.

Everything comes from the loaded index; nothing is embedded. What is read once per index version
(article -> passage rows, the bulletins' facts, the vectors) is kept with that `Index` object.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import cast

import numpy as np

from .analyze import normalize, to_simplified
from .index import Index
from .layout import Layout
from .lexicon import titled_names
from .models import Passage

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


@dataclass
class _Facts:
    """What related-article search reads of one index version, built once."""

    rows_of: dict[str, list[int]]  # article id -> passage rows in order
    bulletins: dict[str, tuple[str, str, str]]  # source -> (publisher or district, issue_no, issue_date)
    vectors: np.ndarray  # passage vectors, row i = passage row i (memory-mapped where possible)


def _facts(index: Index) -> _Facts:
    return cast(_Facts, index.derived("related", lambda: _read_facts(index)))


def _read_facts(index: Index) -> _Facts:
    rows_of: dict[str, list[int]] = {}
    for i, p in enumerate(index.passages):
        if p.article_index >= 0:
            rows_of.setdefault(p.article_id, []).append(i)
    bulletins = {
        b["source"]: (
            b.get("publisher") or b.get("district") or "",
            b.get("issue_no") or "",
            b.get("issue_date") or "",
        )
        for b in index.store.bulletins()
    }
    return _Facts(rows_of, bulletins, _vectors(index))


def bulletin_facts(index: Index) -> dict[str, tuple[str, str, str]]:
    """source -> (publisher or district, issue_no, issue_date) of every bulletin of the index, read once."""
    return _facts(index).bulletins


def _vectors(index: Index) -> np.ndarray:
    n, d = len(index), index.faiss.d
    try:
        vecs = np.load(Layout(index.folder).embeddings, mmap_mode="r")
        if vecs.shape == (n, d) and vecs.dtype == np.float32:
            return vecs
    except Exception:  # a damaged header fails in ast or tokenize with anything
        pass
    return np.asarray(index.faiss.reconstruct_n(0, n), dtype=np.float32) if n else np.zeros((0, d), np.float32)


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


def related_articles(index: Index, article_id: str, k: int = 5, exclude: tuple[str, ...] = ()) -> list[RelatedArticle]:
    """Up to k other articles on the same topic or about the same people, best first.

    `article_id` is the article's id (`Passage.article_id`); `exclude` lists more article ids to
    leave out (e.g. those already shown). An unknown article, a masthead or an empty index gives []."""
    if k <= 0 or not len(index):
        return []
    facts = _facts(index)
    rows = facts.rows_of.get(article_id)
    if not rows:
        return []
    own = _unit(np.asarray(facts.vectors[rows], dtype=np.float32).mean(axis=0))
    text = "\n".join(index.passages[r].text for r in rows)
    names = people(index.passages[rows[0]].title + "\n" + text)[:MAX_NAMES]

    candidates: set[str] = set()
    _, found = index.faiss.search(own.reshape(1, -1), min(POOL, len(index)))
    for r in found[0]:
        if r >= 0:
            candidates.add(index.passages[int(r)].article_id)
    for name in names:
        rows_named = index.bm25.postings(normalize(name))
        if len(rows_named) > NAME_SCAN:  # an official named in thousands of passages: the closest ones
            sims = np.asarray(facts.vectors[np.sort(rows_named)], dtype=np.float32) @ own
            rows_named = np.sort(rows_named)[np.argsort(-sims)[:NAME_SCAN]]
        for r in rows_named:
            candidates.add(index.passages[int(r)].article_id)
    skip = {article_id, *exclude}
    own_title = _title_key(index.passages[rows[0]].title)

    scored: list[tuple[float, float, str, tuple[str, ...], np.ndarray]] = []
    for aid in candidates:
        if aid in skip or aid not in facts.rows_of:
            continue
        arows = facts.rows_of[aid]
        vec = _unit(np.asarray(facts.vectors[arows], dtype=np.float32).mean(axis=0))
        sim = float(vec @ own)
        first = index.passages[arows[0]]
        if sim >= DUPLICATE_SIMILARITY or (sim >= SAME_TITLE_DUPLICATE and _title_key(first.title) == own_title):
            continue  # the same report printed again
        atext = to_simplified("\n".join(index.passages[r].text for r in arows))
        shared = tuple(n for n in names if n in atext)
        if sim < MIN_SIMILARITY and not shared:
            continue
        scored.append((sim + NAME_BONUS * min(len(shared), 3), sim, aid, shared, vec))
    scored.sort(key=lambda x: (-x[0], x[2]))

    out: list[RelatedArticle] = []
    kept: list[tuple[str, np.ndarray]] = []
    for score, sim, aid, shared, vec in scored:
        first = index.passages[facts.rows_of[aid][0]]
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
    index: Index, passage: Passage, k: int = 5, exclude: tuple[str, ...] = ()
) -> list[RelatedArticle]:
    """Related articles of the article a passage belongs to ([] for a masthead passage)."""
    if passage.article_index < 0:
        return []
    return related_articles(index, passage.article_id, k, exclude)


def _related(first: Passage, facts: _Facts, score: float, sim: float, shared: tuple[str, ...]) -> RelatedArticle:
    who, issue_no, issue_date = facts.bulletins.get(first.source, (first.district, "", ""))
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
