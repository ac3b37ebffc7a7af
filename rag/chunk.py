"""Articles -> Passages on sentence boundaries, never across articles.

Passages are sized for multilingual-e5-small (512 tokens; about one token per Chinese
character): a target of ~220 characters keeps one topic per passage and leaves room for the
title that is carried as context.
"""

from __future__ import annotations

import re

from .models import Article, Bulletin, Passage, content_id
from .parse import lead_tag_end

SENTENCE_END = re.compile(r"(?<=[。！？!?；;])[”’」』）)]*")
TARGET_CHARS = 220
MAX_CHARS = 360
SUBHEAD_CHARS = 40
SENTENCE_MARK = re.compile(r"[。！？!?；;]")
SENTENCE_END_AT_END = re.compile(r"[。！？!?；;][”’」』）)]*$")


def split_sentences(text: str) -> list[str]:
    """Split on 。！？；, keeping closing quotes with their sentence."""
    out: list[str] = []
    start = 0
    for m in SENTENCE_END.finditer(text):
        end = m.end()
        if end > start:
            out.append(text[start:end])
            start = end
    if start < len(text):
        out.append(text[start:])
    pieces: list[str] = []
    for s in (x.strip() for x in out):
        if not s:
            continue
        while len(s) > MAX_CHARS:  # an over-long sentence: cut at the last comma that fits
            cut = max(s.rfind(c, 0, MAX_CHARS) for c in "，,、：:")
            cut = cut + 1 if cut > MAX_CHARS // 3 else MAX_CHARS
            pieces.append(s[:cut])
            s = s[cut:]
        if s:
            pieces.append(s)
    return pieces


def citation_label(bulletin: Bulletin, article: Article, paragraph: int, paragraph_end: int) -> str:
    who = bulletin.publisher or bulletin.district or bulletin.source
    when = " ".join(x for x in (bulletin.issue_no, bulletin.issue_date) if x)
    if not when and article.date:
        m, d = article.date[-5:].split("-")
        when = f"{int(m)}月{int(d)}日"
    para = f"第{paragraph}段" if paragraph == paragraph_end else f"第{paragraph}–{paragraph_end}段"
    return " · ".join(x for x in (who, when, f"《{article.title}》", para) if x)


def chunk_article(bulletin: Bulletin, article: Article) -> list[Passage]:
    units: list[tuple[int, str]] = []  # (paragraph number, sentence)
    subheads: set[int] = set()  # paragraphs that are headings inside the article (环保工作, 项目进展)
    for pno, para in enumerate(article.paragraphs, start=1):
        # quoted text starts at the sentence, not at a dateline tag (本报讯) or an editor-note label
        units.extend((pno, s) for s in split_sentences(para.text[lead_tag_end(para.text) :]))
        if len(para.text) <= SUBHEAD_CHARS and not SENTENCE_MARK.search(para.text):
            subheads.add(pno)
    passages: list[Passage] = []
    buf: list[tuple[int, str]] = []

    def flush() -> None:
        if not buf:
            return
        text = "".join(s for _, s in buf)
        p0, p1 = buf[0][0], buf[-1][0]
        passages.append(
            Passage(
                source=bulletin.source,
                article_id=article.id,
                article_index=article.index,
                title=article.title,
                paragraph=p0,
                paragraph_end=p1,
                text=text,
                district=bulletin.district,
                date=article.date or bulletin.issue_date,
                citation=citation_label(bulletin, article, p0, p1),
            )
        )
        buf.clear()

    size = 0
    for i, (pno, sent) in enumerate(units):
        # a sub-heading opens a passage of its own, when the text before it ended a sentence
        opens_section = (
            pno in subheads
            and (i == 0 or units[i - 1][0] != pno)
            and any(q not in subheads for q, _ in buf)
            and bool(SENTENCE_END_AT_END.search(buf[-1][1]))
        )
        if buf and (size + len(sent) > TARGET_CHARS or opens_section):
            flush()
            size = 0
        buf.append((pno, sent))
        size += len(sent)
    flush()
    # a short tail sentence alone carries little context: fold it into the passage before
    if (
        len(passages) >= 2
        and len(passages[-1].text) < 40
        and len(passages[-2].text) + len(passages[-1].text) <= MAX_CHARS
    ):
        a, b = passages[-2], passages[-1]
        merged = Passage(
            **{
                **a.__dict__,
                "text": a.text + b.text,
                "paragraph_end": b.paragraph_end,
                "citation": citation_label(bulletin, article, a.paragraph, b.paragraph_end),
            }
        )
        passages[-2:] = [merged]
    return passages


MASTHEAD_TITLE = "报头"


def masthead_passage(bulletin: Bulletin) -> Passage | None:
    """The masthead as a passage, so "which issue is this?" can be answered and cited."""
    if not bulletin.masthead:
        return None
    return Passage(
        source=bulletin.source,
        article_id=content_id(bulletin.source, "masthead"),
        article_index=-1,
        title=MASTHEAD_TITLE,
        paragraph=1,
        paragraph_end=1,
        text=" ".join(bulletin.masthead),
        district=bulletin.district,
        date=bulletin.issue_date,
        citation=" · ".join(x for x in (bulletin.label, MASTHEAD_TITLE) if x),
    )


def chunk_bulletin(bulletin: Bulletin) -> list[Passage]:
    head = masthead_passage(bulletin)
    out: list[Passage] = [head] if head else []
    for art in bulletin.articles:
        out.extend(chunk_article(bulletin, art))
    # the same sentence printed twice in one bulletin gets one passage (ids must be unique)
    seen: set[str] = set()
    unique = []
    for p in out:
        if p.id not in seen:
            seen.add(p.id)
            unique.append(p)
    return unique
