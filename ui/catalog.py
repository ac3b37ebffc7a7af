"""The bulletin lists of the app (浏览公报 and 公报库): labels that tell bulletins apart, search and pages.

A page of the app carries one page of each list (`PAGE_SIZE` bulletins), never the whole archive:
at 4,600 bulletins the lists made the page's load event 3.6 MB. Search matches every word typed
against the file name, publisher, district, issue, date and lead headline.

Bulletins that print no issue number or date (the 二七区 seeds) are told apart by the dates printed
in their articles and their lead headline, in the dropdowns as well as on the cards.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rag.models import Article, Bulletin, Hit

from .render import bulletin_link, esc

PAGE_SIZE = 20
LEAD_CHARS = 24  # of the lead headline in a dropdown label
NO_MATCH = "没有找到匹配的公报：换个词再搜索。"
_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})日")


@dataclass(frozen=True)
class Details:
    """What a bulletin's own articles say: its lead headline, the lead's date, the span of dates."""

    lead: str = ""
    lead_date: str = ""  # MM-DD
    span: str = ""  # "MM-DD" or "MM-DD 至 MM-DD"


def printed_date(a: Article) -> str:
    """The article's date as MM-DD: its dateline date, else the first 某月某日 of its first paragraph
    (a lead report often starts "8月9日上午，…" without a 本报讯 dateline)."""
    if a.date:
        return a.date[-5:]
    head = a.paragraphs[0].text[:80] if a.paragraphs else ""
    for m in _MONTH_DAY.finditer(head):
        month, day = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{month:02d}-{day:02d}"
    return ""


def span_of(dates: Sequence[str]) -> str:
    ds = sorted(d for d in dates if d)
    if not ds:
        return ""
    return ds[0] if ds[0] == ds[-1] else f"{ds[0]} 至 {ds[-1]}"


def details_of(b: Bulletin) -> Details:
    if not b.articles:
        return Details()
    lead = b.articles[0]
    return Details(lead.full_title, printed_date(lead), span_of([printed_date(a) for a in b.articles]))


def dated(row: dict[str, Any]) -> bool:
    return bool(row.get("issue_no") or row.get("issue_date"))


def who(row: dict[str, Any]) -> str:
    return str(row.get("publisher") or row.get("district") or row["source"])


def when(row: dict[str, Any], d: Details | None = None) -> str:
    """Issue and date as printed; for a bulletin that prints neither, the dates of its articles."""
    printed = " ".join(x for x in (row.get("issue_no") or "", row.get("issue_date") or "") if x)
    if printed:
        return printed
    if d is not None and d.span:
        return f"未印期号和日期 · 文章日期 {d.span}"
    return "未印期号和日期"


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def label(row: dict[str, Any], d: Details | None = None) -> str:
    """A dropdown label that tells bulletins apart: publisher, issue and date; or, for a bulletin
    printing neither, the dates of its articles and its lead headline."""
    if dated(row):
        return f"{who(row)} {when(row)}"
    parts = [who(row)]
    if d is not None and d.span:
        parts.append(f"文章日期 {d.span}")
    if d is not None and d.lead:
        parts.append(_cut(d.lead.split(" / ")[0], LEAD_CHARS))
    parts.append(row["source"])
    return " · ".join(parts)


def haystack(row: dict[str, Any], lead: tuple[str, str] = ("", "")) -> str:
    fields = [
        row["source"],
        row.get("publisher") or "",
        row.get("district") or "",
        row.get("issue_no") or "",
        row.get("issue_date") or "",
        *lead,
    ]
    return " ".join(str(f) for f in fields).lower()


def search(
    rows: Sequence[dict[str, Any]], query: str, leads: dict[str, tuple[str, str]] | None = None
) -> list[dict[str, Any]]:
    """The rows matching every word of the query (all rows for an empty query)."""
    words = (query or "").lower().split()
    if not words:
        return list(rows)
    leads = leads or {}
    return [r for r in rows if all(w in haystack(r, leads.get(r["source"], ("", ""))) for w in words)]


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int  # 1-based, clamped
    pages: int
    matched: int  # items found by the search
    total: int  # items before the search

    @property
    def info(self) -> str:
        found = f"，搜索到 {self.matched} 份" if self.matched != self.total else ""
        return f"共 {self.total} 份{found} · 第 {self.number} / {self.pages} 页"


def paginate(items: Sequence[Any], number: int, total: int | None = None, size: int = PAGE_SIZE) -> Page:
    pages = max(1, math.ceil(len(items) / size))
    n = min(max(1, int(number or 1)), pages)
    return Page(list(items[(n - 1) * size : n * size]), n, pages, len(items), len(items) if total is None else total)


def pager_html(page: Page, query: str) -> str:
    q = f"（“{esc(query)}”）" if (query or "").strip() else ""
    return f'<div class="pager-info" data-page="{page.number}" data-pages="{page.pages}">{page.info}{q}</div>'


def render_cards(page: Page, details: dict[str, Details], query: str = "") -> str:
    """One page of the bulletin cards (browse tab); each card opens its bulletin."""
    head = pager_html(page, query)
    if not page.items:
        msg = NO_MATCH if (query or "").strip() else "索引里还没有公报：到“公报库”上传 .txt 公报文件。"
        return f'<div class="bulletin-list">{head}<div class="placeholder">{esc(msg)}</div></div>'
    cards = []
    for r in page.items:
        d = details.get(r["source"], Details())
        lead = ""
        if d.lead:
            date = f"（{d.lead_date}）" if d.lead_date else ""
            lead = f'<div class="blead">头条{esc(date)}：{esc(d.lead)}</div>'
        cards.append(
            f'<li class="bcard">{bulletin_link(r["source"], who(r), "blink btitle")}'
            f'<div class="bwhen">{esc(when(r, d))}</div>{lead}'
            f'<div class="bcount">{esc(r.get("n_articles", ""))} 篇文章 · {esc(r.get("n_passages", ""))} 个段落</div>'
            f'<div class="bsrc">{esc(r["source"])}</div></li>'
        )
    return f'<div class="bulletin-list">{head}<ul class="bcards">{"".join(cards)}</ul></div>'


def render_library_page(
    page: Page, details: dict[str, Details], n_rows: int, n_articles: int, n_passages: int, n_pending: int, query: str
) -> str:
    """One page of the library table: indexed bulletins and files not (yet) indexed, with why.
    On a phone each row becomes a small card (see the CSS of table.library)."""
    summary = (
        f'<div class="lib-summary">共 {n_rows} 份公报已索引，{n_articles} 篇文章，{n_passages} 个段落'
        f"{f'；{n_pending} 个文件未索引' if n_pending else ''}。</div>"
    )
    head = pager_html(page, query)
    if not page.items:
        msg = (
            "没有找到匹配的文件：换个词再搜索。"
            if (query or "").strip()
            else "公报库是空的：上传 .txt 公报文件后更新索引。"
        )
        return f'{summary}{head}<div class="placeholder">{esc(msg)}</div>'
    body = []
    for item in page.items:
        if "not_indexed" in item:
            body.append(
                f'<tr class="pending"><td data-label="文件" class="src">{esc(item["source"])}</td>'
                f'<td data-label="原因" colspan="6">{esc(item["not_indexed"])}</td>'
                '<td data-label="状态"><span class="todo">未索引</span></td></tr>'
            )
            continue
        r = item
        body.append(
            "<tr>"
            f'<td data-label="文件" class="src">{bulletin_link(r["source"], r["source"], "blink")}</td>'
            f'<td data-label="发布单位" class="who">{esc(r.get("publisher") or r.get("district") or "")}</td>'
            f'<td data-label="区县">{esc(r.get("district") or "")}</td>'
            f'<td data-label="日期 / 期号" class="when">{esc(when(r, details.get(r["source"])))}</td>'
            f'<td data-label="文章" class="num">{esc(r.get("n_articles", ""))}</td>'
            f'<td data-label="段落" class="num">{esc(r.get("n_passages", ""))}</td>'
            f'<td data-label="索引时间">{esc(str(r.get("indexed_at") or "").replace("T", " "))}</td>'
            '<td data-label="状态"><span class="ok">已索引</span></td></tr>'
        )
    return (
        f"{summary}{head}"
        '<table class="library"><thead><tr><th>文件</th><th>发布单位</th><th>区县</th><th>日期 / 期号</th>'
        "<th>文章</th><th>段落</th><th>索引时间</th><th>状态</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def yearless_note(date_from: str, date_to: str, hits: Sequence[Hit], rows: Sequence[dict[str, Any]]) -> str:
    """For a date range with a year: which of the answer's bulletins print no year, and how the
    range was applied to them (by month and day, whatever the year)."""
    if not any(len(d) == 10 for d in (date_from, date_to)):
        return ""
    sources = list(dict.fromkeys(h.passage.source for h in hits if h.passage.date and len(h.passage.date) < 10))
    if not sources:
        return ""
    by_source = {r["source"]: r for r in rows}
    names = "、".join(f"{who(by_source[s])}（{s}）" if s in by_source else s for s in sources)
    return f"{names} 未印年份：日期范围只按月日比较，不论哪一年"
