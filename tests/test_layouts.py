"""Parsing bulletins laid out as other papers and their web pages are (tests/data/layouts).

The files are invented text in the style of such papers (mastheads of a daily, a county paper and
a street's work brief, web page copies with their page chrome, a hard-wrapped PDF copy with photo
captions, a traditional-character page, GB18030, CRLF with a BOM). `gold.json` was written by hand
from the files: every article in order, its title (null when no headline is printed: then the
title is made from the first sentence), how its first paragraph starts, and the masthead fields.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from rag.analyze import Analyzer, normalize, to_simplified
from rag.chunk import chunk_bulletin
from rag.ingest import read_bulletin
from rag.models import Bulletin
from rag.parse import TITLE_MAX, parse_bulletin

LAYOUTS = Path(__file__).resolve().parent / "data" / "layouts"
GOLD: dict[str, dict[str, Any]] = json.loads((LAYOUTS / "gold.json").read_text(encoding="utf-8"))
NAMES = sorted(GOLD)

# what no passage (and so no quoted sentence) may start with: a dateline tag, a byline, page metadata
NOT_A_SENTENCE_START = re.compile(
    r"^(?:本报讯|[\u4e00-\u9fff]{2,14}(?:融媒体中心|新闻网|日报|报)[讯訊]|融媒體中心訊|[(（]\s*(?:记者|記者|通讯员|供稿)|"
    r"记者\s|通讯员\s|来源|來源|发布时间|時間|作者|浏览次数|编者按|【打印|\(?责任编辑|（编辑)"
)


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.fixture(scope="module")
def parsed() -> dict[str, Bulletin]:
    return {name: parse_bulletin(read_bulletin(LAYOUTS / name)) for name in NAMES}


def test_the_gold_covers_every_layout_file() -> None:
    assert sorted(p.name for p in LAYOUTS.glob("*.txt")) == NAMES
    assert len(NAMES) >= 6


@pytest.mark.parametrize("name", NAMES)
def test_encoding(parsed: dict[str, Bulletin], name: str) -> None:
    assert parsed[name].encoding == GOLD[name]["encoding"]


def test_the_special_files_are_what_they_say() -> None:
    assert (LAYOUTS / "street_brief_crlf_bom.txt").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (LAYOUTS / "street_brief_crlf_bom.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        (LAYOUTS / "county_gb18030.txt").read_bytes().decode("utf-8")
    assert to_simplified((LAYOUTS / "traditional.txt").read_text(encoding="utf-8")) != (
        LAYOUTS / "traditional.txt"
    ).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", NAMES)
def test_masthead_fields(parsed: dict[str, Bulletin], name: str) -> None:
    b, g = parsed[name], GOLD[name]
    assert (b.publisher, b.district, b.issue_date, b.issue_no) == (
        g["publisher"],
        g["district"],
        g["issue_date"],
        g["issue_no"],
    )


@pytest.mark.parametrize("name", NAMES)
def test_every_article_and_nothing_else(parsed: dict[str, Bulletin], name: str) -> None:
    b, gold = parsed[name], GOLD[name]["articles"]
    got = [(a.title if not a.title_from_body else None, a.paragraphs[0].text[:20]) for a in b.articles]
    assert len(b.articles) == len(gold), got
    for a, g in zip(b.articles, gold, strict=True):
        assert a.paragraphs[0].text.startswith(g["starts"]), (a.title, a.paragraphs[0].text[:40], g["starts"])
        if g["title"] is None:
            assert a.title_from_body, a.title
            assert 0 < len(a.title) <= TITLE_MAX
            assert squash(a.title.rstrip("…")) in squash(" ".join(p.text for p in a.paragraphs))
        else:
            assert not a.title_from_body
            assert a.title == g["title"]
        if "section" in g:
            assert a.section == g["section"], a.title
        if "date" in g:
            assert a.date == g["date"], a.title
        if "reporters" in g:
            assert list(a.reporters) == g["reporters"], (a.title, a.byline)


@pytest.mark.parametrize("name", NAMES)
def test_no_metadata_is_text_or_title(parsed: dict[str, Bulletin], name: str) -> None:
    meta = re.compile(
        r"来源[:：]|來源[:：]|发布时间|時間[:：]|浏览次数|打印本页|打印本頁|关闭窗口|關閉窗口|责任编辑|编辑[:：]|总第\d+期|星期[一二三四五六日]$|主办$|编印"
    )
    for a in parsed[name].articles:
        for text in (a.title, *a.subtitles, *(p.text for p in a.paragraphs)):
            assert not meta.search(text), (a.title, text)


@pytest.mark.parametrize("name", NAMES)
def test_no_passage_starts_with_a_dateline_byline_or_source(parsed: dict[str, Bulletin], name: str) -> None:
    for p in chunk_bulletin(parsed[name]):
        if p.article_index >= 0:
            assert not NOT_A_SENTENCE_START.match(p.text), p.text[:40]


def test_wrapped_lines_are_paragraphs_again(parsed: dict[str, Bulletin]) -> None:
    a = parsed["street_brief_crlf_bom.txt"].articles[0]
    texts = [p.text for p in a.paragraphs]
    assert len(texts) == 2, texts
    assert "南湖街道组织社区网格员" in texts[0] and "截至6月28日" in texts[0]
    second = parsed["street_brief_crlf_bom.txt"].articles[1].paragraphs
    assert any("12个摊位，吸引辖区居民" in p.text for p in second)


def test_sub_headings_stay_in_one_article(parsed: dict[str, Bulletin]) -> None:
    a = parsed["daily_halfwidth.txt"].articles[2]
    texts = [p.text for p in a.paragraphs]
    assert "一、做强茶叶主导产业" in texts and "三、壮大村级集体经济" in texts
    assert any(t.startswith("近日,桃源镇") for t in texts)  # 近日 under a sub-heading starts nothing
    b = parsed["county_gb18030.txt"].articles[3]
    assert "（二）要素保障加力" in [p.text for p in b.paragraphs]


def test_editor_note_belongs_to_the_article_it_introduces(parsed: dict[str, Bulletin]) -> None:
    arts = parsed["daily_halfwidth.txt"].articles
    assert arts[2].paragraphs[0].text.startswith("编者按:")
    assert not any("编者按" in p.text for p in arts[1].paragraphs)


def test_captions_are_taken_out_of_the_sentence(parsed: dict[str, Bulletin]) -> None:
    a = parsed["pdf_captions.txt"].articles[1]
    texts = [p.text for p in a.paragraphs]
    assert any("作物长势，示范区水稻亩均节水30%" in t for t in texts), texts
    assert any(t.startswith("图为东坪村") for t in texts)
    b = parsed["daily_halfwidth.txt"].articles[3]
    assert any("来自全区42家企业的186名选手" in p.text for p in b.paragraphs)
    # a word cut over two paragraphs is one word again
    first = parsed["pdf_captions.txt"].articles[0]
    assert any("引领安全生产各项工作" in p.text for p in first.paragraphs)


def test_traditional_text_is_shown_as_printed_and_indexed_simplified(parsed: dict[str, Bulletin]) -> None:
    b = parsed["traditional.txt"]
    a = b.articles[0]
    assert "(qū)" not in a.title and not any("(fā)" in p.text for p in a.paragraphs)
    assert "發展" in a.paragraphs[-1].text  # printed form kept
    assert normalize(a.title) == normalize("澄江区举办2023年全民健身运动会")
    assert Analyzer().tokens(a.title) == Analyzer().tokens("澄江区举办2023年全民健身运动会")
    passages = [p for p in chunk_bulletin(b) if p.article_index == 0]
    assert "運動會" in passages[0].text and "运动会" in passages[0].embed_text


def test_to_simplified_leaves_simplified_text_alone() -> None:
    text = (LAYOUTS / "pdf_captions.txt").read_text(encoding="utf-8")
    assert to_simplified(text) is text
    assert to_simplified("區委書記發表講話") == "区委书记发表讲话"
