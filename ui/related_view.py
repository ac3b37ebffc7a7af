"""相关报道: the list of related articles (rag/related.py) under an answer and in the citation view.

Each entry is a citation link (`data-cite` = the article's first passage), so a click opens the
article in the citation view, like every other citation of the app; the date and issue come first
so that a story can be followed across issues.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from rag.errors import RagError
from rag.models import Answer, Passage
from rag.related import RelatedArticle
from rag.service import QA

from .render import cite_href, cite_link, esc

log = logging.getLogger(__name__)
K = 5


def render_related(items: Sequence[RelatedArticle], title: str = "相关报道") -> str:
    if not items:
        return ""
    rows = []
    for r in items:
        when = r.when or "未印日期"
        who = f'<span class="rel-pub">{esc(r.publisher)}</span>' if r.publisher else ""
        names = (
            f'<span class="rel-names" title="两篇报道都提到的人">同一人物：{esc("、".join(r.shared_names))}</span>'
            if r.shared_names
            else ""
        )
        rows.append(
            f'<li class="rel" data-article="{esc(r.article_id)}"><span class="rel-when">{esc(when)}</span>'
            f"{cite_link(r.citation_id, r.title, 'rel-title', f'{r.publisher} {r.when} 《{r.title}》')}"
            f"{who}{names}</li>"
        )
    return (
        f'<details class="related" open><summary>{esc(title)}（{len(items)}）</summary>'
        f'<ul class="related-list">{"".join(rows)}</ul></details>'
    )


def related_for_passage(qa: QA, passage: Passage, k: int = K) -> list[RelatedArticle]:
    """Related articles of a passage's article; [] (logged) when the index cannot say."""
    if passage.article_index < 0:
        return []
    try:
        return qa.related(passage.article_id, k)
    except (RagError, OSError, sqlite3.Error, ValueError) as err:
        log.warning("cannot find related articles of %s: %s", passage.article_id, err)
        return []


def related_for_answer(qa: QA, ans: Answer, k: int = K) -> list[RelatedArticle]:
    """Related articles of the article an answer quotes first (none for an abstention), leaving
    out the articles already listed among its passages."""
    if ans.abstained or not ans.hits:
        return []
    first = ans.evidence[0].ref if ans.evidence else 1
    p = ans.hits[first - 1].passage if 1 <= first <= len(ans.hits) else ans.hits[0].passage
    shown = tuple(dict.fromkeys(h.passage.article_id for h in ans.hits))
    if p.article_index < 0:
        return []
    try:
        return qa.related(p.article_id, k, exclude=shown)
    except (RagError, OSError, sqlite3.Error, ValueError) as err:
        log.warning("cannot find related articles of %s: %s", p.article_id, err)
        return []


def citation_related(qa: QA, passage: Passage, k: int = K) -> str:
    """The 相关报道 block under the citation view's article ("" when there are none)."""
    block = render_related(related_for_passage(qa, passage, k))
    return f'<section class="cite-related">{block}</section>' if block else ""


def related_dict(r: RelatedArticle) -> dict[str, Any]:
    """The `/related` endpoint's shape of one related article."""
    return {**asdict(r), "shared_names": list(r.shared_names), "when": r.when, "link": cite_href(r.citation_id)}
