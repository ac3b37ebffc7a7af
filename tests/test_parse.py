"""Parsing the five seed bulletins: articles, titles, masthead, dates, bylines, sections and
layout line-break repair.

The expected segmentation below was written by reading each seed file (line numbers refer to
`cat -n seeds/<file>`), not by copying the parser's output; the tests then also check the
expectations against the text itself (every title is a printed line, nothing printed is lost).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.ingest import read_bulletin, read_bytes
from rag.models import Bulletin
from rag.parse import parse_bulletin

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"

S000 = "000_84ebe029d2cf1232.txt"
S001 = "001_ce332e30faf5f942.txt"
S002 = "002_bfa51a14580d3f3d.txt"
S003 = "003_d8be14a1bbace7a0.txt"
S004 = "004_5ae22829d223a388.txt"

# (title, other heading lines printed with it) for every article, in order
EXPECTED: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    S000: [
        ("二七区召开生态建设工作推进会", ("珍惜今冬明春关键时节,确保生态项目绿化建设完成",)),
        ("二七区组织党员干部观看廉政教育片", ()),  # under ■ 短讯
        ("区领导调研生态园林绿化工作", ("为郑州创建国家生态园林城市做出应有贡献",)),
        ("二七区坚决打赢秋冬季环境污染防治攻坚战", ("集全区之力 聚万众之心",)),  # kicker above the title
        ("二七区组织召开安委会第四次全体(扩大)会议", ()),
        ("团区委召开智慧团建工作推进会", ()),
        ("打通健康服务“最后一公里”", ("二七区将加大对基层卫生医疗服务的建设投入",)),
    ],
    S001: [
        ("全国工商联互查组莅临二七指导工作", ()),
        ("市委督导组调研二七区落实人大工作情况", ()),
        ("区领导会见武汉华侨城集团代表", ("“实现企地互赢,与群众共享成果”",)),
        ("二七区召开环保违法违规建设项目整改清理推进会", ("提高效率,推动清理整改工作深入开展",)),
        ("区领导一线督察贾鲁河综合治理工程进展情况", ()),
        ("二七区召开老家印象项目专题会议", ("发展特色产业 打造生态休闲二七",)),
        ("二七区召开马寨重点工作推进会议", ()),
        ("二七区持续发挥“大督察”工作效能 确保完成全年目标", ()),
    ],
    # one long report (lines 3-51) with two sub-sections, 环保工作 and 项目进展 ("当天上午" is the same
    # meeting), then the series 【落实党代会精神之二】: an introduction and one report per street
    S002: [
        (
            "二七区:涉及环保问题零容忍",
            ("经济发展和大气污染防治两手抓,两手都要硬", "两次督促整改仍然不到位,立即启动问责"),
        ),
        ("贯彻落实党代会精神 奋力谱写发展新篇章", ()),
        ("把区党代会精神与街道经济事业发展相结合", ("京广路街道",)),
        ("加快推进百年德化文化复兴工程建设", ("德化街街道",)),
        ("彰显街道特色,以全新的姿态再创新佳绩", ("五里堡街道",)),
    ],
    S003: [
        ("区领导调研五里堡街道棉纺东路“商户自治示范街” 为全区打造“为民城管”做积极贡献", ()),
        ("二七区召开中共二七区委 巡视整改工作领导小组会议", ()),
        ("二七区召开全区安全生产委员会第三次全体(扩大)会议 确保全区安全生产形势持续稳定", ()),
        ("区人大常委会召开 全区基层人大规范化建设 暨落实区委重点工作会议", ()),
        ("区领导带队督导尖岗水库水源地周边环境综合整治工作 对推进缓慢的单位和个人启动约谈、问责程序", ()),
        ("区领导督导 高砦农贸市场提升整治", ()),
        ("党员干部人手一册《郑州市文明行为促进条例》,带头学习并践行 努力让文明在二七区落地生根", ()),
    ],
    S004: [
        ("宋洁带队夜查全区大气污染防治工作 调研“断头路”打通、老旧小区改造等民生实事工作", ()),
        ("我区召开第十三届人大常委会第四十一次会议", ()),
        ("我区召开十一届区委第一轮巡察工作动员部署会", ()),
        # the front-page pointers to page two (导读), kept as one entry
        (
            "赵晨阳夜查大气污染防治工作、为学校师生讲思政课",
            ("挥毫泼墨扬正气 法治精神入人心", "我区举行“12.4”国家宪法日第四届法治现场交流笔会"),
        ),
        ("习近平向2021年“读懂中国”国际会议开幕式发表视频致辞", ()),
        ("我区召开新冠肺炎疫情防控指挥部工作会议", ()),
        ("我区收听收看全国、省、市城镇燃气安全排查整治动员部署电视电话会议", ()),
        ("市委党史学习教育领导小组调研我区“我为群众办实事”实践活动开展情况", ()),
        # 简讯: three ● items without headlines, titled by their first sentence
        ("我区举办职工技能培训班", ()),
        ("区人大常委会领导李向阳带队调研我区乡村振兴工作", ()),
        ("市联合视导组组长王付立带队检查我区校外培训机构专项治理工作", ()),
        ("我区召开健全完善核酸检测常态化机制和应急机制工作会议", ()),
    ],
}


def parse(name: str) -> Bulletin:
    return parse_bulletin(read_bulletin(SEEDS / name))


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.fixture(scope="module")
def bulletins() -> dict[str, Bulletin]:
    return {name: parse(name) for name in EXPECTED}


def test_the_expectations_cover_every_seed() -> None:
    assert sorted(p.name for p in SEEDS.glob("*.txt")) == sorted(EXPECTED)


# --- articles and titles ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_article_count(bulletins: dict[str, Bulletin], name: str) -> None:
    assert len(bulletins[name].articles) == len(EXPECTED[name])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_titles_and_heading_lines(bulletins: dict[str, Bulletin], name: str) -> None:
    got = [(a.title, a.subtitles) for a in bulletins[name].articles]
    assert got == EXPECTED[name]
    assert [a.index for a in bulletins[name].articles] == list(range(len(got)))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_headings_are_printed_lines(name: str) -> None:
    """The expectations themselves are checked against the file: each heading is a line of it."""
    lines = {ln.strip() for ln in (SEEDS / name).read_text(encoding="utf-8").splitlines()}
    items = [squash(ln) for ln in lines if ln.startswith("●")]
    for title, subs in EXPECTED[name]:
        for heading in (title, *subs):
            # item titles are the item's first sentence, after its date
            assert heading in lines or any(heading in item for item in items), heading


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_printed_text_is_lost(bulletins: dict[str, Bulletin], name: str) -> None:
    """Every printed line ends up in a heading, a paragraph, a byline, a section or the masthead."""
    b = bulletins[name]
    parts: list[str] = list(b.masthead)
    for a in b.articles:
        parts += [a.title, *a.subtitles, a.section, a.byline]
        parts += [p.text for p in a.paragraphs]
        # a byline printed at the end of a paragraph
        parts += [p.text + a.byline for p in a.paragraphs]
    blob = "\n".join(squash(x) for x in parts)
    for line in (SEEDS / name).read_text(encoding="utf-8").splitlines():
        text = squash(line).lstrip("■●").strip("【】")
        if text:
            assert text in blob, line


def test_every_paragraph_belongs_to_one_article(bulletins: dict[str, Bulletin]) -> None:
    for b in bulletins.values():
        for a in b.articles:
            assert a.source == b.source
            assert a.paragraphs, a.title
            assert all(p.text.strip() for p in a.paragraphs), a.title


def test_002_sub_sections_stay_in_their_report(bulletins: dict[str, Bulletin]) -> None:
    first = bulletins[S002].articles[0]
    texts = [p.text for p in first.paragraphs]
    assert "环保工作" in texts and "项目进展" in texts
    assert any(t.startswith("当天上午,会议通报了二七区1~7月重点项目") for t in texts)
    assert any("对23个未开工项目" in t for t in texts)
    # the series after it is not part of it
    assert not any("党代会" in t for t in texts)


def test_002_series_reports(bulletins: dict[str, Bulletin]) -> None:
    series = bulletins[S002].articles[1:]
    assert {a.section for a in series} == {"落实党代会精神之二"}
    assert series[1].paragraphs[0].text.startswith("7月11日上午,京广路街道")
    assert series[2].paragraphs[0].text.startswith("德化街街道结合辖区实际")
    assert series[3].paragraphs[0].text.startswith("7月11日,五里堡街道")


# --- masthead and district ------------------------------------------------------------------------


def test_masthead_of_004(bulletins: dict[str, Bulletin]) -> None:
    b = bulletins[S004]
    assert b.publisher == "郑州市上街区融媒体中心"
    assert b.district == "上街区"
    assert b.issue_no == "第35期(总第710期)"
    assert b.issue_date == "2021-12-04"
    assert b.label == "郑州市上街区融媒体中心 第35期(总第710期) 2021-12-04"
    assert b.masthead == (
        "郑州市上街区融媒体中心编印",
        "2021年12月",
        "4",
        "星期六",
        "辛丑年十一月初一",
        "河南省连续性内资",
        "【审郑州连】00015号",
        "第35期(总第710期)",
        "内部资料 免费交流",
        "监督电话 67183172",
    )


def test_masthead_lines_are_not_an_article(bulletins: dict[str, Bulletin]) -> None:
    b = bulletins[S004]
    assert b.articles[0].title.startswith("宋洁带队夜查")
    for a in b.articles:
        text = " ".join([a.title, *a.subtitles, *(p.text for p in a.paragraphs)])
        for line in ("编印", "星期六", "辛丑年", "连续性内资", "审郑州连", "监督电话", "内部资料"):
            assert line not in text, (a.title, line)


@pytest.mark.parametrize("name", [S000, S001, S002, S003])
def test_district_of_the_erqi_bulletins(bulletins: dict[str, Bulletin], name: str) -> None:
    b = bulletins[name]
    assert b.district == "二七区"
    # no masthead is printed: nothing is made up
    assert (b.publisher, b.issue_no, b.issue_date, b.masthead) == ("", "", "", ())


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "dates"),
    [
        (S000, ["11-22", "", "11-20", "11-23", "", "11-20", ""]),  # 本报讯 近日 has no date
        (S001, ["11-23", "11-14", "11-15", "11-21", "11-14", "11-16", "", ""]),
        (S002, ["", "", "07-11", "", "07-11"]),
        (S003, ["08-15", "08-10", "08-10", "08-09", "08-14", "08-09", "08-10"]),
        # the masthead says 2021, but the datelines print no year: none is invented
        (S004, ["", "12-01", "12-03", "", "12-02", "12-03", "12-02", "11-30", "12-02", "11-30", "12-02", "12-02"]),
    ],
)
def test_article_dates(bulletins: dict[str, Bulletin], name: str, dates: list[str]) -> None:
    assert [a.date for a in bulletins[name].articles] == dates


def test_datelines(bulletins: dict[str, Bulletin]) -> None:
    a000 = bulletins[S000].articles
    assert a000[0].dateline == "本报讯 11月22日上午"
    assert a000[1].dateline == "本报讯"
    assert bulletins[S001].articles[1].dateline == "11月14日下午"
    assert bulletins[S004].articles[1].dateline == "12月1日"


def _one_article(text: str) -> Bulletin:
    return parse_bulletin(read_bytes(text.encode("utf-8"), "t.txt"))


def test_a_printed_year_is_kept() -> None:
    b = _one_article(
        "区里召开防汛工作会议\n\n本报讯 2020年6月1日上午，区里召开防汛工作会议，部署防汛工作。\n\n记者 张三\n"
    )
    assert b.articles[0].date == "2020-06-01"
    assert b.articles[0].dateline == "本报讯 2020年6月1日上午"


def test_no_year_is_taken_from_the_masthead() -> None:
    text = (
        "某某区融媒体中心编印\n2022年1月\n5\n第1期\n\n"
        "区里召开年终总结会议\n\n12月28日，区里召开年终总结会议，总结全年工作。\n\n(记者 张三)\n"
    )
    b = _one_article(text)
    assert b.issue_date == "2022-01-05"
    assert b.articles[0].date == "12-28"


def test_impossible_date_is_not_a_date() -> None:
    b = _one_article("区里召开会议\n\n13月45日，区里召开会议，研究部署工作。\n\n记者 张三\n")
    assert b.articles[0].date == ""


# --- bylines ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "index", "reporters", "byline"),
    [
        (S000, 0, ("景静",), "记者 景静"),  # trailing the last paragraph
        (S000, 3, ("景静", "郭佳星"), "记者 景静 通讯员 郭佳星"),  # a line of its own
        (S001, 1, ("范光华", "乐风海"), "记者 范光华 通讯员 乐风海"),
        (S002, 0, ("范光华", "郭佳星"), "记者 范光华 通讯员 郭佳星"),  # after the lead paragraph
        (S002, 1, ("闫娜娜", "尹营营", "李莹瑛"), "通讯员 闫娜娜 尹营营 李莹瑛"),
        (S003, 0, ("景静",), "记者 景静 文/图"),
        (S004, 0, ("蔡肇娥", "冯佳雯", "王少春", "孙畅", "王浩"), "(记者 蔡肇娥 冯佳雯 王少春 孙畅 王浩)"),
        (S004, 5, ("蔡肇娥", "李郑阳", "罗浩"), "(记者 蔡肇娥 李郑阳 罗浩)"),
        (S004, 4, (), "(来源：新华社)"),  # an agency, not reporters
        (S004, 8, ("李清媛", "王浩"), "(记者 李清媛 王浩)"),  # the byline of a ● item
    ],
)
def test_reporters(
    bulletins: dict[str, Bulletin], name: str, index: int, reporters: tuple[str, ...], byline: str
) -> None:
    a = bulletins[name].articles[index]
    assert a.reporters == reporters
    assert a.byline == byline


def test_bylines_are_not_body_text(bulletins: dict[str, Bulletin]) -> None:
    for b in bulletins.values():
        for a in b.articles:
            for p in a.paragraphs:
                assert not re.search(r"记者\s+\S{2,3}\s*(通讯员\s+\S{2,3})?\)?$", p.text), p.text
                assert not p.text.startswith(("(记者", "记者 ", "通讯员 ")), p.text


def test_byline_in_parentheses_with_full_width_colon() -> None:
    b = _one_article("区里召开会议\n\n5月3日，区里召开会议，研究部署下半年各项工作。\n\n（记者：李四 王五）\n")
    assert b.articles[0].reporters == ("李四", "王五")


# --- sections ------------------------------------------------------------------------------------


def test_sections(bulletins: dict[str, Bulletin]) -> None:
    a000 = bulletins[S000].articles
    assert a000[1].section == "短讯"  # ■ 短讯 heads the report after it
    assert a000[0].section == ""
    a004 = bulletins[S004].articles
    assert [a.section for a in a004[8:11]] == ["简讯"] * 3  # 简讯 then three ● items
    assert a004[11].section == ""  # a headed report after the items is not a brief
    assert a004[3].section == "导读"
    assert all(a.section == "" for i, a in enumerate(a004) if i not in (3, 8, 9, 10))


def test_brief_items_are_one_article_each(bulletins: dict[str, Bulletin]) -> None:
    items = bulletins[S004].articles[8:11]
    assert [len(a.paragraphs) for a in items] == [1, 1, 1]
    assert items[0].paragraphs[0].text.startswith("12月2日，我区举办职工技能培训班。")
    assert not items[0].paragraphs[0].text.startswith("●")
    assert items[0].paragraphs[0].raw.startswith("●")


# --- line-break repair ---------------------------------------------------------------------------


def test_cut_word_is_joined_and_raw_kept(bulletins: dict[str, Bulletin]) -> None:
    paras = bulletins[S000].articles[0].paragraphs
    p = next(p for p in paras if "设单位" in p.text)
    assert "项目建设单位、属地单位" in p.text
    assert p.text.startswith("三是要密切配合,协同联动。项目建设单位")
    assert "项目建\n\n设单位" in p.raw
    assert "项目建\n" not in p.text
    # four numbered points, four paragraphs after the lead
    assert [p.text[:2] for p in paras] == ["本报", "二七", "二是", "三是", "四是"]


@pytest.mark.parametrize(
    ("name", "index", "joined"),
    [
        (S000, 0, "各项工作要统筹安排、提前谋划"),  # cut after 、
        (S000, 2, "对项目的讲解及工作推进情况。"),  # a long line cut inside a word
        (S000, 3, "大气污染防治工作,二七区长苏建设指出"),  # the next line starts 作,
        (S001, 7, "的工作机制,分门别类建立了"),  # cut after ,
        (S003, 6, "宣教育方案》。"),
        (S004, 4, "团结带领中国人民"),
    ],
)
def test_more_cut_lines_are_joined(bulletins: dict[str, Bulletin], name: str, index: int, joined: str) -> None:
    a = bulletins[name].articles[index]
    assert any(joined in p.text for p in a.paragraphs), [p.text[:30] for p in a.paragraphs]


def test_text_is_the_raw_text_without_layout_breaks(bulletins: dict[str, Bulletin]) -> None:
    for b in bulletins.values():
        for a in b.articles:
            for p in a.paragraphs:
                assert "\n" not in p.text
                assert squash(p.text) in squash(p.raw), p.raw


def test_headlines_are_not_glued_to_the_paragraph_before(bulletins: dict[str, Bulletin]) -> None:
    """No printed heading line was joined to a paragraph as if the layout had cut a sentence."""
    for name, expected in EXPECTED.items():
        headings = {h for title, subs in expected for h in (title, *subs)}
        for a in bulletins[name].articles:
            for p in a.paragraphs:
                raw_lines = {ln.strip() for ln in p.raw.split("\n")}
                if len(raw_lines - {""}) > 1:
                    assert not headings & raw_lines, (p.raw[:60], headings & raw_lines)


def test_headline_after_unfinished_paragraph_stays_a_line_of_its_own() -> None:
    # the first report stops without punctuation (continued on another page); the next headline
    # must not become the end of its sentence
    text = (
        "区里召开防汛工作会议\n\n"
        "本报讯 6月1日，区里召开防汛工作会议，要求各单位做好准备。会议强调，要压实责任，确保安全度汛\n\n"
        "区长调研城市管理工作\n\n"
        "本报讯 6月2日，区长李四到街道调研城市管理工作，要求加强管理。\n"
    )
    b = _one_article(text)
    assert [a.title for a in b.articles] == ["区里召开防汛工作会议", "区长调研城市管理工作"]
    assert b.articles[0].paragraphs[-1].text.endswith("确保安全度汛")


def test_headline_after_byline_starts_a_new_article() -> None:
    text = (
        "区里召开防汛工作会议\n\n本报讯 6月1日，区里召开防汛工作会议，要求各单位做好准备。\n\n记者 张三\n\n"
        "区长调研城市管理工作\n\n区长李四到街道调研城市管理工作，要求加强管理。\n\n记者 王五\n"
    )
    b = _one_article(text)
    assert [a.title for a in b.articles] == ["区里召开防汛工作会议", "区长调研城市管理工作"]
    assert [a.reporters for a in b.articles] == [("张三",), ("王五",)]


def test_full_width_spaces_are_cleaned() -> None:
    b = _one_article(
        "\u3000\u3000区里召开会议\n\n\u3000\u3000本报讯 5月3日，区里召开会议，研究部署各项工作。\n\n记者 张三\n"
    )
    a = b.articles[0]
    assert a.title == "区里召开会议"
    assert a.paragraphs[0].text.startswith("本报讯")
