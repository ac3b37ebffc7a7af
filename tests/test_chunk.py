"""Chunking articles into passages: within one article, on sentence boundaries, bounded in size,
with the title as context and a citation label a person can follow."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path

import pytest

from rag.chunk import (
    MASTHEAD_TITLE,
    MAX_CHARS,
    TARGET_CHARS,
    chunk_article,
    chunk_bulletin,
    masthead_passage,
    split_sentences,
)
from rag.ingest import read_bulletin, read_bytes
from rag.models import Article, Bulletin, Paragraph, Passage
from rag.parse import lead_tag_end, parse_bulletin

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
ENDS = "。！？；!?;"
CLOSERS = "”’」』）)"


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.fixture(scope="module")
def seeds() -> list[tuple[Bulletin, list[Passage]]]:
    out = []
    for f in sorted(SEEDS.glob("*.txt")):
        b = parse_bulletin(read_bulletin(f))
        out.append((b, chunk_bulletin(b)))
    return out


def article_passages(b: Bulletin) -> list[tuple[Article, list[Passage]]]:
    return [(a, chunk_article(b, a)) for a in b.articles]


def make_article(paragraphs: list[str], title: str = "测试标题", date: str = "05-03") -> Article:
    return Article(
        source="t.txt",
        index=0,
        title=title,
        subtitles=(),
        section="",
        paragraphs=tuple(Paragraph(p, p) for p in paragraphs),
        dateline="",
        date=date,
        reporters=(),
        byline="",
    )


def make_bulletin(
    articles: tuple[Article, ...] = (),
    publisher: str = "",
    district: str = "某某区",
    issue_date: str = "",
    issue_no: str = "",
) -> Bulletin:
    return Bulletin(
        source="t.txt",
        sha256="0" * 64,
        encoding="utf-8",
        publisher=publisher,
        district=district,
        issue_date=issue_date,
        issue_no=issue_no,
        articles=articles,
    )


# --- on the seeds ----------------------------------------------------------------------------------


def test_passages_never_cross_articles(seeds: list[tuple[Bulletin, list[Passage]]]) -> None:
    for b, _ in seeds:
        for a, passages in article_passages(b):
            body = squash("".join(p.text for p in a.paragraphs))
            for p in passages:
                assert p.article_id == a.id and p.article_index == a.index and p.title == a.title
                assert p.source == b.source
                assert squash(p.text) in body, p.text[:30]


def test_passages_cover_the_article_in_order(seeds: list[tuple[Bulletin, list[Passage]]]) -> None:
    for b, _ in seeds:
        for a, passages in article_passages(b):
            # all of it but the dateline tags (本报讯) before the lead sentence: quotes start at the sentence
            text = "".join(x.text[lead_tag_end(x.text) :] for x in a.paragraphs)
            assert squash("".join(p.text for p in passages)) == squash(text)


def test_paragraph_numbers_point_at_the_text(seeds: list[tuple[Bulletin, list[Passage]]]) -> None:
    for b, _ in seeds:
        for a, passages in article_passages(b):
            for p in passages:
                assert 1 <= p.paragraph <= p.paragraph_end <= len(a.paragraphs)
                span = squash("".join(x.text for x in a.paragraphs[p.paragraph - 1 : p.paragraph_end]))
                assert squash(p.text) in span
                if p.paragraph < p.paragraph_end:
                    # the first and the last paragraph named are both really used
                    without_first = squash("".join(x.text for x in a.paragraphs[p.paragraph : p.paragraph_end]))
                    without_last = squash("".join(x.text for x in a.paragraphs[p.paragraph - 1 : p.paragraph_end - 1]))
                    assert squash(p.text) not in without_first
                    assert squash(p.text) not in without_last


def test_passages_start_and_end_on_sentence_boundaries(seeds: list[tuple[Bulletin, list[Passage]]]) -> None:
    for b, _ in seeds:
        for a, passages in article_passages(b):
            for p in passages:
                ends_sentence = p.text.rstrip(CLOSERS)[-1] in ENDS
                last, text = squash(a.paragraphs[p.paragraph_end - 1].text), squash(p.text)
                ends_paragraph = text.endswith(last) or last.endswith(text)
                assert ends_sentence or ends_paragraph, p.text[-20:]
            for before, after in itertools.pairwise(passages):
                # the next passage starts where this one stopped: after a sentence end or a paragraph
                joint = before.text.rstrip(CLOSERS)[-1]
                assert joint in ENDS or before.paragraph_end < after.paragraph, before.text[-20:]


def test_passage_size_bounds(seeds: list[tuple[Bulletin, list[Passage]]]) -> None:
    sizes = [len(p.text) for _, passages in seeds for p in passages]
    assert max(sizes) <= MAX_CHARS
    # most passages are near the target, not a sentence each
    assert sum(s >= TARGET_CHARS // 2 for s in sizes) >= 0.75 * len(sizes)


def test_passage_ids_are_unique_and_stable(seeds: list[tuple[Bulletin, list[Passage]]]) -> None:
    for b, passages in seeds:
        ids = [p.id for p in passages]
        assert len(ids) == len(set(ids))
        assert all(re.fullmatch(r"[0-9a-f]{12}", i) for i in ids)
        again = chunk_bulletin(parse_bulletin(read_bulletin(SEEDS / b.source)))
        assert [p.id for p in again] == ids


def test_title_is_carried_as_context(seeds: list[tuple[Bulletin, list[Passage]]]) -> None:
    for _, passages in seeds:
        for p in passages:
            assert p.embed_text == f"{p.title}\n{p.text}"
    # a passage from the middle of an article does not name its subject; the title does
    b = seeds[0][0]
    later = chunk_article(b, b.articles[0])[1]
    assert "生态建设工作推进会" not in later.text
    assert later.embed_text.startswith("二七区召开生态建设工作推进会\n")


def test_citation_labels_of_004(seeds: list[tuple[Bulletin, list[Passage]]]) -> None:
    _, passages = seeds[4]
    articles = [p for p in passages if p.article_index >= 0]
    assert len(articles) == len(passages) - 1  # and the masthead
    for p in articles:
        para = f"第{p.paragraph}段" if p.paragraph == p.paragraph_end else f"第{p.paragraph}–{p.paragraph_end}段"
        assert p.citation == f"郑州市上街区融媒体中心 · 第35期(总第710期) 2021-12-04 · 《{p.title}》 · {para}"
        assert p.district == "上街区"


def test_citation_labels_of_yearless_bulletins(seeds: list[tuple[Bulletin, list[Passage]]]) -> None:
    b, _ = seeds[3]
    a = b.articles[1]  # 本报讯 8月10日下午
    p = chunk_article(b, a)[0]
    assert p.citation == f"二七区 · 8月10日 · 《{a.title}》 · 第1–2段"
    assert (p.paragraph, p.paragraph_end) == (1, 2) and len(a.paragraphs) == 2
    assert p.date == "08-10"
    # no date printed: district, title and paragraph only
    b0 = seeds[0][0]
    p0 = chunk_article(b0, b0.articles[1])[0]
    assert p0.citation.startswith("二七区 · 《二七区组织党员干部观看廉政教育片》 · 第1")
    assert p0.date == ""


def test_masthead_passage(seeds: list[tuple[Bulletin, list[Passage]]]) -> None:
    _, passages = seeds[4]
    head = passages[0]
    assert head.article_index == -1 and head.title == MASTHEAD_TITLE
    assert "第35期(总第710期)" in head.text and "监督电话 67183172" in head.text
    assert head.citation == "郑州市上街区融媒体中心 第35期(总第710期) 2021-12-04 · 报头"
    assert head.date == "2021-12-04"
    # bulletins without a masthead have no such passage
    assert masthead_passage(seeds[0][0]) is None
    assert all(p.article_index >= 0 for p in seeds[0][1])


# --- edge cases ------------------------------------------------------------------------------------


def test_empty_article_gives_no_passage() -> None:
    a = make_article([])
    assert chunk_article(make_bulletin((a,)), a) == []


def test_blank_paragraphs_give_no_passage() -> None:
    a = make_article(["", "   "])
    assert chunk_article(make_bulletin((a,)), a) == []


def test_short_article_is_one_passage() -> None:
    a = make_article(["区里召开会议。"])
    (p,) = chunk_article(make_bulletin((a,)), a)
    assert p.text == "区里召开会议。"
    assert (p.paragraph, p.paragraph_end) == (1, 1)
    assert p.citation == "某某区 · 5月3日 · 《测试标题》 · 第1段"


def test_long_article_is_cut_between_sentences() -> None:
    sentences = [f"第{i}句话说明了一项具体的工作安排和要求，内容比较长一些。" for i in range(40)]
    a = make_article(["".join(sentences[:20]), "".join(sentences[20:])])
    passages = chunk_article(make_bulletin((a,)), a)
    assert len(passages) > 4
    for p in passages:
        assert len(p.text) <= TARGET_CHARS
        assert p.text.endswith("。")
        # whole sentences only
        assert re.fullmatch(r"(第\d+句话说明了一项具体的工作安排和要求，内容比较长一些。)+", p.text)
    assert "".join(p.text for p in passages) == "".join(sentences)


def test_over_long_sentence_is_cut_at_a_comma() -> None:
    clause = "各单位要切实履行职责加强协调配合"  # 16 characters
    sentence = "，".join([clause] * 40) + "。"  # ~680 characters, no sentence end inside
    a = make_article([sentence])
    passages = chunk_article(make_bulletin((a,)), a)
    assert len(passages) >= 2
    assert all(len(p.text) <= MAX_CHARS for p in passages)
    assert all(p.text.endswith(("，", "。")) for p in passages)
    assert "".join(p.text for p in passages) == sentence


def test_sentence_without_any_punctuation_is_cut_at_the_limit() -> None:
    s = "字" * (MAX_CHARS * 2 + 10)
    pieces = split_sentences(s)
    assert [len(x) for x in pieces] == [MAX_CHARS, MAX_CHARS, 10]


def test_closing_quotes_stay_with_their_sentence() -> None:
    assert split_sentences("他说：“要抓落实。”随后散会。") == ["他说：“要抓落实。”", "随后散会。"]
    assert split_sentences("一是加强领导；二是压实责任！是否完成？") == [
        "一是加强领导；",
        "二是压实责任！",
        "是否完成？",
    ]


def test_short_tail_is_folded_into_the_passage_before() -> None:
    body = "".join(f"第{i}句话说明了一项具体的工作安排和要求，内容比较长一些。" for i in range(8))
    a = make_article([body, "记此。"])
    passages = chunk_article(make_bulletin((a,)), a)
    assert passages[-1].text.endswith("记此。")
    assert len(passages[-1].text) > len("记此。")
    assert passages[-1].paragraph_end == 2
    assert passages[-1].citation.endswith("–2段")


def test_sub_heading_opens_a_passage() -> None:
    body = "".join(f"第{i}句话说明了环保工作的一项具体安排。" for i in range(4))
    lead = "当天上午，会议通报了全区一至七月重点项目和政府投资项目的运行情况。"
    a = make_article([body, "项目进展", "重点项目综合排名第二", lead])
    passages = chunk_article(make_bulletin((a,)), a)
    assert [p.text for p in passages] == [body, "项目进展重点项目综合排名第二" + lead]
    assert [(p.paragraph, p.paragraph_end) for p in passages] == [(1, 1), (2, 4)]


def test_short_line_inside_a_sentence_does_not_open_a_passage() -> None:
    # a paragraph cut by the layout (no sentence end before the short line) stays together
    a = make_article(["会议指出，要在济源路9号院、九冶家属院", "鸿园小区、晨光社区", "等老旧小区加快改造。"])
    (p,) = chunk_article(make_bulletin((a,)), a)
    assert p.text == "会议指出，要在济源路9号院、九冶家属院鸿园小区、晨光社区等老旧小区加快改造。"


def test_sub_sections_of_002_start_their_own_passages(seeds: list[tuple[Bulletin, list[Passage]]]) -> None:
    _, passages = seeds[2]
    first = [p for p in passages if p.article_index == 0]
    starts = [p.text[:8] for p in first]
    assert "环保工作实行四包" in starts and "项目进展重点项目" in starts
    section = next(p for p in first if p.text.startswith("项目进展"))
    assert "市内六区排名第二" in section.text


def test_same_text_twice_in_a_bulletin_gets_one_passage() -> None:
    a1 = make_article(["区里召开会议，研究部署工作。"], title="甲")
    a2 = replace(a1, index=1, title="乙")
    b = make_bulletin((a1, a2))
    passages = chunk_bulletin(b)
    assert len(passages) == 1
    assert len({p.id for p in passages}) == 1


def test_same_text_in_two_bulletins_has_two_ids() -> None:
    a = make_article(["区里召开会议，研究部署工作。"])
    p1 = chunk_article(make_bulletin((a,)), a)[0]
    p2 = replace(p1, source="other.txt")
    assert p1.id != p2.id


def test_citation_prefers_issue_over_article_date() -> None:
    a = make_article(["区里召开会议。"], date="12-01")
    b = make_bulletin((a,), publisher="某某区融媒体中心", issue_no="第1期", issue_date="2022-01-05")
    (p,) = chunk_article(b, a)
    assert p.citation == "某某区融媒体中心 · 第1期 2022-01-05 · 《测试标题》 · 第1段"
    assert p.date == "12-01"  # the article's own date is what date filters see


def test_bulletin_without_district_or_publisher_is_named_by_file() -> None:
    text = "区里召开会议\n\n本报讯 5月3日，区里召开会议，研究部署下半年各项工作。\n\n记者 张三\n"
    b = parse_bulletin(read_bytes(text.encode(), "unnamed.txt"))
    assert b.district == "" and b.publisher == ""
    (p,) = chunk_bulletin(b)
    assert p.citation.startswith("unnamed.txt · 5月3日 · 《区里召开会议》")
