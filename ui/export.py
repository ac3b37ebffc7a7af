"""Answers as offices paste them into reports: the copy text of one answer, and a whole
conversation as Markdown or as a Word document (.docx, python-docx).

An answer is first turned into a plain `record` (JSON, kept in the chat's state): the question,
the short answer, the quoted sentences and the numbered citations in the standard form
发布单位，日期/期号，《标题》，第N段. The citations are renumbered 1, 2, 3… in the order the
answer uses them (the [n] in the text are renumbered with them), so that they read as a numbered
list in every format.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from rag.models import Answer, Passage

_REF = re.compile(r"\[(\d{1,2})\]")
TITLE = "公报问答 对话记录"


def paragraph_label(p: Passage) -> str:
    """第2段, or 第2–3段 for a passage over two paragraphs; "报头" for the masthead."""
    if p.article_index < 0:
        return "报头"
    return f"第{p.paragraph}段" if p.paragraph == p.paragraph_end else f"第{p.paragraph}–{p.paragraph_end}段"


def citation_text(c: Mapping[str, Any]) -> str:
    """One citation in the standard form: 发布单位，日期/期号，《标题》，第N段 (parts not printed in
    the bulletin are left out)."""
    when = " ".join(x for x in (c.get("date") or "", c.get("issue_no") or "") if x)
    title = f"《{c['title']}》" if c.get("title") else ""
    return "，".join(x for x in (c.get("publisher") or "", when, title, c.get("paragraph") or "") if x)


def answer_record(
    ans: Answer,
    asked: str,
    bulletins: Mapping[str, tuple[str, str, str]],
    scope: str = "",
    when: datetime | None = None,
) -> dict[str, Any]:
    """The plain record of one answer. `bulletins`: source -> (publisher, issue_no, issue_date)
    (`rag.related.bulletin_facts`); `scope`: the filters as the chat shows them."""
    short = ans.text.split("\n\n", 1)[0].strip()
    used: list[int] = []
    for n in [int(m) for m in _REF.findall(short)] + [e.ref for e in ans.evidence]:
        if 1 <= n <= len(ans.hits) and n not in used:
            used.append(n)
    new = {old: i for i, old in enumerate(used, start=1)}

    def renumber(text: str) -> str:
        return _REF.sub(lambda m: f"[{new[int(m.group(1))]}]" if int(m.group(1)) in new else m.group(0), text)

    citations = []
    for old in used:
        p = ans.hits[old - 1].passage
        publisher, issue_no, issue_date = bulletins.get(p.source, (p.district, "", ""))
        citations.append(
            {
                "n": new[old],
                "publisher": publisher or p.district,
                "date": p.date or issue_date,
                "issue_no": issue_no,
                "title": p.title,
                "paragraph": paragraph_label(p),
                "citation_id": p.id,
                "source": p.source,
            }
        )
    resolved = ans.extra.get("resolved_question", "")
    return {
        "question": asked,
        "resolved": resolved if resolved and resolved != asked else "",
        "scope": scope,
        "answer": renumber(short),
        "abstained": ans.abstained,
        "evidence": [{"sentence": e.sentence, "ref": new.get(e.ref, e.ref)} for e in ans.evidence],
        "citations": citations,
        "time": (when or datetime.now().astimezone()).isoformat(timespec="seconds"),
    }


def copy_text(r: Mapping[str, Any]) -> str:
    """What the 复制 button puts on the clipboard: question, answer, quoted evidence, citations."""
    lines = [f"问：{r['question']}"]
    if r.get("resolved"):
        lines.append(f"（按“{r['resolved']}”检索）")
    if r.get("scope"):
        lines.append(f"（{r['scope']}）")
    lines.append(f"答：{r['answer']}")
    if r.get("evidence"):
        lines.append("依据：")
        lines += [f"「{e['sentence']}」[{e['ref']}]" for e in r["evidence"]]
    if r.get("citations"):
        lines.append("出处：")
        lines += [f"[{c['n']}] {citation_text(c)}" for c in r["citations"]]
    return "\n".join(lines)


def _stamp(when: datetime | None) -> str:
    return (when or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M")


def conversation_markdown(records: Sequence[Mapping[str, Any]], when: datetime | None = None) -> str:
    """A conversation as Markdown: a section per question, the citations as a numbered list."""
    out = [f"# {TITLE}", "", f"导出时间：{_stamp(when)}　共 {len(records)} 个问题", ""]
    for i, r in enumerate(records, start=1):
        out += [f"## {i}. {_md(r['question'])}", ""]
        notes = [f"按“{r['resolved']}”检索" if r.get("resolved") else "", r.get("scope") or ""]
        if any(notes):
            out += ["*" + "；".join(_md(x) for x in notes if x) + "*", ""]
        out += [f"**回答：**{_md(r['answer'])}", ""]
        if r.get("evidence"):
            out += ["**依据：**", ""]
            out += [
                f"> 「{_md(e['sentence'])}」[{e['ref']}]" + ("  " if j < len(r["evidence"]) else "")
                for j, e in enumerate(r["evidence"], start=1)
            ]
            out.append("")
        if r.get("citations"):
            out += ["**出处：**", ""]
            out += [f"{c['n']}. {_md(citation_text(c))}" for c in r["citations"]]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _md(text: str) -> str:
    """Text as Markdown shows it literally (bulletin text may hold *, _, #, <, [ or `)."""
    escaped = re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", str(text)).replace("\n", " ")
    return re.sub(r"\\\[(\d{1,2})\\\]", r"[\1]", escaped)  # the answer's [n] stay readable


def conversation_docx(records: Sequence[Mapping[str, Any]], when: datetime | None = None) -> bytes:
    """A conversation as a Word document: a heading per question, the answer, the quoted evidence
    in the Quote style and the citations as a numbered list restarting at 1 for every question."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    _east_asian_fonts(doc, qn)
    doc.core_properties.title = TITLE
    doc.core_properties.language = "zh-CN"
    doc.add_heading(TITLE, level=0)
    doc.add_paragraph(f"导出时间：{_stamp(when)}　共 {len(records)} 个问题")
    for i, r in enumerate(records, start=1):
        doc.add_heading(f"{i}. {r['question']}", level=1)
        notes = [f"按“{r['resolved']}”检索" if r.get("resolved") else "", r.get("scope") or ""]
        if any(notes):
            note = doc.add_paragraph().add_run("；".join(x for x in notes if x))
            note.italic = True
            note.font.size = Pt(9)
        para = doc.add_paragraph()
        para.add_run("回答：").bold = True
        para.add_run(str(r["answer"]))
        if r.get("evidence"):
            doc.add_heading("依据", level=2)
            for e in r["evidence"]:
                doc.add_paragraph(f"「{e['sentence']}」[{e['ref']}]", style="Quote")
        if r.get("citations"):
            doc.add_heading("出处", level=2)
            num_id = _restarted_numbering(doc, qn)
            for c in r["citations"]:
                item = doc.add_paragraph(citation_text(c), style="List Number")
                _set_num(item, num_id, qn)
    buf = BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _east_asian_fonts(doc: Any, qn: Any) -> None:
    """宋体 for the body and 黑体 for headings, so Chinese text is set in Chinese faces."""
    for name, face in (("Normal", "宋体"), ("Title", "黑体"), ("Heading 1", "黑体"), ("Heading 2", "黑体")):
        style = doc.styles[name]
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), face)
        for theme in ("w:asiaTheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(theme), None)


def _restarted_numbering(doc: Any, qn: Any) -> int:
    """A new numbering instance of the List Number style's list, starting again at 1."""
    numbering = doc.part.numbering_part.element
    style = doc.styles["List Number"].element
    style_num = style.pPr.numPr.numId.val
    abstract = next(n for n in numbering.num_lst if n.numId == style_num).abstractNumId.val
    num = numbering.add_num(abstract)
    override = num.makeelement(qn("w:lvlOverride"), {qn("w:ilvl"): "0"})
    start = override.makeelement(qn("w:startOverride"), {qn("w:val"): "1"})
    override.append(start)
    num.append(override)
    return int(num.numId)


def _set_num(paragraph: Any, num_id: int, qn: Any) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    numpr = ppr.get_or_add_numPr()
    numpr.get_or_add_ilvl().val = 0
    numpr.get_or_add_numId().val = num_id


def export_files(records: Sequence[Mapping[str, Any]], folder: Path | None = None) -> tuple[Path, Path]:
    """Write the conversation as .md and .docx into a new folder; returns both paths."""
    when = datetime.now().astimezone()
    out = Path(tempfile.mkdtemp(prefix="gongbao-export-", dir=folder))
    stem = f"公报问答对话-{when:%Y%m%d-%H%M}"
    md, docx = out / f"{stem}.md", out / f"{stem}.docx"
    md.write_text(conversation_markdown(records, when), encoding="utf-8")
    docx.write_bytes(conversation_docx(records, when))
    return md, docx
