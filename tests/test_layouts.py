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
from rag.ingest import RawBulletin, read_bulletin
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


# --- layouts seen in more papers: invented snippets, one test per kind ----------------------------


def parse_text(text: str) -> Bulletin:
    return parse_bulletin(RawBulletin(source="snippet.txt", text=text, encoding="utf-8", sha256="0" * 64))


def heads(b: Bulletin) -> list[str | None]:
    return [None if a.title_from_body else a.title for a in b.articles]


PAGED_PAPER = """柳林报
LIULIN BAO
中共柳林县委主管主办
2022年9月6日 星期二
第18期
本期4版

第1版　要闻

县委召开全会部署秋冬季重点工作

　　9月5日，中共柳林县委召开全体会议，听取秋冬季重点工作安排的汇报。会议要求，各级各部门要紧盯年度目标，
确保各项任务按期完成。

（记者 孔明亮）

第2版 综合

　　9月2日，县文化馆举办秋季书画展，展出本地作者书画作品120余幅。展览将持续至9月20日。（田甜）

　　近日，县交通运输局完成城乡公交线路优化调整，新开通线路3条，惠及沿线群众2万余人。（吴越）

　　9月以来，黄土镇组织农技人员深入田间地头，指导农户开展秋收秋种工作。（马莉）

第3版　民生

　　9月3日，县人民医院开设老年病专科门诊，每周一至周五接诊，方便老年患者就近看病。

　　9月4日，县图书馆新增自助借还设备4台，读者可凭身份证件借阅图书。

　　近日，县供电公司完成城区12个台区改造，居民用电更加稳定可靠。

中共柳林县委机关报
柳林报社出版
"""


def test_page_labels_and_masthead_lines_are_never_titles() -> None:
    b = parse_text(PAGED_PAPER)
    assert (b.publisher, b.issue_date, b.issue_no) == ("柳林报", "2022-09-06", "第18期")
    assert heads(b) == ["县委召开全会部署秋冬季重点工作", None, None, None, None, None, None]
    texts = [t for a in b.articles for t in (a.title, *a.subtitles, *(p.text for p in a.paragraphs))]
    assert not [t for t in texts if re.search(r"第\d版|机关报|报社出版|主管主办|LIULIN|本期", t)]
    assert [a.section for a in b.articles] == ["要闻", "综合", "综合", "综合", "民生", "民生", "民生"]


def test_headline_less_briefs_are_one_article_each() -> None:
    b = parse_text(PAGED_PAPER)
    starts = [a.paragraphs[0].text[:6] for a in b.articles[1:]]
    assert starts == ["9月2日，县", "近日，县交通", "9月以来，黄", "9月3日，县", "9月4日，县", "近日，县供电"]
    assert all(len(a.paragraphs) == 1 for a in b.articles[1:])
    assert [a.reporters for a in b.articles[1:4]] == [("田甜",), ("吴越",), ("马莉",)]
    assert b.articles[3].title.startswith("黄土镇组织农技人员")  # 9月以来 is no part of the title


def test_a_long_report_under_a_section_is_not_cut_into_briefs() -> None:
    long = "9月3日，县人民医院开设老年病专科门诊。" + "门诊配备专科医生和护士，提供评估、诊疗和随访服务。" * 20
    b = parse_text(f"第3版　民生\n\n{long}\n\n9月4日，首批120名患者完成了评估。\n")
    assert len(b.articles) == 1


BRIEFS = """■ 简讯

1. 9月1日，县一中举行新生开学典礼，1200名新生正式入学。（记者 孔明亮）

2. 城南镇完成秋季征兵报名
9月2日，城南镇完成秋季征兵网上报名工作，共有86名适龄青年报名。（通讯员 林海）

3. 9月3日，县消防救援大队在城北小区开展高层建筑灭火演练。（通讯员 林海）
"""


def test_a_numbered_brief_with_a_headline_loses_its_number() -> None:
    b = parse_text(BRIEFS)
    assert heads(b)[1] == "城南镇完成秋季征兵报名"
    assert len(b.articles) == 3
    assert [a.section for a in b.articles] == ["简讯"] * 3
    assert b.articles[2].paragraphs[0].text.startswith("9月3日，县消防")


WEB_COPY = """梅溪区召开优化营商环境推进会
上一篇：梅溪区开展消防演练 下一篇：梅溪区举办春季招聘会
作者：李华  来源：梅溪区融媒体中心  发布时间：2023-03-08 10:00

3月7日下午，梅溪区召开优化营商环境推进会，通报去年全区营商环境评价情况，部署今年重点任务。

会议要求，各部门要对标先进地区，持续压缩审批时限，提升企业办事便利度。

来源：梅溪区融媒体中心  发布时间：2023-03-08 15:20

3月8日上午,梅溪区组织开展春季义务植树活动,区领导与干部群众200余人参加,共栽种苗木1500余株。

据悉,今年全区计划完成义务植树10万株。

梅溪区举办春季招聘会
来源：梅溪区融媒体中心  发布时间：2023-03-09 09:00

3月9日,梅溪区春季招聘会在区体育馆举行,86家企业提供岗位2100余个。

（记者 王强）

3月9日下午,梅溪区召开春季森林防火工作会议,部署清明前后森林防火工作。
"""


def test_web_chrome_between_headline_and_text_keeps_the_headline() -> None:
    b = parse_text(WEB_COPY)
    assert heads(b) == ["梅溪区召开优化营商环境推进会", None, "梅溪区举办春季招聘会", None]
    assert b.articles[0].paragraphs[0].text.startswith("3月7日下午")
    assert b.articles[0].date == "03-07"


def test_a_dated_paragraph_after_a_finished_report_starts_another() -> None:
    b = parse_text(WEB_COPY)
    assert b.articles[1].paragraphs[0].text.startswith("3月8日上午,梅溪区")  # half-width comma
    assert len(b.articles[1].paragraphs) == 2  # 据悉 continues it
    assert b.articles[1].date == "03-08"
    assert b.articles[1].title.startswith("梅溪区组织开展春季义务植树活动")
    assert b.articles[3].paragraphs[0].text.startswith("3月9日下午,梅溪区")


@pytest.mark.parametrize(
    ("group", "title"),
    [
        (
            '关爱"一小" 守护"成长路"\n城西街道为留守儿童建成12个"成长驿站"\n——街道妇联联合社区打造家门口的课后服务点',
            '城西街道为留守儿童建成12个"成长驿站"',
        ),
        ("守护绿水青山 共建美丽家园\n县生态环境局开展夏季环境执法检查", "县生态环境局开展夏季环境执法检查"),
        ("绘就乡村振兴新画卷\n桃源镇召开美丽乡村建设现场推进会", "桃源镇召开美丽乡村建设现场推进会"),
        ("县医保局出台五项便民措施\n——参保群众住院报销比例提高5个百分点", "县医保局出台五项便民措施"),
    ],
)
def test_the_title_is_the_headline_stating_the_news(group: str, title: str) -> None:
    b = parse_text(f"{group}\n\n本报讯 近日，相关工作取得新进展，群众反映良好，各项措施正在落实之中。\n")
    assert heads(b) == [title]
    assert set(b.articles[0].subtitles) == set(group.split("\n")) - {title}


BRIEF_WITH_RULES = """今日柳林
柳林县融媒体中心编印                  2022年9月30日
━━━━━━━━━━━━━━━━━━━━━━━━━━━━

县里召开秋季安全生产工作会议

　　9月28日，县里召开秋季安全生产工作会议，部署国庆期间安全防范工作。

━━━━━━━━━━━━━━━━━━━━━━━━━━━━
报：县委办公室、县政府办公室
送：县直有关部门
发：各乡镇、各村（社区）                （共印50份）
"""


def test_box_rules_and_the_distribution_list_are_no_text() -> None:
    b = parse_text(BRIEF_WITH_RULES)
    assert (b.publisher, b.issue_date) == ("今日柳林", "2022-09-30")
    assert heads(b) == ["县里召开秋季安全生产工作会议"]
    assert [p.text[:5] for p in b.articles[0].paragraphs] == ["9月28日"]


def test_edition_lines_belong_to_the_masthead(parsed: dict[str, Bulletin]) -> None:
    b = parsed["daily_notices.txt"]
    assert b.masthead[-1] == "第112期（总第3390期） 今日4版"
    assert heads(b)[0] == "区政府召开第四十二次常务会议"
    # the page label with the page's staff credits names the section and is no text
    assert b.articles[0].section == "要闻"
    texts = [t for a in b.articles for t in (a.title, *a.subtitles, *(p.text for p in a.paragraphs))]
    assert not [t for t in texts if re.search(r"今日\d版|第\d版|校对|邵雨桐", t)]
    for line, issue in [
        ("第7期（总第1207期）　本期共8版", "第7期（总第1207期）"),
        ("今日十六版　第58期", "第58期"),
        ("总第6217期　A1版　责任编辑：温岚", "总第6217期"),
    ]:
        paper = parse_text(f"澄川日报\n2024年3月22日　星期五\n{line}\n\n{NOTICE_AFTER_REPORT}")
        assert (paper.issue_no, heads(paper)[0]) == (issue, "区政府召开第九次常务会议"), line


NOTICE_AFTER_REPORT = """区政府召开第九次常务会议

　　本报讯 3月20日，区政府召开第九次常务会议，研究春季农业生产工作。

区人民政府公告
（第2号）

　　因城市道路改造，自4月1日起，滨河路（人民路至新华路段）封闭施工，请过往车辆绕行。

　　特此公告。

澄川区人民政府
2024年3月21日
"""


def test_a_notice_under_its_headline_is_an_article_of_its_own(parsed: dict[str, Bulletin]) -> None:
    arts = parsed["daily_notices.txt"].articles
    notice = arts[1]
    texts = [p.text for p in notice.paragraphs]
    # its appointments and removals and its signature (the body, then the date) belong to it
    assert texts[1].startswith("任命：") and texts[3].startswith("免去：")
    assert texts[-2:] == ["松岚区人民代表大会常务委员会", "二〇二三年九月十五日"]
    assert not [t for t in (p.text for p in arts[0].paragraphs) if "任命" in t or "常务委员会" in t]
    # a signature on one line closes the 公示; the report after it is one of its own
    assert arts[3].paragraphs[-1].text == "松岚区精神文明建设委员会办公室 2023年9月18日"
    assert arts[4].paragraphs[0].text.startswith("记者从区文化和旅游局获悉")
    b = parse_text(NOTICE_AFTER_REPORT)
    assert heads(b) == ["区政府召开第九次常务会议", "区人民政府公告"]
    assert b.articles[1].subtitles == ("（第2号）",)
    assert [p.text[:4] for p in b.articles[1].paragraphs] == ["因城市道", "特此公告", "澄川区人", "2024"]
    assert b.articles[1].date == "2024-03-21"
    # a list printed without punctuation, 特此公告 without its full stop: still the notice's own lines
    b = parse_text(NOTICE_AFTER_REPORT.replace("特此公告。", "特此公告") + UNPUNCTUATED_LIST)
    assert heads(b) == ["区政府召开第九次常务会议", "区人民政府公告", "任免名单", "县里召开春季植树动员会"]
    assert b.articles[1].paragraphs[-3].text == "特此公告"
    assert [p.text for p in b.articles[2].paragraphs] == [
        "任命：",
        "张三为区财政局局长",
        "李四为区审计局局长",
        "免去：",
        "王五的区财政局局长职务",
        "区人大常委会",
        "二〇二四年三月二十日",
    ]
    assert b.articles[2].date == "2024-03-20"


UNPUNCTUATED_LIST = """
任免名单

任命：
张三为区财政局局长
李四为区审计局局长
免去：
王五的区财政局局长职务

区人大常委会
二〇二四年三月二十日

县里召开春季植树动员会

　　3月22日，县里召开春季植树动员会，部署全年国土绿化工作。
"""


def test_a_date_under_a_headline_is_no_signature() -> None:
    # a web page copy prints the date under each headline: that headline has its report under it
    text = (
        "区政府召开第九次常务会议\n\n　　3月20日，区政府召开常务会议，研究春季农业生产工作。\n\n"
        "全区春季农业生产推进会\n2024年3月21日\n\n　　3月21日，全区春季农业生产推进会召开，部署春耕备耕工作。\n"
    )
    b = parse_text(text)
    assert heads(b) == ["区政府召开第九次常务会议", "全区春季农业生产推进会"]
    assert len(b.articles[0].paragraphs) == 1


# --- a PDF copy hard-wrapped at varying widths, with page turns; a government portal's column ------
DATA = Path(__file__).resolve().parent / "data"
PAGE_CHROME = re.compile(r"责任编辑|校对|—\d—|第\d版|下转|上接|柳岸报|LIUAN|CN\s*41|总第|导读|星期")
PORTAL_CHROME = re.compile(r"门户网站|首页|网站地图|上一篇|下一篇|发布日期|浏览次数|字号|打印本页|分享到|主办：")


@pytest.fixture(scope="module")
def pdf_pages() -> Bulletin:
    return parse_bulletin(read_bulletin(DATA / "pdf_ragged_pages.txt"))


@pytest.fixture(scope="module")
def portal() -> Bulletin:
    return parse_bulletin(read_bulletin(DATA / "portal_column.txt"))


def all_texts(b: Bulletin) -> list[str]:
    return [t for a in b.articles for t in (a.title, *a.subtitles, *(p.text for p in a.paragraphs))]


def test_a_spaced_out_masthead_with_its_pinyin_and_contents_line_is_read(pdf_pages: Bulletin) -> None:
    b = pdf_pages
    assert (b.publisher, b.district, b.issue_date, b.issue_no) == ("柳岸报", "柳岸县", "2023-10-20", "总第902期")
    assert b.masthead[0] == "柳岸报" and b.masthead[-1].startswith("本期导读：")
    assert not [t for t in all_texts(b) if PAGE_CHROME.search(t)]


def test_a_pdf_copy_wrapped_at_varying_widths_is_one_paragraph_a_paragraph(pdf_pages: Bulletin) -> None:
    assert heads(pdf_pages) == [
        "县政府召开第十八次常务会议",
        "柳岸县与北原农业大学共建实践基地",
        "老街菜市场改造完工",
        "县图书馆新增自助借还设备",
        "2023年度柳岸县“最美家庭”名单公布",
    ]
    first = [p.text for p in pdf_pages.articles[0].paragraphs]
    assert first[0] == (
        "本报讯（记者 韩秋岭）10月18日，县长田牧原主持召开县政府第十八次常务会议，"
        "研究部署冬季供暖、农村道路养护等工作。"
    )
    # a clause list (…稳定供暖；要…) and a sentence opening with 记者 go on in the next line
    assert first[1].startswith("会议指出") and first[1].endswith("做好极端天气应急预案。")
    assert first[2] == "记者在县热力公司看到，检修人员正在逐段排查老旧管道，更换阀门和保温层。"
    assert len(first) == 5
    for a in pdf_pages.articles:
        assert all(p.text.endswith(("。", "”")) for p in a.paragraphs), [p.text[-10:] for p in a.paragraphs]


def test_over_and_sub_headlines_are_subtitles_of_the_headline(pdf_pages: Bulletin) -> None:
    a = pdf_pages.articles[0]
    assert a.title == "县政府召开第十八次常务会议"
    assert a.subtitles == ("聚焦民生实事 提升群众获得感", "——研究部署冬季供暖和农村道路养护工作")
    assert a.reporters == ("韩秋岭",)


def test_a_report_runs_on_over_a_page_turn(pdf_pages: Bulletin) -> None:
    jumped = [p.text for p in pdf_pages.articles[1].paragraphs]  # (下转第2版) … (上接第1版)
    assert len(jumped) == 3 and jumped[1].startswith("县农业农村局负责人介绍")
    cut = [p.text for p in pdf_pages.articles[2].paragraphs]  # cut mid-sentence by the page turn
    assert len(cut) == 1 and "年底前再完成2个乡镇菜市场的升级改造，进一步方便群众日常生活。" in cut[0]
    assert "\n\n" in pdf_pages.articles[2].paragraphs[0].raw and "—2—" not in pdf_pages.articles[2].paragraphs[0].raw


def test_numbered_briefs_lose_their_number_and_keep_their_section(pdf_pages: Bulletin) -> None:
    briefs = pdf_pages.articles[3:]
    assert [a.section for a in briefs] == ["简讯", "简讯"]
    assert [a.paragraphs[0].text[:4] for a in briefs] == ["近日，县", "日前，县"]
    assert all(len(a.paragraphs) == 1 for a in briefs)


def test_a_portal_column_has_no_site_chrome_in_its_articles(portal: Bulletin) -> None:
    assert heads(portal) == ["河湾乡举办秋季农产品展销会", "关于2023年度柳岸县“优秀志愿者”拟表彰人选的公示"]
    assert not [t for t in all_texts(portal) if PORTAL_CHROME.search(t)]
    # every page names the same source: the column's publisher, dated by its latest page
    assert (portal.publisher, portal.issue_date, portal.issue_no) == ("柳岸县融媒体中心", "2023-10-19", "")
    assert portal.masthead == ("柳岸县人民政府门户网站",)
    assert [a.date for a in portal.articles] == ["10-18", "2023-10-18"]


def test_a_notice_and_the_list_it_announces_are_one_article(portal: Bulletin) -> None:
    texts = [p.text for p in portal.articles[1].paragraphs]
    assert texts[0].endswith("现予以公示。")
    assert texts[1] == "拟表彰人选名单（按姓氏笔画排序）"
    assert texts[2].startswith("序号 姓名 单位 1 马小川") and texts[2].endswith("城关镇南关村")
    assert texts[3].startswith("公示时间：")
    assert texts[-2:] == ["柳岸县志愿服务工作领导小组办公室", "2023年10月18日"]


def test_a_column_of_pages_from_several_sources_has_no_publisher() -> None:
    page = "{t}\n来源：{s}  发布时间：2023-05-0{d} 09:00\n{t}的工作于5月{d}日完成，共有{d}个单位参加。\n"
    b = parse_text(
        page.format(t="城东街道召开安全会议", s="城东街道", d=1) + page.format(t="县里举行培训", s="县人社局", d=2)
    )
    assert (b.publisher, b.issue_date) == ("", "")
    assert heads(b) == ["城东街道召开安全会议", "县里举行培训"]


# --- a street account's tagged notices and an OCR'd scan (tests/data/account_notices.txt, ocr_scan.txt)

DATA = Path(__file__).resolve().parent / "data"


def _parse_data(name: str) -> Bulletin:
    return parse_bulletin(read_bulletin(DATA / name))


def test_account_notices_tagged_items_are_articles() -> None:
    b = _parse_data("account_notices.txt")
    assert [a.title for a in b.articles] == [
        "关于石榴巷片区临时停气的通知",
        "柳湾街道2025年春季义务植树活动报名公告",
        "柳湾街道夜间应急服务电话一览（请收藏）",
        "柳湾社区举办春季健康讲座",
    ]
    assert [a.section for a in b.articles] == ["通知", "公告", "便民", "动态"]
    assert [squash(a.paragraphs[0].text)[:8] for a in b.articles] == [
        "辖区各单位、广大",
        "为倡导绿色生活，",
        "为方便居民夜间办",
        "3月1日上午，柳",
    ]
    # the share prompt closing the account's text is no article, nor part of the last one
    assert "转发" not in "".join(p.text for p in b.articles[-1].paragraphs)


def test_account_notices_signature_and_contacts_stay_with_the_notice() -> None:
    b = _parse_data("account_notices.txt")
    first, second = b.articles[0], b.articles[1]
    texts = [p.text for p in first.paragraphs]
    assert texts[-2:] == ["柳湾街道办事处", "2025年3月4日"]
    assert any(t.startswith("咨询电话：6612 3001，联系人：韦老师") for t in texts)
    assert first.date == "2025-03-04" and second.date == "2025-03-04"
    assert "柳湾街道办事处" not in [a.title for a in b.articles]


def test_account_notices_masthead() -> None:
    b = _parse_data("account_notices.txt")
    assert b.publisher == "柳湾街道办事处"  # the account's organisation, as it signs its notices
    assert b.issue_date == "2025-03-04"
    assert b.district == "青港区"


def test_ocr_scan_articles_and_titles() -> None:
    b = _parse_data("ocr_scan.txt")
    assert [a.title for a in b.articles] == [
        "区政府召开第三十次常务会议",
        "区住建局召开2025年城市更新项目集中开工暨现场推进会",  # one headline split over two lines
        "区图书馆举办世界读书日系列活动 全民阅读进万家",
        "“春风行动”招聘会提供岗位两千余个",  # after a blank line only, no dateline or marker
        "区档案馆新馆开馆",  # a brief's headline printed inline before its dated text
        "石湾镇油菜花节开幕",
    ]
    assert [a.section for a in b.articles][:3] == ["要闻", "", "社会"]
    assert b.articles[4].section == "简讯"
    assert b.articles[4].paragraphs[0].text.startswith("4月10日,区档案馆新馆")
    assert b.articles[3].paragraphs[0].text.startswith("4月12日，区人力资源")
    # the running header of page 3 is page chrome, never text or a title
    assert not any("石湾区报" in p.text for a in b.articles for p in a.paragraphs)


def test_ocr_scan_text_reads_without_stray_spaces() -> None:
    b = _parse_data("ocr_scan.txt")
    text = "\n".join(p.text for p in b.articles[0].paragraphs)
    assert "区长管振华主持会议，副区长钟立出席会议" in text
    assert "要加快推进前期工作" in text and "区教育局关于" in text
    assert "2025年城区道路" in text and "2O25" not in text  # O read for 0 inside a number
    assert "改造1 2条" in text  # spaces between digits are kept
    # what was printed is kept for display
    assert "管 振 华" in "".join(p.raw for p in b.articles[0].paragraphs)
    assert b.articles[0].reporters == ("伍思远", "谈一帆")


def test_ocr_scan_masthead() -> None:
    b = _parse_data("ocr_scan.txt")
    assert (b.publisher, b.issue_date, b.district) == ("石湾区报", "2025-04-18", "石湾区")


# --- more kinds of layouts (tests/data/layouts/kinds): invented files, the gold written by hand ----
# each article: its title (None: no headline printed), how its first paragraph starts, and where
# given its section, date and reporters

KINDS = LAYOUTS / "kinds"
KIND_GOLD: dict[str, dict[str, Any]] = {
    # an e-paper's text export: 第01版：要闻 page labels, an over-headline (引题) over the headline and a
    # ——sub-headline under it, photo captions between paragraphs, the page's 本版责编 line, and a
    # report that breaks off (下转第2版) and goes on after the next page's label (上接第1版)
    "epaper_kickers.txt": {
        "masthead": ("枫桥区报", "枫桥区", "2024-09-12", "第36期（总第1208期）"),
        "articles": [
            ("枫桥区三季度重大项目集中开工", "本报讯（记者 罗晓川 通讯员", {"section": "要闻", "date": "09-10"}),
            ("枫桥区新建12个社区嵌入式服务站点", "本报讯（记者 安若溪）日前", {"reporters": ["安若溪"]}),
            ("白鹭镇举办首届稻田音乐节", "本报讯（通讯员 顾宛如）9月", {"section": "综合", "date": "09-07"}),
            ("枫桥区开展秋季校园食品安全检查", "本报讯（记者 罗晓川）9月9", {"date": "09-09"}),
            ("区交警大队在38所学校周边设立“护学岗”", "本报讯（通讯员 麦子涵）开学", {"section": "民生"}),
        ],
    },
    # a news app's Markdown export: ## and ** headlines, ![图片](…) images, 来源：X | date lines,
    # 编辑/审核 and 一审/二审/三审 credits, 阅读原文 / 往期推荐 with its links / 点击蓝字 关注我们
    "app_markdown.txt": {
        "masthead": ("今日松溪", "松溪县", "2024-09-12", ""),
        "articles": [
            ("松溪县召开秋季森林防火工作部署会", "9月11日下午，松溪县召开秋", {"date": "09-11"}),
            ("杉坪乡“共享菜园”让闲置地变身“幸福园”", "近日，杉坪乡将村庄周边的闲置", {"date": "2024-09-11"}),
            ("松溪县2024年秋季征兵体检工作启动", "9月9日，松溪县2024年秋", {"date": "09-09"}),
        ],
    },
    # a portal's pages copied with their HTML: <p> tags, &nbsp; indents, 标题：… lines, 字号：大 中 小,
    # 责任编辑 closers, 【打印】【关闭】, ———— rules between pages and the site's 版权所有 footer
    "portal_html.txt": {
        "masthead": ("", "岚湾区", "", ""),
        "articles": [
            ("石岭街道举办“邻里节”系列活动", "9月8日，石岭街道在文体广场", {"date": "09-08"}),
            ("岚湾区启动老旧电梯更新改造工程", "近日，岚湾区启动2024年老", {"date": "2024-09-09"}),
            ("岚湾区2024年上半年经济运行情况", "上半年，岚湾区实现地区生产总", {"date": "2024-09-06"}),
            ("关于2024年秋季学期义务教育阶段学校招生的公告", "根据市教育局有关规定", {"date": "2024-09-02"}),
        ],
    },
    # a weekly 政务信息 digest: two offices 编 on the masthead line, an 编者按 over the items, headlines
    # printed on the item's line (◆【标题】正文… / ▲标题。正文…), the distribution list 报：… 送：… 发：…
    "govinfo_digest.txt": {
        "masthead": ("政务信息", "桐屿县", "2024-09-13", "第19期"),
        "articles": [
            ("县发改局“三张清单”推动项目落地", "【编者按】今年以来", {}),
            ("岭下镇探索“土地托管”助农增收", "岭下镇引导农户将承包地托管给", {}),
            ("县卫健局开展“健康送下乡”巡回义诊", "8月以来，县卫健局组织县级医", {}),
            ("县人社局举办秋季专场招聘会", "9月6日，县人社局在县人力资", {"date": "09-06"}),
        ],
    },
    # news account pages copied from a phone and a site: 原创 … 发表于 lines (the account and date of
    # the first one are the masthead), 收录于合集, the account's
    # buttons (预览时标签不可点 / 微信扫一扫 / 写留言), 客户端…讯 and 本网讯 datelines, 文字：X 图片：Y credits,
    # a 稿件来源： label whose value is on the next line, 分享： and 友情链接：
    "wechat_export.txt": {
        "masthead": ("梅岭发布", "梅岭区", "2024-09-12", ""),
        "articles": [
            ("梅岭区召开重点项目“百日攻坚”推进会", "新梅岭客户端9月12日讯（记", {"reporters": ["卓雅琪"]}),
            ("梅岭区首家“老年助餐点”在桂花社区开张", "本网讯 9月10日，梅岭区首", {"date": "09-10"}),
            ("梅岭区举办2024年秋季“人才夜市”", "9月8日晚，梅岭区2024年", {"date": "09-08"}),
        ],
    },
    # a daily with its name, date and issue on one line, the first page's label after the edition
    # (今日4版　第1版：要闻), a notice's headline over a note in brackets, and features whose headlines
    # name their subject before a colon after a finished report
    "daily_profiles.txt": {
        "masthead": ("桂塘日报", "桂塘区", "2024-10-10", "第2218期"),
        "articles": [
            ("区十七届人大常委会举行第十九次会议", "本报讯（记者 齐望舒）10月9日", {"section": "要闻"}),
            ("桂塘区人民代表大会常务委员会任免名单", "任命温景行为桂塘区财政局局长", {}),
            ("区政府召开秋冬季安全生产工作会议", "本报讯（记者 齐望舒）10月8日", {"date": "10-08"}),
            ("乡村医生卢春芽：守护山村三十年", "清晨七点，卢春芽", {}),
            ("返乡青年欧阳帆：把山货卖到全国", "在云岭镇电商服务中心", {}),
        ],
    },
    # a statistics office's digest: reports with no dateline, one after another, a table's rows
    # (no punctuation) inside the first; a headline after a finished report opens the next one
    "stats_digest.txt": {
        "masthead": ("洪岭统计信息", "洪岭区", "2024-09-20", "2024年第8期"),
        "articles": [
            ("1—8月全区经济运行情况", "今年以来，全区上下坚持", {}),
            ("全区人口变动情况", "据抽样调查推算", {}),
        ],
    },
    # a speech: its title, the date in brackets and the speaker under it, numbered sections
    # (一、… / （一）…) that are all one article
    "speech.txt": {
        "masthead": ("", "", "", ""),
        "articles": [("在全区经济工作会议上的讲话", "同志们：", {})],
    },
    # an e-paper's fields exported with their labels (引题： / 主标题： / 副题： / 作者：), pages labelled
    # 第A01版：要闻 and 【第A02版】综合
    "epaper_fields.txt": {
        "masthead": ("汀州日报", "汀州区", "2024-11-06", "第5120期"),
        "articles": [
            ("汀州区前三季度完成固定资产投资156亿元", "本报讯 日前", {"section": "要闻", "reporters": ["岑安然"]}),
            ("汀州区举办首届“非遗市集”", "本报讯 11月3日", {"date": "11-03", "reporters": ["芮知秋"]}),
            ("区市场监管局开展冬季食品安全检查", "本报讯 11月4日起", {"section": "综合", "reporters": ["鲍子衿"]}),
        ],
    },
    # a digest whose reports are numbered 一、二、三、 (each number a report, not a section of one)
    "numbered_digest.txt": {
        "masthead": ("政务要情", "沅溪区", "2024-10-25", "第42期"),
        "articles": [
            ("区政府召开第十八次常务会议", "10月23日，区长凌致远", {"date": "10-23"}),
            ("我区启动冬季农村公路集中养护", "近日，区交通运输局", {}),
            ("区医保局推进医保服务下沉", "今年以来，区医保局", {}),
        ],
    },
    # a district's work brief (工作动态) named for its column, 编 by an office, with a table of contents
    # (本期目录), a 大事记 column between box rules whose dated entries (one paragraph each, one of them
    # long) are reports with no headline, then a 工作动态 column of headed reports closed by the office
    # that sent them in brackets: one with a table flattened with runs of spaces, one with 一、/（一）
    # sub-headings
    "work_brief_chronicle.txt": {
        "masthead": ("中共澄溪区委办公室", "澄溪区", "2024-07-31", "2024年第7期（总第151期）"),
        "articles": [
            (None, "7月2日，区委书记甘望舒", {"section": "大事记", "date": "07-02"}),
            (None, "7月5日，区政府召开第十四", {"section": "大事记"}),
            (None, "7月9日至10日，区人大", {"section": "大事记"}),
            (None, "7月12日，2024澄溪龙舟", {"section": "大事记"}),
            (None, "7月18日，区政协主席", {"section": "大事记"}),
            (None, "7月25日，全区防汛工作", {"section": "大事记"}),
            ("全区上半年项目建设观摩会召开", "7月16日，全区上半年", {"section": "工作动态"}),
            ("全区农村公路养护情况", "今年以来，区交通运输局", {"byline": "（区交通运输局）"}),
            ("澄溪区“15分钟便民生活圈”建设提速", "今年，澄溪区把", {"byline": "（区商务局）"}),
        ],
    },
    # a street's work brief with numbered columns (一、一周要闻 / 二、工作动态): the week's dated entries
    # are reports with no headline, the headed reports after them hold a table flattened with tabs
    "weekly_columns.txt": {
        "masthead": ("澄溪区青岚街道工作简报", "澄溪区", "2024-09-20", "第15期"),
        "articles": [
            (None, "9月13日，街道党工委", {"section": "一周要闻"}),
            (None, "9月14日，街道在滨河广场", {"section": "一周要闻"}),
            (None, "9月18日，街道组织开展", {"section": "一周要闻"}),
            (None, "9月19日，街道新时代", {"section": "一周要闻"}),
            ("青岚街道完成老旧小区雨污分流改造", "9月上旬，青岚街道", {"section": "工作动态"}),
            ("青岚街道“一老一小”服务中心投用", "9月12日，青岚街道", {"byline": "（青岚街道社会事务办）"}),
        ],
    },
    # a paper's special issue (两会特刊 under its name) printing a report's paragraphs line under line,
    # each headline set off by blank lines (the last one with no dateline under it), and a crosshead
    # inside a report printed among its paragraphs
    "special_issue_packed.txt": {
        "masthead": ("岚川报", "岚川县", "2025-01-10", "总第3012期"),
        "articles": [
            ("岚川县第十八届人民代表大会第五次会议开幕", "本报讯（记者 柏若兰）1月9日", {"section": "要闻"}),
            ("代表热议政府工作报告", "1月9日下午，各代表团", {}),
            ("“岚川两会”融媒直播观看量超10万人次", "两会期间，县融媒体中心", {}),
        ],
    },
}
KIND_NAMES = sorted(KIND_GOLD)
# page chrome, credits and markup that are never a report's text or title
KIND_CHROME = re.compile(
    r"<p>|&nbsp;|</p>|^#|\*\*|!\[|https?://|来源[:：]|编辑[:：]|审核[:：]|[一二三]审|责编|字号|打印|关闭|版权所有|阅读原文|往期推荐"
    r"|蓝字|报[:：]|送[:：]|发[:：]|共印|预览时|扫一扫|滑动看|写留言|原创|收录于|位置[:：]|分享[:：]|友情链接|文字[:：]|下转|上接"
    r"|作者[:：]|标题[:：]|引题|副题"
)


@pytest.fixture(scope="module")
def kinds() -> dict[str, Bulletin]:
    return {name: parse_bulletin(read_bulletin(KINDS / name)) for name in KIND_NAMES}


def test_the_kinds_gold_covers_every_file() -> None:
    assert sorted(p.name for p in KINDS.glob("*.txt")) == KIND_NAMES


@pytest.mark.parametrize("name", KIND_NAMES)
def test_kinds_masthead(kinds: dict[str, Bulletin], name: str) -> None:
    b = kinds[name]
    assert (b.publisher, b.district, b.issue_date, b.issue_no) == KIND_GOLD[name]["masthead"]


@pytest.mark.parametrize("name", KIND_NAMES)
def test_kinds_every_article_with_its_title(kinds: dict[str, Bulletin], name: str) -> None:
    arts, gold = kinds[name].articles, KIND_GOLD[name]["articles"]
    # no headline printed (None): the title is made from the first sentence, and marked so
    assert [None if a.title_from_body else a.title for a in arts] == [t for t, _, _ in gold]
    for a, (title, starts, more) in zip(arts, gold, strict=True):
        assert a.title_from_body == (title is None) and a.title == (title or a.title)
        assert a.paragraphs[0].text.startswith(starts), (title, a.paragraphs[0].text[:30])
        for key, want in more.items():
            assert (list(got) if isinstance(got := getattr(a, key), tuple) else got) == want, (title, key)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_kinds_no_chrome_or_markup_in_text_or_titles(kinds: dict[str, Bulletin], name: str) -> None:
    for a in kinds[name].articles:
        for text in (a.title, *(p.text for p in a.paragraphs)):
            assert not KIND_CHROME.search(text), (a.title, text)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_kinds_no_passage_starts_with_a_dateline_byline_or_source(kinds: dict[str, Bulletin], name: str) -> None:
    for p in chunk_bulletin(kinds[name]):
        if p.article_index >= 0:
            assert not NOT_A_SENTENCE_START.match(p.text), p.text[:40]


def test_a_report_broken_off_goes_on_after_the_next_page_label(kinds: dict[str, Bulletin]) -> None:
    first = kinds["epaper_kickers.txt"].articles[0]
    texts = [p.text for p in first.paragraphs]
    assert texts[-1].startswith("仪式结束后") and texts[-2].endswith("早见效。")
    assert "下转第2版" in first.paragraphs[-2].raw  # the printed line keeps its marker
    assert first.subtitles == ("聚力项目建设 冲刺全年目标", "——总投资48.6亿元，涉及先进制造、城市更新等领域")
    assert any(t.startswith("图为集中开工仪式现场") for t in texts)
    assert not any("本版责编" in p.text for a in kinds["epaper_kickers.txt"].articles for p in a.paragraphs)


def test_headlines_on_the_items_line_lose_their_marks(kinds: dict[str, Bulletin]) -> None:
    arts = kinds["govinfo_digest.txt"].articles
    assert arts[1].paragraphs[0].raw.startswith("◆【岭下镇")  # printed as it was
    assert [p.text[:6] for p in arts[0].paragraphs] == ["【编者按】今", "今年以来，县"]
    b = parse_text(
        "政务信息\n第3期\n\n▲区长主持召开常务会议。会议研究了秋冬季安全生产工作，部署下一步重点任务。\n\n"
        "▲9月14日，沙埠镇举办农民丰收节，吸引游客1.5万人次。活动现场签约12个项目。\n"
    )
    assert heads(b) == ["区长主持召开常务会议", None]


def test_markup_is_read_as_the_page_shows_it(kinds: dict[str, Bulletin]) -> None:
    portal = kinds["portal_html.txt"].articles
    assert portal[0].paragraphs[0].raw.startswith("9月8日")  # no <p>&nbsp; in what is shown
    b = parse_text(
        "## 区里召开防汛会议\n\n![图片](https://x.cn/a.jpg)\n\n7月2日，区里召开防汛会议，部署防汛工作。<b>粗</b>\n"
    )
    assert heads(b) == ["区里召开防汛会议"]
    assert [p.text for p in b.articles[0].paragraphs] == ["7月2日，区里召开防汛会议，部署防汛工作。<b>粗</b>"]


def test_links_to_other_items_are_no_reports(kinds: dict[str, Bulletin]) -> None:
    last = kinds["app_markdown.txt"].articles[-1]
    assert [p.text[:7] for p in last.paragraphs] == ["9月9日，松溪", "体检工作将持续"]


def test_a_note_in_brackets_under_a_notice_headline_is_no_headline(kinds: dict[str, Bulletin]) -> None:
    notice = kinds["daily_profiles.txt"].articles[1]
    assert notice.subtitles == ("（2024年10月9日桂塘区第十七届人民代表大会常务委员会第十九次会议通过）",)
    assert [p.text[:4] for p in notice.paragraphs] == ["任命温景", "免去汤立"]


def test_a_table_stays_in_its_report_and_sections_stay_in_a_speech(kinds: dict[str, Bulletin]) -> None:
    first = [p.text for p in kinds["stats_digest.txt"].articles[0].paragraphs]
    assert "固定资产投资 亿元 126.3 5.1" in first and first[-1].startswith("下阶段")
    speech = kinds["speech.txt"].articles[0]
    assert speech.subtitles == ("（2024年2月20日）", "区委书记 石岳川")
    texts = [p.text for p in speech.paragraphs]
    assert "（二）坚持改革创新" in texts and texts[-1].startswith("同志们，让我们")


def test_labelled_e_paper_fields_make_the_heading_group(kinds: dict[str, Bulletin]) -> None:
    first = kinds["epaper_fields.txt"].articles[0]
    assert first.subtitles == ("坚持项目为王 狠抓投资落地", "——同比增长6.4%，高于全市平均水平1.1个百分点")


@pytest.mark.parametrize("label", ["第A01版：要闻", "A01版 要闻", "01版：要闻", "【第1版】要闻", "第01版:要闻"])
def test_page_labels_in_the_forms_e_papers_print_them(label: str) -> None:
    b = parse_text(
        f"澄川报\n2024年3月1日\n第12期\n\n{label}\n\n区里召开防汛会议\n\n"
        "本报讯 2月28日，区里召开防汛会议，部署今年防汛工作。\n"
    )
    assert heads(b) == ["区里召开防汛会议"] and b.articles[0].section == "要闻"


def test_app_headlines_ending_with_an_exclamation_or_a_question() -> None:
    b = parse_text(
        "我区新增3所公办幼儿园！\n\n9月1日，我区3所新建公办幼儿园开园，新增学位810个。\n\n"
        "家门口的“口袋公园”来了？\n\n近日，城东街道建成口袋公园5个，居民在家门口就能休闲健身。\n"
    )
    assert heads(b) == ["我区新增3所公办幼儿园！", "家门口的“口袋公园”来了？"]


def test_the_date_after_a_listed_headline_is_no_part_of_the_title() -> None:
    b = parse_text(
        "区里召开防汛会议　2024-09-12\n\n7月2日，区里召开防汛会议，部署防汛工作。会议要求各部门加强值守。\n\n"
        "区里新增3所学校　2024-09-10\n\n9月1日，区里新增3所学校投入使用，新增学位2400个。\n"
    )
    assert heads(b) == ["区里召开防汛会议", "区里新增3所学校"]


def test_numbered_and_starred_items_with_their_headline_on_their_line() -> None:
    b = parse_text(
        "工作动态\n第5期\n\n1.【城东街道开展消防演练】9月10日，城东街道组织辖区企业开展消防应急演练，200余人参加。\n\n"
        "2.【城西社区举办邻里节】9月12日，城西社区举办第三届邻里节，吸引居民800余人参与。\n\n"
        "★区税务局开展“便民办税春风行动”。近日，区税务局推出12项便民办税措施，进一步压缩办税时间。\n"
    )
    assert heads(b) == ["城东街道开展消防演练", "城西社区举办邻里节", "区税务局开展“便民办税春风行动”"]
    assert [a.paragraphs[0].text[:5] for a in b.articles] == ["9月10日", "9月12日", "近日，区税"]


def test_a_notice_lead_in_and_its_numbered_points_are_paragraphs(kinds: dict[str, Bulletin]) -> None:
    notice = kinds["portal_html.txt"].articles[-1]
    assert [p.text[:4] for p in notice.paragraphs] == [
        "根据市教",
        "一、招生",
        "二、报名",
        "特此公告",
        "岚湾区教",
        "2024",
    ]


def test_a_chronicle_s_dated_entries_are_reports_of_their_own(kinds: dict[str, Bulletin]) -> None:
    arts = kinds["work_brief_chronicle.txt"].articles
    entries = [a for a in arts if a.section == "大事记"]
    assert len(entries) == 6 and all(len(a.paragraphs) == 1 and a.title_from_body for a in entries)
    assert entries[1].title == "区政府召开第十四次常务会议"  # from the first sentence, no date
    assert len(entries[2].paragraphs[0].text) > 400  # a long entry is one entry all the same
    # the column headings and the table of contents are no reports, no titles, no text
    texts = [p.text for a in arts for p in a.paragraphs]
    assert not any(t.startswith(("大事记", "工作动态", "本期目录")) for t in texts + [a.title for a in arts])


def test_week_entries_under_a_numbered_column_heading_are_reports() -> None:
    b = parse_text(
        "城南街道工作简报\n第3期\n\n一、一周要闻\n\n3月4日，街道召开党工委会议，部署春季防火工作。\n\n"
        "3月6日，街道举办“三八”节女职工健步走活动，200余人参加。\n\n二、工作动态\n\n城南街道启动背街小巷整治\n\n"
        "近日，城南街道启动背街小巷整治，计划年内完成12条。\n\n街道将按照“一巷一策”推进整治。\n"
    )
    assert [a.title_from_body for a in b.articles] == [True, True, False]
    assert [a.section for a in b.articles] == ["一周要闻", "一周要闻", "工作动态"]
    assert b.articles[2].title == "城南街道启动背街小巷整治" and len(b.articles[2].paragraphs) == 2


def test_a_flattened_table_stays_in_its_report(kinds: dict[str, Bulletin]) -> None:
    roads = kinds["work_brief_chronicle.txt"].articles[7]
    assert [p.text.split()[0] for p in roads.paragraphs[1:5]] == ["镇", "北塘镇", "桂坞镇", "月湖镇"]
    centre = kinds["weekly_columns.txt"].articles[5]
    assert [p.text.split("\t")[0] for p in centre.paragraphs[1:5]] == ["功能区", "老年食堂", "托育室", "康复室"]
    assert centre.paragraphs[-1].text.startswith("据介绍")


def test_a_report_with_numbered_sub_headings_is_one_article(kinds: dict[str, Bulletin]) -> None:
    report = kinds["work_brief_chronicle.txt"].articles[-1]
    texts = [p.text for p in report.paragraphs]
    assert "一、主要做法" in texts and "（二）提升品质业态。引导社区引进书店、健身房等品质提升类业态。" in texts
    assert texts[-1].startswith("区商务局将总结")


def test_a_headline_between_blank_lines_in_packed_text_opens_a_report(kinds: dict[str, Bulletin]) -> None:
    arts = kinds["special_issue_packed.txt"].articles
    assert "关注民生实事" in [p.text for p in arts[1].paragraphs]  # a crosshead printed among the paragraphs
    assert arts[2].paragraphs[0].text.startswith("两会期间") and len(arts[2].paragraphs) == 2
    assert not any(a.title == "两会特刊" for a in arts)
