"""Precise answers: question analysis, aliases, harvested names, answer composition for each
question kind, abstention, follow-ups and the citation check — on the real seeds and model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from rag.analyze import Analyzer
from rag.answer import NOT_FOUND, verify
from rag.errors import QueryError
from rag.followup import resolve
from rag.harvest import corpus_aliases, maintained_aliases, parse_alias_lines, user_words
from rag.ingest import read_bulletin
from rag.models import Evidence
from rag.parse import parse_bulletin
from rag.question import analyze_question, question_kind
from rag.service import QA

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def bulletins() -> list:
    return [parse_bulletin(read_bulletin(p)) for p in sorted(SEEDS.glob("*.txt"))]


# --- aliases and the harvested user dictionary -------------------------------------------------


def test_alias_file_maps_domain_abbreviations() -> None:
    aliases = maintained_aliases()
    assert "安全生产委员会" in aliases["安委会"]
    assert "纪律检查委员会" in aliases["纪委"]
    assert any("共青团" in f for f in aliases["团区委"])


def test_alias_lines_parse_comments_and_separators() -> None:
    parsed = parse_alias_lines("# comment\n安委会 = 安全生产委员会, 安全委员会 # trailing\nnot an alias\n")
    assert parsed == {"安委会": ["安全生产委员会", "安全委员会"]}


def test_aliases_harvested_from_the_corpus(bulletins: list) -> None:
    # 003 prints 全区安全生产委员会 and later 区安委会: the short form is learnt from the text itself
    harvested = corpus_aliases(bulletins)
    assert "安全生产委员会" in harvested["安委会"]


def test_user_dictionary_keeps_names_whole(bulletins: list) -> None:
    words = user_words(bulletins)
    for name in ("苏建设", "宋洁", "陈红民", "高天翼", "王付立", "贾鲁河"):
        assert name in words
    plain = Analyzer().words("区长苏建设对下一步安全生产工作提出要求")
    assert "苏建设" not in plain  # jieba alone cuts the name (苏 / 建设)
    assert "苏建设" in Analyzer(words).words("区长苏建设对下一步安全生产工作提出要求")


def test_index_keeps_its_user_dictionary(qa: QA) -> None:
    assert "苏建设" in qa.index.analyzer.user_words
    assert "苏建设" in qa.index.analyzer.tokens("区长苏建设提出要求")


# --- question analysis --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("谁主持了安委会会议", "who"),
        ("宋洁夜查大气污染防治工作是哪天?", "when"),
        ("职工技能培训班为期多少天?", "num"),
        ("督导组查看了哪些社区的卫生服务中心?", "list"),
        ("宋洁在哪里调研?", "where"),
        ("贾鲁河综合治理工程进展如何", "what"),
    ],
)
def test_question_kind(question: str, kind: str) -> None:
    assert question_kind(question) == kind


def test_question_names_district_alias_and_date(qa: QA) -> None:
    idx = qa.index
    info = analyze_question("上街区纪委书记是谁?", idx.analyzer, idx.aliases, idx.districts)
    assert info.district == "上街区"
    assert any(g[0] == "纪委" for g in info.groups)
    assert "上街区" not in info.words  # satisfied by the bulletin's metadata, not required in the text
    info = analyze_question("11月29日谁夜查了大气污染防治工作", idx.analyzer, idx.aliases, idx.districts)
    assert (info.month, info.day) == (11, 29)
    assert analyze_question("第35期有哪些会议", idx.analyzer, idx.aliases, idx.districts).issue_no == "35"


def test_empty_and_huge_questions_are_refused(qa: QA) -> None:
    with pytest.raises(QueryError, match="empty"):
        qa.ask("   ")
    with pytest.raises(QueryError, match="shorter"):
        qa.ask("问" * 10_000)


# --- answers for each kind ----------------------------------------------------------------------


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def test_who_answer_is_the_titled_name(qa: QA) -> None:
    ans = qa.ask("上街区区委书记是谁?")
    assert not ans.abstained
    assert "宋洁" in first_line(ans.text)
    assert ans.hits[0].passage.district == "上街区"


def test_who_answer_says_what_the_text_says_when_the_action_is_not_printed(qa: QA) -> None:
    ans = qa.ask("谁主持了安委会会议")
    line = first_line(ans.text)
    assert "苏建设" in line
    assert "没有写明谁主持" in line  # nobody is said to 主持 an 安委会 meeting
    assert not verify(ans)


def test_who_answer_per_district_when_no_district_is_named(qa: QA) -> None:
    line = first_line(qa.ask("区人大常委会主任是谁?").text)
    assert "许广佑" in line and "宋双兴" in line
    assert "二七区" in line and "上街区" in line


def test_when_answer_is_the_date(qa: QA) -> None:
    assert first_line(qa.ask("宋洁夜查大气污染防治工作是哪天?").text).startswith("11月29日")


def test_num_answer_is_the_figure_with_its_unit(qa: QA) -> None:
    assert first_line(qa.ask("2016年上半年二七区省市重点项目累计完成投资多少?").text).startswith("73.2亿元")
    assert first_line(qa.ask("职工技能培训班为期多少天?").text).startswith("15天")
    assert first_line(qa.ask("二七区重点项目综合排名在市内六区排第几?").text).startswith("第二")


def test_list_answer_quotes_the_listing_sentence(qa: QA) -> None:
    ans = qa.ask("宋洁去了哪些断头路施工现场?")
    assert "祥云路东延、漓江路东延、丹江路东延" in first_line(ans.text)


def test_issue_question_is_answered_from_the_masthead(qa: QA) -> None:
    ans = qa.ask("这份上街区报纸是第几期?")
    assert first_line(ans.text).startswith("第35期")
    assert ans.hits[0].passage.title == "报头"


def test_abbreviation_finds_the_full_name(qa: QA) -> None:
    ans = qa.ask("二七区纪委书记是谁?")
    assert "高天翼" in first_line(ans.text)


# --- abstention ---------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["上街区有多少常住人口?", "郑州地铁5号线什么时候开通?", "二七区的GDP增速是多少"])
def test_abstains_when_the_bulletins_are_silent(qa: QA, question: str) -> None:
    ans = qa.ask(question)
    assert ans.abstained
    assert ans.text.startswith(NOT_FOUND)
    assert "检索了" in ans.text  # says what was searched
    assert not ans.evidence


# --- the citation check -------------------------------------------------------------------------


def test_every_quote_is_in_the_passage_it_cites(qa: QA) -> None:
    for q in (
        "谁主持了安委会会议",
        "宋洁去了哪些断头路施工现场?",
        "区人大常委会主任是谁?",
        "职工技能培训班为期多少天?",
    ):
        ans = qa.ask(q)
        assert ans.evidence
        assert verify(ans) == []
        for e in ans.evidence:
            assert f"[{e.ref}]" in ans.text


def test_a_claim_without_support_is_rejected(qa: QA) -> None:
    ans = qa.ask("职工技能培训班为期多少天?")
    forged = replace(ans, evidence=(Evidence("本次培训为期30天。", 1, ans.hits[0].passage.id),))
    assert verify(forged)
    wrong_ref = replace(ans, evidence=(Evidence(ans.evidence[0].sentence, 1, "000000000000"),))
    assert verify(wrong_ref)


# --- follow-ups ---------------------------------------------------------------------------------


def test_follow_up_resolves_pronoun_against_previous_answer() -> None:
    history = [("谁带队检查了学生课外补习机构的整治工作?", "组长王付立 [1]\n\n依据：…")]
    assert resolve("他还参加了哪些活动?", history) == "王付立还参加了哪些活动?"
    assert resolve("那上街区呢?", [("二七区人大常委会主任是谁?", "…")]) == "上街区人大常委会主任是谁?"
    assert resolve("宋洁去了哪里?", history) == "宋洁去了哪里?"  # nothing to resolve
    assert resolve("他还参加了哪些活动?", []) == "他还参加了哪些活动?"


def test_follow_up_in_a_chat_answers_about_the_same_person(qa: QA) -> None:
    first = qa.ask("上街区区委书记是谁?")
    follow = qa.ask("她去了哪些断头路施工现场?", history=[(first.question, first.text)])
    assert follow.extra.get("resolved_question", "").startswith("宋洁")
    assert "祥云路东延" in follow.text
