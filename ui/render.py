"""HTML for the app's views: answers, passages, articles, bulletins and the library table.

Every piece of bulletin text goes through `esc` (or `marked`, which escapes), so a bulletin that
contains <script>, HTML or Markdown shows it as text and injects nothing. Links carry
`data-cite` / `data-bulletin` attributes that the page script turns into in-app navigation; their
`href` (`?cite=ID`, `?bulletin=FILE`) makes them work as deep links in a new tab as well. A link
from an answer also carries the sentence the answer quoted from that passage (`data-quote`, and
`&quote=…` URL-encoded in the href), which the citation view marks inside the cited passage.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from rag.chunk import split_sentences
from rag.models import Answer, Bulletin, Hit, Passage
from rag.service import CitationView


def esc(text: object) -> str:
    """Escape text for HTML content and attribute values."""
    return html.escape("" if text is None else str(text), quote=True)


QUOTE_MAX_CHARS = 1000  # a longer "quote" (from a URL) is no sentence of a passage: ignored


def cite_href(citation_id: str, sentence: str = "") -> str:
    """?cite=ID, with &quote=SENTENCE (URL-encoded) when a quoted sentence is to be marked."""
    href = "?cite=" + quote(citation_id, safe="")
    return href + "&quote=" + quote(sentence, safe="") if sentence else href


def bulletin_href(source: str) -> str:
    return "?bulletin=" + quote(source, safe="")


def cite_link(citation_id: str, label: str, cls: str = "cite", title: str = "", sentence: str = "") -> str:
    """A link that opens the citation view (in-app on click, or as a deep link); sentence: the
    sentence quoted from the passage, marked in the view."""
    t = f' title="{esc(title)}"' if title else ""
    q = f' data-quote="{esc(sentence)}"' if sentence else ""
    return (
        f'<a class="{cls}" href="{esc(cite_href(citation_id, sentence))}" data-cite="{esc(citation_id)}"{q}{t}>'
        f"{esc(label)}</a>"
    )


def bulletin_link(source: str, label: str, cls: str = "blink") -> str:
    return f'<a class="{cls}" href="{esc(bulletin_href(source))}" data-bulletin="{esc(source)}">{esc(label)}</a>'


# ---------------------------------------------------------------------------------------------
# highlighting


def _normalised(text: str) -> tuple[str, list[int]]:
    """The text as the library normalises it (NFKC, lower case) and, per normalised character,
    the index of the original character it came from, so matches map back onto the original."""
    out: list[str] = []
    back: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch).lower()
        out.append(n)
        back.extend([i] * len(n))
    return "".join(out), back


def term_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of the terms in text, longest terms first."""
    norm, back = _normalised(text)
    taken = [False] * len(text)
    spans: list[tuple[int, int]] = []
    for term in sorted({t.strip().lower() for t in terms if t and t.strip()}, key=len, reverse=True):
        start = 0
        while True:
            j = norm.find(term, start)
            if j < 0:
                break
            a, b = back[j], back[j + len(term) - 1] + 1
            if not any(taken[a:b]):
                spans.append((a, b))
                for x in range(a, b):
                    taken[x] = True
            start = j + max(len(term), 1)
    return sorted(spans)


def marked(text: str, spans: Sequence[tuple[int, int]], tag: str = "mark", cls: str = "") -> str:
    """Escaped text with the given non-overlapping spans wrapped in <tag class=cls>."""
    attr = f' class="{cls}"' if cls else ""
    out: list[str] = []
    pos = 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out.append(esc(text[pos:a]))
        out.append(f"<{tag}{attr}>{esc(text[a:b])}</{tag}>")
        pos = b
    out.append(esc(text[pos:]))
    return "".join(out)


def highlight_terms(text: str, terms: Iterable[str]) -> str:
    return marked(text, term_spans(text, terms), "mark", "term")


def sentence_spans(text: str, sentences: Iterable[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for s in sentences:
        s = s.strip()
        if not s:
            continue
        j = text.find(s)
        if j >= 0 and all(b <= j or a >= j + len(s) for a, b in spans):
            spans.append((j, j + len(s)))
    return sorted(spans)


def highlight_passage(text: str, terms: Iterable[str], quoted: Iterable[str] = ()) -> str:
    """Passage text: quoted evidence sentences underlined, matched terms marked inside them."""
    terms = list(terms)
    out: list[str] = []
    pos = 0
    for a, b in sentence_spans(text, quoted):
        out.append(highlight_terms(text[pos:a], terms))
        out.append(f'<span class="quoted">{highlight_terms(text[a:b], terms)}</span>')
        pos = b
    out.append(highlight_terms(text[pos:], terms))
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# chat


def short_answer(ans: Answer) -> str:
    """The first line of the library's answer text: the short answer (or why it abstained)."""
    return ans.text.split("\n\n", 1)[0].strip()


def _refs_to_links(escaped: str, hits: Sequence[Hit], quotes: dict[int, str] | None = None) -> str:
    """Turn "[n]" in already-escaped text into citation links to hit n (carrying quotes[n], the
    sentence the answer quoted from it)."""
    quotes = quotes or {}

    def sub(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if 1 <= n <= len(hits):
            p = hits[n - 1].passage
            return cite_link(p.id, f"[{n}]", "ref", p.citation, quotes.get(n, ""))
        return m.group(0)

    return re.sub(r"\[(\d{1,2})\]", sub, escaped)


def render_hits(hits: Sequence[Hit], quoted: dict[str, list[str]] | None = None, title: str = "检索到的段落") -> str:
    quoted = quoted or {}
    if not hits:
        return ""
    cards = []
    for n, h in enumerate(hits, start=1):
        p = h.passage
        terms = "、".join(f'<mark class="term">{esc(t)}</mark>' for t in h.matched_terms) or "—"
        cards.append(
            f'<li class="passage" data-ref="{n}">'
            f'<div class="p-head"><span class="p-num">[{n}]</span> '
            f"{cite_link(p.id, p.citation, 'cite', sentence=next(iter(quoted.get(p.id, [])), ''))}"
            f'<span class="score" title="检索得分：越高越相关">得分 {h.score:.3f}</span></div>'
            f'<div class="p-text">{highlight_passage(p.text, h.matched_terms, quoted.get(p.id, []))}</div>'
            f'<div class="p-meta">匹配词：{terms}<span class="sep">·</span>引用编号 '
            f'<code class="cid">{esc(p.id)}</code><span class="sep">·</span>{esc(p.source)}</div></li>'
        )
    return (
        f'<details class="hits" open><summary>{esc(title)}（{len(hits)}）</summary>'
        f'<ol class="passages">{"".join(cards)}</ol></details>'
    )


def render_answer(ans: Answer) -> str:
    """One assistant turn: short answer, quoted evidence with numbered citations, passages."""
    hits = ans.hits
    if ans.abstained:
        head = f'<div class="short abstain">{_refs_to_links(esc(short_answer(ans)), hits)}</div>'
        body = render_hits(hits, title="最接近的段落（不足以回答）") if hits else ""
        return f'<div class="answer abstained">{head}{body}</div>'
    first_quote: dict[int, str] = {}
    for e in ans.evidence:
        first_quote.setdefault(e.ref, e.sentence)
    short = _refs_to_links(esc(short_answer(ans)), hits, first_quote)
    quoted: dict[str, list[str]] = {}
    items = []
    for e in ans.evidence:
        quoted.setdefault(e.passage_id, []).append(e.sentence)
        p = hits[e.ref - 1].passage if 1 <= e.ref <= len(hits) else None
        ref = cite_link(p.id, f"[{e.ref}]", "ref", p.citation, e.sentence) if p else f"[{e.ref}]"
        src = f'<div class="ev-src">{esc(p.citation)}</div>' if p else ""
        items.append(f'<li><span class="quote">「{esc(e.sentence)}」</span>{ref}{src}</li>')
    evidence = f'<div class="evidence"><div class="label">依据</div><ul>{"".join(items)}</ul></div>' if items else ""
    return (
        f'<div class="answer"><div class="label">回答</div><div class="short">{short}</div>'
        f"{evidence}{render_hits(hits, quoted)}</div>"
    )


def render_pending(question: str) -> str:
    return '<div class="answer pending"><span class="spinner"></span>正在检索公报并组织回答…</div>'


def render_error(message: str) -> str:
    return f'<div class="answer error"><div class="label">出错了</div>{esc(message)}</div>'


def render_turn(question: str, answer_html: str, filters_note: str = "") -> str:
    note = f'<div class="q-filters">{esc(filters_note)}</div>' if filters_note else ""
    return (
        f'<div class="turn"><div class="q"><div class="bubble">{esc(clip_question(question))}</div>{note}</div>'
        f'<div class="a">{answer_html}</div></div>'
    )


def render_conversation(turns: Sequence[dict[str, Any]], pending: str | None = None) -> str:
    parts = [render_turn(t["question"], t["html"], t.get("filters", "")) for t in turns]
    if pending is not None:
        parts.append(render_turn(pending, render_pending(pending)))
    if not parts:
        return (
            '<div class="empty-chat"><div class="big">向公报提问</div>'
            "<div>回答只由公报原文摘句组成，每句都标注出处；点击 [1]、[2] 等引用编号可查看整篇文章。"
            "</div></div>"
        )
    return '<div class="conversation">' + "".join(parts) + "</div>"


# ---------------------------------------------------------------------------------------------
# citation view


def _meta_table(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows if v)
    return f'<table class="meta">{cells}</table>'


def _cited_spans(text: str, passage: Passage) -> list[tuple[int, int]]:
    """The parts of a paragraph's text that belong to the passage (sentence by sentence)."""
    sents = [s for s in split_sentences(text) if s in passage.text]
    spans = sentence_spans(text, sents)
    if not spans and text and text in passage.text:
        spans = [(0, len(text))]
    return spans


def quote_span(text: str, spans: Sequence[tuple[int, int]], sentence: str) -> tuple[int, int] | None:
    """Where the quoted sentence lies in text, inside one of the cited spans, comparing both after
    the renderer's normalisation (NFKC, lower case; see term_spans); None where it does not."""
    want = _normalised(sentence.strip())[0] if sentence and len(sentence) <= QUOTE_MAX_CHARS else ""
    if not want:
        return None
    norm, back = _normalised(text)
    j = norm.find(want)
    while j >= 0:
        a, b = back[j], back[j + len(want) - 1] + 1
        if any(x <= a and b <= y for x, y in spans):
            return a, b
        j = norm.find(want, j + 1)
    return None


def cited_html(text: str, spans: Sequence[tuple[int, int]], quoted: tuple[int, int] | None = None) -> str:
    """Escaped text, the cited spans in <mark class="cited">, and the quoted span (inside one of
    them) in <mark class="quoted"> within it."""
    out: list[str] = []
    pos = 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out.append(esc(text[pos:a]))
        inside = quoted is not None and a <= quoted[0] and quoted[1] <= b
        inner = marked(text[a:b], [(quoted[0] - a, quoted[1] - a)] if quoted and inside else [], cls="quoted")
        out.append(f'<mark class="cited">{inner}</mark>')
        pos = b
    out.append(esc(text[pos:]))
    return "".join(out)


def _passage_paragraphs(texts: Sequence[str], passage: Passage, sentence: str) -> list[str]:
    """The HTML of the passage's paragraphs: cited parts highlighted, and the quoted sentence
    marked once, in the first paragraph where it lies inside the passage (nowhere if in none)."""
    out = []
    found = False
    for text in texts:
        spans = _cited_spans(text, passage)
        q = None if found else quote_span(text, spans, sentence)
        found = found or q is not None
        out.append(cited_html(text, spans, q))
    return out


# What one citation page shows of a very long article (a whole year pasted as one article, a
# one-line file): the cited paragraphs and the paragraphs nearest them up to this many characters;
# the rest is named, not sent (a 12 MB one-line bulletin once sent 4.3 MB of HTML per citation).
CITE_MAX_CHARS = 20_000


def clip_around(text: str, passage: str, limit: int) -> str:
    """`text` cut to about `limit` characters around where `passage` begins in it."""
    if len(text) <= limit:
        return text
    at = text.find(passage)
    if at < 0:  # the passage's start (a passage cut from a longer paragraph ends elsewhere)
        at = max(text.find(passage[:200]), text.find(passage[:40]), 0)
    start = max(0, min(at - limit // 4, len(text) - limit))
    end = start + limit
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _paragraphs_shown(lengths: Sequence[int], cited: Sequence[int], limit: int) -> set[int]:
    """Paragraph numbers (1-based) shown: the cited ones, then their nearest neighbours, outward,
    while the characters shown stay under `limit`."""
    shown = set(cited)
    budget = limit - sum(min(lengths[n - 1], limit) for n in cited)
    lo = min(cited, default=1) - 1
    hi = max(cited, default=0) + 1
    while budget > 0 and (lo >= 1 or hi <= len(lengths)):
        for n in (lo, hi):
            if 1 <= n <= len(lengths) and lengths[n - 1] <= budget:
                shown.add(n)
                budget -= lengths[n - 1]
            elif 1 <= n <= len(lengths):
                budget = 0
        lo, hi = lo - 1, hi + 1
    return shown


def _omitted(numbers: Sequence[int], paragraphs: Sequence[Any]) -> str:
    chars = sum(len(paragraphs[n - 1].text) for n in numbers)
    span = f"第{numbers[0]}段" if len(numbers) == 1 else f"第{numbers[0]}–{numbers[-1]}段"
    return f'<p class="omitted">……（文章很长，此处略去{span}，共 {chars} 字）</p>'


def render_citation(v: CitationView, sentence: str = "") -> str:
    """The whole article of a citation, the cited passage highlighted, with its metadata;
    sentence: the one the answer quoted from the passage, marked inside it (if it is found there)."""
    p, a, b = v.passage, v.article, v.bulletin
    back = bulletin_link(p.source, "查看整期公报 →", "blink")
    header = f'<div class="cv-bulletin"><span class="pub">{esc(v.bulletin_label)}</span>{back}</div>'
    rows: list[tuple[str, str]] = [
        ("发布单位", esc(b.publisher if b and b.publisher else (b.district if b else p.district))),
        ("期号", esc(b.issue_no) if b else ""),
        ("出版日期", esc(b.issue_date) if b else ""),
    ]
    if a is None:
        rows += [("引用编号", f"<code>{esc(p.id)}</code>"), ("文件", esc(p.source))]
        lines = (b.masthead if b else ()) or (p.text,)
        body = "".join(f"<p>{html}</p>" for html in _passage_paragraphs(lines, p, sentence))
        title = f"<h2>{esc(p.title or '报头')}</h2>"
        return f'<article class="cite-view">{header}{title}{_meta_table(rows)}{body}</article>'
    rows += [
        ("文章日期", esc(a.date)),
        ("栏目", esc(a.section)),
        ("记者/通讯员", esc("、".join(a.reporters))),
        ("引用位置", esc(p.citation)),
        ("引用编号", f"<code>{esc(p.id)}</code>"),
        ("文件", esc(p.source)),
    ]
    subs = "".join(f'<div class="subtitle">{esc(s)}</div>' for s in a.subtitles)
    inside_n = [n for n in range(1, len(a.paragraphs) + 1) if p.paragraph <= n <= p.paragraph_end]
    inside_texts = [clip_around(a.paragraphs[n - 1].text, p.text, CITE_MAX_CHARS) for n in inside_n]
    inside_html = dict(zip(inside_n, _passage_paragraphs(inside_texts, p, sentence)))
    shown = _paragraphs_shown([len(para.text) for para in a.paragraphs], inside_n, CITE_MAX_CHARS)
    paras = []
    skipped: list[int] = []
    for n, para in enumerate(a.paragraphs, start=1):
        if n not in shown and n not in inside_html:
            skipped.append(n)
            continue
        if skipped:
            paras.append(_omitted(skipped, a.paragraphs))
            skipped = []
        inside = n in inside_html
        text_html = inside_html[n] if inside else esc(para.text)
        cls = ' class="in-passage"' if inside else ""
        paras.append(f'<p{cls} data-n="{n}"><span class="pn">{n}</span>{text_html}</p>')
    if skipped:
        paras.append(_omitted(skipped, a.paragraphs))
    byline = f'<p class="byline">{esc(a.byline)}</p>' if a.byline else ""
    section = f'<div class="section">{esc(a.section)}</div>' if a.section else ""
    return (
        f'<article class="cite-view">{header}{section}<h2>{esc(a.title)}</h2>{subs}'
        f'{_meta_table(rows)}<div class="body">{"".join(paras)}</div>{byline}</article>'
    )


def render_cite_placeholder(message: str = "") -> str:
    msg = message or "在“问答”里点击引用编号（如 [1]）或段落出处，或在上方输入引用编号，即可查看整篇文章。"
    return f'<div class="placeholder">{esc(msg)}</div>'


# ---------------------------------------------------------------------------------------------
# browse


def chip_labels(passages: Sequence[Passage]) -> list[str]:
    """第N段 for each passage; passages sharing a paragraph (a long one is cut in two) are told
    apart as 第2段（1/2）, 第2段（2/2）."""
    spans = [
        f"第{p.paragraph}段" if p.paragraph == p.paragraph_end else f"第{p.paragraph}–{p.paragraph_end}段"
        for p in passages
    ]
    total = {x: spans.count(x) for x in spans}
    seen: dict[str, int] = {}
    out = []
    for x in spans:
        seen[x] = seen.get(x, 0) + 1
        out.append(x if total[x] == 1 else f"{x}（{seen[x]}/{total[x]}）")
    return out


def clip_question(question: str, limit: int = 100) -> str:
    """A long question (pasted text) shown in the chat: its start and how long it is."""
    q = question.strip()
    return q if len(q) <= limit else f"{q[:limit]}…（共 {len(q)} 字）"


def _article_body(paragraphs: Sequence[Any], limit: int = CITE_MAX_CHARS) -> str:
    """An article's paragraphs for the bulletin view, the first `limit` characters of a very long
    one (its passages' chips open the rest, each in its own citation page)."""
    out, used = [], 0
    for para in paragraphs:
        if used >= limit:
            rest = sum(len(q.text) for q in paragraphs) - used
            out.append(f'<p class="omitted">……（文章很长，其余 {rest} 字未显示：请点上方的段落查看）</p>')
            break
        text = para.text if used + len(para.text) <= limit else para.text[: limit - used] + "…"
        used += len(text)
        out.append(f"<p>{esc(text)}</p>")
    return "".join(out)


def render_bulletin(b: Bulletin, passages_of: dict[str, list[Passage]], note: str = "") -> str:
    """One bulletin: its masthead facts and every article, each with links to its passages; note:
    a line under the title (what tells apart a bulletin printing no issue or date)."""
    facts = _meta_table(
        [
            ("发布单位", esc(b.publisher or b.district)),
            ("区县", esc(b.district)),
            ("期号", esc(b.issue_no)),
            ("出版日期", esc(b.issue_date)),
            ("文件", esc(b.source)),
            ("编码", esc(b.encoding)),
            ("文章数", str(len(b.articles))),
        ]
    )
    warn = "".join(f'<div class="warn">{esc(w)}</div>' for w in b.warnings)
    arts = []
    for a in b.articles:
        ps = passages_of.get(a.id, [])
        chips = " ".join(cite_link(p.id, label, "chip", p.citation) for p, label in zip(ps, chip_labels(ps)))
        meta = " · ".join(x for x in (a.section, a.date, "、".join(a.reporters)) if x)
        body = _article_body(a.paragraphs)
        byline = f'<p class="byline">{esc(a.byline)}</p>' if a.byline else ""
        first = (
            cite_link(ps[0].id, a.full_title, "art-title")
            if ps
            else f'<span class="art-title">{esc(a.full_title)}</span>'
        )
        arts.append(
            f'<li class="article"><div class="art-head"><span class="art-no">{a.index + 1}</span>{first}'
            f'<span class="art-meta">{esc(meta)}</span></div>'
            f'<div class="chips">段落：{chips or "—"}</div>'
            f"<details><summary>展开全文</summary>{body}{byline}</details></li>"
        )
    sub = f'<div class="bwhen">{esc(note)}</div>' if note else ""
    return (
        f'<div class="bulletin-view"><h2>{esc(b.label)}</h2>{sub}{facts}{warn}'
        f'<ol class="articles">{"".join(arts)}</ol></div>'
    )


def render_bulletin_list(rows: Sequence[dict[str, Any]], details: dict[str, tuple[str, str]] | None = None) -> str:
    """Every indexed bulletin as a card that opens it; details: source -> (lead title, date span)."""
    if not rows:
        return '<div class="placeholder">索引里还没有公报：到“公报库”上传 .txt 公报文件。</div>'
    details = details or {}
    cards = []
    for r in rows:
        who = r.get("publisher") or r.get("district") or r["source"]
        lead, span = details.get(r["source"], ("", ""))
        when = " ".join(x for x in (r.get("issue_no") or "", r.get("issue_date") or "") if x)
        when = when or (f"文章日期 {span}" if span else "未印期号和日期")
        lead_html = f'<div class="blead">头条：{esc(lead)}</div>' if lead else ""
        cards.append(
            f'<li class="bcard">{bulletin_link(r["source"], who, "blink btitle")}'
            f'<div class="bwhen">{esc(when)}</div>{lead_html}'
            f'<div class="bcount">{esc(r.get("n_articles", ""))} 篇文章 · {esc(r.get("n_passages", ""))} 个段落</div>'
            f'<div class="bsrc">{esc(r["source"])}</div></li>'
        )
    return f'<div class="bulletin-list"><ul class="bcards">{"".join(cards)}</ul></div>'


# ---------------------------------------------------------------------------------------------
# library


def render_library(rows: Sequence[dict[str, Any]], pending: Sequence[tuple[str, str]] = ()) -> str:
    """The indexed bulletins, then library files that are not (yet) in the index and why."""
    if not rows and not pending:
        return '<div class="placeholder">公报库是空的：上传 .txt 公报文件后更新索引。</div>'
    body = []
    for r in rows:
        who = r.get("publisher") or r.get("district") or ""
        when = " ".join(x for x in (r.get("issue_date") or "", r.get("issue_no") or "") if x) or "—"
        body.append(
            "<tr>"
            f"<td>{bulletin_link(r['source'], r['source'], 'blink')}</td>"
            f"<td>{esc(who)}</td><td>{esc(r.get('district') or '')}</td><td>{esc(when)}</td>"
            f'<td class="num">{esc(r.get("n_articles", ""))}</td><td class="num">{esc(r.get("n_passages", ""))}</td>'
            f"<td>{esc(str(r.get('indexed_at') or '').replace('T', ' '))}</td>"
            '<td><span class="ok">已索引</span></td></tr>'
        )
    for source, why in pending:
        body.append(
            f'<tr class="pending"><td>{esc(source)}</td><td colspan="6">{esc(why)}</td>'
            '<td><span class="todo">未索引</span></td></tr>'
        )
    total_a = sum(int(r.get("n_articles") or 0) for r in rows)
    total_p = sum(int(r.get("n_passages") or 0) for r in rows)
    return (
        f'<div class="lib-summary">共 {len(rows)} 份公报已索引，{total_a} 篇文章，{total_p} 个段落'
        f"{f'；{len(pending)} 个文件未索引' if pending else ''}。</div>"
        '<table class="library"><thead><tr><th>文件</th><th>发布单位</th><th>区县</th><th>日期 / 期号</th>'
        "<th>文章</th><th>段落</th><th>索引时间</th><th>状态</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def render_status(kind: str, title: str, lines: Sequence[str] = ()) -> str:
    """A status box: kind is ok, warn or error."""
    items = "".join(f"<li>{esc(x)}</li>" for x in lines)
    return f'<div class="status {esc(kind)}"><div class="st-title">{esc(title)}</div><ul>{items}</ul></div>'
