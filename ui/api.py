"""Plain JSON shapes of the library's records, as the app's API endpoints return them.

Kept apart from the Gradio code so the shapes are easy to read, document and test.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from rag.errors import QueryError
from rag.models import Answer
from rag.retrieve import Filters
from rag.service import CitationView
from rag.update import UpdateReport

from .messages import reason_zh
from .render import bulletin_href, cite_href, short_answer

ALL_DISTRICTS = "全部"
_DATE = re.compile(r"^(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?$")


def normalize_date(text: str | None) -> str:
    """'2021-12-1', '2021/12/01', '12-1', '12月1日' -> '2021-12-01' / '12-01'; '' stays ''."""
    t = (text or "").strip()
    if not t:
        return ""
    m = _DATE.match(t)
    if not m or not (1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31):
        raise QueryError(f"日期“{t}”看不懂：请写成 2021-12-01，或不带年份的 12-01")
    md = f"{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return f"{m.group(1)}-{md}" if m.group(1) else md


def make_filters(district: str | None = "", date_from: str | None = "", date_to: str | None = "") -> Filters:
    d = (district or "").strip()
    return Filters(
        district="" if d == ALL_DISTRICTS else d,
        date_from=normalize_date(date_from),
        date_to=normalize_date(date_to),
    )


def filters_note(f: Filters) -> str:
    """How the filters read in the chat, e.g. '范围：上街区 · 12-01 至 12-31'."""
    parts = []
    if f.district:
        parts.append(f.district)
    if f.date_from or f.date_to:
        parts.append(f"{f.date_from or '最早'} 至 {f.date_to or '最新'}")
    return "范围：" + " · ".join(parts) if parts else ""


def answer_dict(ans: Answer, question: str = "") -> dict[str, Any]:
    """The `/ask` endpoint's result; `question` as asked (the answer carries the resolved one)."""
    return {
        "question": question or ans.question,
        "resolved_question": ans.extra.get("resolved_question", ans.question),
        "answer": short_answer(ans),
        "text": ans.text,
        "abstained": ans.abstained,
        "note": ans.note,
        "evidence": [{"sentence": e.sentence, "ref": e.ref, "citation_id": e.passage_id} for e in ans.evidence],
        "passages": [
            {
                "ref": n,
                "citation_id": h.passage.id,
                "citation": h.passage.citation,
                "source": h.passage.source,
                "title": h.passage.title,
                "text": h.passage.text,
                "score": round(float(h.score), 4),
                "matched_terms": list(h.matched_terms),
                "district": h.passage.district,
                "date": h.passage.date,
                "link": cite_href(h.passage.id),
            }
            for n, h in enumerate(ans.hits, start=1)
        ],
    }


def citation_dict(v: CitationView) -> dict[str, Any]:
    """The `/lookup` endpoint's result: the passage, its whole article and the bulletin's facts."""
    p, a, b = v.passage, v.article, v.bulletin
    return {
        "citation_id": p.id,
        "citation": p.citation,
        "passage": p.text,
        "paragraph": p.paragraph,
        "paragraph_end": p.paragraph_end,
        "source": p.source,
        "bulletin": v.bulletin_label,
        "bulletin_link": bulletin_href(p.source),
        "publisher": b.publisher if b else "",
        "district": b.district if b else p.district,
        "issue_no": b.issue_no if b else "",
        "issue_date": b.issue_date if b else "",
        "article": None
        if a is None
        else {
            "title": a.title,
            "subtitles": list(a.subtitles),
            "section": a.section,
            "date": a.date,
            "dateline": a.dateline,
            "reporters": list(a.reporters),
            "byline": a.byline,
            "paragraphs": [para.text for para in a.paragraphs],
        },
    }


def report_dict(r: UpdateReport) -> dict[str, Any]:
    d = asdict(r)
    d["failed"] = [{"file": s, "reason": reason_zh(why)} for s, why in r.failed]
    return d


def report_lines(r: UpdateReport) -> list[str]:
    """An update report in Chinese, one line per change."""
    out = [f"新增：{s}" for s in r.added]
    out += [f"更新：{s}" for s in r.changed]
    out += [f"移除：{s}" for s in r.removed]
    out += [f"跳过：{s}（{reason_zh(why)}）" for s, why in r.failed]
    if r.nothing_changed and not r.failed:
        out.append("公报库没有变化，索引保持不变。")
    out.append(
        f"索引现有 {r.passages} 个段落；本次嵌入 {r.embedded} 个、复用 {r.reused} 个；"
        f"{len(r.unchanged)} 份公报未变；用时 {r.seconds:.1f} 秒。"
    )
    return out
