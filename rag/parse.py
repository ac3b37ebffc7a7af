"""Bulletin text -> Bulletin with Articles.

A bulletin is printed page text: a masthead (publisher, date, issue number), then articles made
of a heading group (over-headline, title, sub-headline), a dateline (本报讯 11月22日上午), body
paragraphs and a byline (记者 景静 / (记者 蔡肇娥 李郑阳)). Sections (■ 短讯, 简讯, 【...】) and
● items hold several short reports. Page layout often cuts a sentence with blank lines
(项目建 / 设单位); we join such fragments but keep what was printed for display.
Page chrome is never a title: page labels (第4版 综合, with the page's 责任编辑：X on the line) end
the report before them and name the section after them; masthead lines (中共XX县委机关报, the issue
line with its edition 第58期 今日8版) and a brief's distribution list (报：… 送：…) are dropped; on a
page of briefs each dated headline-less paragraph is a report of its own. A notice under a headline
of its own (任免名单, 公告, 通告, 决定, 名单, 公示) is an article though no dateline opens it: its lead
(…决定：), its 任命：/免去： lists and its signature (the issuing body, then the date) belong to it.
Copies of web pages and apps are read as they show: layout tags (<p>, &nbsp;), Markdown marks (## /
**…** / ![图片](…)), labelled fields (标题：/ 引题：/ 副题：) and the account's chrome (阅读原文, 往期推荐 and
its links, 预览时标签不可点) are no text. A digest's item may print its headline on its first line
(◆【标题】正文… / ▲标题。正文…); reports numbered 一、二、 from the start are one article each; in a text whose
reports have no agency dateline a headline after a finished report opens the next one; a report that
breaks off (下转第2版) goes on where the other page says so (上接第1版).
A work brief's column headings (大事记（2025年10月） / 一、工作动态 / 一周要闻) name the section of the
reports under them; a chronicle's dated entries are one report each; a table of contents under its
label (本期目录) and a special issue's label (两会特刊) are no reports; a table flattened with tabs or
runs of spaces stays in its report; where a report's paragraphs are printed line under line, a
headline set off by blank lines after a finished report opens the next one.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

import opencc

from .analyze import to_simplified
from .errors import BulletinError
from .ingest import RawBulletin
from .models import Article, Bulletin, Paragraph

CJK = "\u4e00-\u9fff"


_S2T = [opencc.OpenCC(c) for c in ("s2t", "s2tw", "s2hk")]


@functools.lru_cache(maxsize=4096)
def _forms(ch: str) -> str:
    """The traditional forms of a simplified character ("" when it has none)."""
    return "".join(dict.fromkeys(f for c in _S2T if (f := c.convert(ch)) != ch and len(f) == 1))


def _tc(pattern: str) -> str:
    """The pattern also matching text printed in traditional characters: each simplified character
    becomes a class with its traditional forms (记者 -> [记記][者]), so that spans stay those of the
    printed text."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        forms = _forms(c) if "\u4e00" <= c <= "\u9fff" else ""
        if not forms:
            out.append(c)
        elif in_class:
            ranged = pattern[i - 1 : i] == "-" or pattern[i + 1 : i + 2] == "-"
            out.append(c if ranged else c + forms)
        else:
            out.append(f"[{c}{forms}]")
        i += 1
    return "".join(out)


def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(_tc(pattern), flags)


TERMINAL = "。！？!?；;…"
CLOSERS = "”’」』）)】》\"'"
SOFT_PUNCT = "，,、：:“‘「『（(《—-"
INNER_PUNCT = re.compile(r"[。，,；;：:]")
INNER_TERMINAL = re.compile(r"[。！？；]")

# --- masthead ------------------------------------------------------------------------------------
# a masthead line is made only of these pieces (and spaces or separators between them)
MASTHEAD_MISC = _re(
    r"连续性内资|内部资料|免费交流|监督电话|准印证|^【审.*】.*号$|国内统一连续出版物号|邮发代号|CN\s*\d{2}\s*-\s*\d{4}"
    r"|^本期\s*\d{1,2}\s*版$|^共\s*\d{1,2}\s*版$"
    # the label of a special issue printed under the paper's name (两会特刊 / 国庆专刊 / 增刊)
    rf"|^[{CJK}·]{{0,10}}(?:特刊|专刊|增刊|号外)$"
)
# the paper's name in Latin letters under its Chinese name (SHIQIAO BAO / QINGHE DAILY)
MASTHEAD_LATIN = re.compile(r"^[A-Z][A-Z .'·-]{2,40}$")
# 中共XX区委主管主办 / XX县融媒体中心主办 / 中共XX县委机关报 / XX报社出版: several on one line
MASTHEAD_ORG = _re(
    rf"(?P<publisher>[{CJK}（）()·]{{2,30}}?(?:\s+[{CJK}（）()·]{{2,30}}?){{0,3}})\s?(?:(?:编印|主办|出版|主管|承办|协办|编)+|机关报)"
    rf"(?![{CJK}])"
)
# a media organisation named beside the date of an app's or a site's issue (XX县融媒体中心 2024-09-12)
MASTHEAD_MEDIA = _re(rf"^[{CJK}·]{{2,16}}(?:融媒体中心|新闻中心|报社|广播电视台|电视台|传媒集团|传媒中心)$")
# the organisation a news account belongs to (XX街道办事处官方政务新媒体 / XX区融媒体中心官方微信公众号)
MASTHEAD_ACCOUNT = _re(
    rf"(?P<publisher>[{CJK}（）()·]{{2,30}}?)(?:官方)?(?:政务)?(?:新媒体|微信公众号|公众号|微信号|视频号|官方账号)(?:平台)?"
)
# the label of a number of a news account's collection (本周公告汇编 / 本期通知速览)
MASTHEAD_COLLECTION = _re(rf"(?:本周|本月|本期|今日|每周|每日)[{CJK}]{{0,6}}(?:汇编|合集|速递|速览|一览)")
# 主办单位：中共XX区委员会　出版：XX区融媒体中心 / 主办：XX区人民政府办公室　承办：…: the label first
MASTHEAD_ORG_LABEL = _re(
    rf"(?:(?:主办|主管|出版|承办|协办|编印|编辑出版)(?:单位)?)\s*[:：]\s*(?P<publisher>[{CJK}（）()·]{{2,30}})"
)
# the front page's table of contents (本期导读：… （2版）), however long: masthead, never a report
MASTHEAD_TEASER = _re(r"^(?:本期|今日)?导读\s*[:：]")
# the name of the web site a news column was copied from (XX区人民政府门户网站): masthead, never a title
SITE_NAME = _re(rf"^[{CJK}·]{{2,20}}(?:门户网站|政府网站|政务网|官方网站|官网)$")
MASTHEAD_ISSUE = _re(
    r"(?P<issue>(?:\d{4}\s*年\s*)?第\s*\d+\s*期(?:\s*[(（]\s*总第\s*\d+\s*期\s*[)）])?|总第\s*\d+\s*期)"
)
MASTHEAD_PAGE = _re(r"第\s*[A-Z]?[\d一二三四五六七八九十]{1,3}\s*版|[A-Z]\d{1,2}\s*版")
# the edition printed beside the issue number (今日8版 / 本期共4版 / 今日十六版)
MASTHEAD_EDITION = _re(r"(?:今日|今天|本期|本日|共)\s*(?:共\s*)?[\d一二三四五六七八九十]{1,3}\s*个?版")
# the page's staff credits on a masthead or page-label line (责任编辑：X　美编：Y / 校对 X)
STAFF_WORDS = (
    r"(?:责任编辑|本版编辑|本版责编|责编|编辑|美编|美术编辑|版式|版式设计|组版|排版|校对|审读"
    r"|值班主任|值班总编|图片编辑)"
)
MASTHEAD_STAFF = _re(rf"{STAFF_WORDS}\s*[:：]?\s*[{CJK}·]{{2,4}}(?=$|\s|[|｜/、,，])")
MASTHEAD_DATE = _re(
    r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月(?:\s*(?P<day>\d{1,2})\s*日)?"
    r"|(?P<year2>\d{4})[-./](?P<month2>\d{1,2})[-./](?P<day2>\d{1,2})"
)
MASTHEAD_WEEKDAY = _re(r"星期[一二三四五六日天]|周[一二三四五六日]")
MASTHEAD_LUNAR = _re(rf"(?:农历)?[{CJK}]{{2}}年[{CJK}]{{1,3}}月[{CJK}]{{1,3}}")
MASTHEAD_SEPARATORS = re.compile(r"^[\s|｜·•/、,，]*$")
MASTHEAD_LINE_MAX = 60
MASTHEAD_DAY = re.compile(r"^(?P<day>\d{1,2})$")
# the name of the paper, printed alone as the first masthead line (青禾日报, 桐川报, 南湖街道工作简报)
PAPER_NAME = _re(rf"^[{CJK}·]{{2,14}}(?:日报|晚报|时报|周报|报|工作简报|简报|快报|通讯|周刊|动态|信息)$")
PAPER_NAME_LOOSE = re.compile(rf"^[{CJK}·]{{2,8}}$")
# the kind of copy printed after the paper's name (澄岭报 电子版 / 青禾日报数字报): not the name
PAPER_COPY = _re(r"\s*[(（]?(?:电子版|数字报|数字版|网络版|手机版|电子报|PDF版)[)）]?$")
NOT_PAPER_ENDINGS = _re(
    r"(?:汇|通|举|预|海|喜|情|捷|申|呈|电|回|上|填|警|禀|补|漏|瞒|谎|虚|误|播|公|学|画)报$|工作动态$|最新动态$"
)

# --- bylines, datelines, page chrome ---------------------------------------------------------------
BYLINE_WORDS = r"(?:记者|通讯员|本报记者|实习记者|摄影|文/图|文／图|图/文|来源|编辑|责任编辑)"
NAME = rf"[{CJK}·]{{2,4}}"
BYLINE_ORG = rf"(?:[{CJK}]{{2,12}}(?:融媒体中心|报社|电视台|新闻网|日报|新闻中心))?"
BYLINE_LINE = _re(rf"^[(（]?\s*{BYLINE_ORG}{BYLINE_WORDS}[\s:：]*[^。！？]{{0,60}}?[)）]?$")
# (张三 李四) / (供稿：社区办 刘某) / (县营商环境办供稿): a byline of its own line, in brackets
NOT_NAMES = {
    "待续",
    "未完待续",
    "完",
    "续",
    "上",
    "下",
    "扩大",
    "试行",
    "草案",
    "暂行",
    "节选",
    "摘编",
    "摘要",
    "全文",
    "略",
}
BRACKET_NAMES = _re(rf"^[(（]\s*(?P<names>{NAME}(?:[\s、]+{NAME}){{0,5}})\s*[)）]$")
SOURCE_BYLINE = _re(
    r"^[(（]\s*(?:供稿|撰稿|稿件提供|文|图|摄影)\s*[:：/]\s*[^()（）。！？]{1,30}[)）]$|^[(（][^()（）。！？，,]{2,24}供稿[)）]$"
    # (区委办公室综合科) / (渚口镇党委): the office that sent the report
    rf"|^[(（][{CJK}]{{2,16}}(?:办公室|综合科|科|局|委|办|处|党委|党工委|中心|街道|社区|镇|乡|站|所|队|院)[)）]$"
)
TRAILING_BYLINE = _re(
    rf"(?<=[。！？”\"])\s*(?P<byline>(?:记者|通讯员)(?:\s+{NAME})+(?:\s+通讯员(?:\s+{NAME})+)?(?:\s+文/图)?)\s*$"
)
# a byline in brackets closing the last paragraph: 。(记者 何嘉怡) / 。（张三 李四）
TRAILING_BRACKET_BYLINE = _re(
    rf"(?<=[。！？!?”\"])\s*(?P<byline>[(（]\s*(?:(?:本报)?记者|通讯员|供稿|撰稿)[\s:：]*[^()（）。！？，,]{{1,40}}[)）]"
    rf"|[(（]\s*{NAME}(?:[\s、]+{NAME}){{0,5}}\s*[)）])\s*$"
)
# XX区融媒体中心讯 / 本报讯 / 本报北京3月1日电, with the reporters in brackets after it
AGENCY = (
    rf"(?:本报讯|本网讯|本台讯|本报[^，,]{{0,6}}电"
    rf"|[{CJK}]{{2,14}}?(?:融媒体中心|融媒|新闻中心|新闻网|电视台|日报|报|在线|客户端|网)(?:\d{{1,2}}月\d{{1,2}}日)?讯)"
    r"(?:\s*[(（][^()（）。]{1,40}[)）])?"
)
AGENCY_START = _re(rf"^{AGENCY}")
AGENCY_BRACKET = _re(rf"^(?:{AGENCY[: AGENCY.rindex('(?:')]})\s*(?P<bracket>[(（][^()（）。]{{1,40}}[)）])")
# page chrome and metadata of a web page copy: never text, never a title
META_KEYS = (
    r"(?:来源|发布时间|发布日期|发布者|时间|日期|作者|浏览次数|浏览量|阅读次数|阅读量|点击数|点击量|访问量|字号|编辑"
    r"|文字|图片|摄影|视频|审核|责编|统筹|策划)"
)
META_TWO_KEYS = _re(rf"{META_KEYS}\s*[:：].*{META_KEYS}\s*[:：]")
META_START = _re(
    r"^[(（\[【]?\s*(?:发布时间|发布日期|更新时间|浏览次数|浏览量|阅读次数|阅读量|点击数|点击量|访问量|字号)\s*[:：]"
    r"|^(?:来源|作者|稿件来源|信息来源|文章来源|时间)\s*[:：].{0,40}$"
    r"|^[(（]\s*\d{4}-\d{1,2}-\d{1,2}\s*[)）]\s*稿件来源"
    r"|^\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*(?:来源|作者)\s*[:：]"
)
CHROME_LINE = _re(
    r"^(?:\s*[【\[]\s*(?:打印本页|打印|关闭窗口|关闭|纠错|收藏|返回顶部|字体[:：]?\s*大\s*中\s*小|[大中小])\s*[】\]])+\s*$"
    r"|^(?:分享到?|扫一扫|上一篇|下一篇|友情链接|相关链接)[:：]?"
    # the distribution list closing a work brief: 报：区委办公室… / 送：… / 发：… / 抄送：…
    r"|^(?:报|送|发|抄\s*送|抄\s*报|报\s*送|分\s*送)\s*[:：][^。！？]{0,80}。?"
    r"(?:\s*(?:送|发|抄\s*送|抄\s*报|分\s*送)\s*[:：][^。！？]{0,80}。?)*$"
)
# a web site's navigation: breadcrumbs (首页 > 新闻中心 > 区县动态 / 当前位置：…) and the footer's links
# (首页 | 网站地图 | 联系我们)
SITE_CHROME = _re(
    r"^(?:首页|网站首页)\s*[>＞»›|｜/]"
    r"|^(?:当前位置|您的位置|你的位置|您现在的位置|所在位置)\s*[:：]"
    r"|^[您你]?(?:当前|现在)?所在位置\s*[:：].{0,30}[>＞»›→]"
    r"|^(?:网站地图|联系我们|关于我们|网站声明|设为首页|加入收藏)(?:\s*[|｜]\s*[^|｜]{1,8})+$"
    # the site's footer (版权所有：… 网站标识码：… / 备案号)
    r"|^(?:版权所有|Copyright|©|网站标识码|ICP备案号|备案号)"
)
SITE_CHROME_MAX = 80
# what a copy of a news account's article (a WeChat page) prints around its text: the line over the
# headline (原创 XX发布 2024-09-12 18:06 发表于XX), the collection it is in, the buttons and prompts
APP_CHROME = _re(
    r"^(?:原创\s.{0,60}|.{0,40}发表于[{CJK}]{2,8}|收录于(?:合集|话题)\s*.{0,40}|预览时标签不可点|微信扫一扫(?:关注该公众号)?"
    r"|关注该公众号|(?:继续|向上)滑动看下一个|轻触阅读原文|写留言|留言|知道了|赞|在看|分享|收藏|听全文|下载APP|下载客户端"
    r"|喜欢此内容的人还喜欢|视频小程序|轻点两下取消(?:赞|在看))$".replace("{CJK}", CJK)
)
APP_CHROME_MAX = 80
# the line over a news account's article: 原创 [author] account date time 发表于 place; the account is
# the publisher
APP_HEADER = _re(
    rf"^(?:原创\s+)?(?:\S{{2,12}}\s+)?(?P<account>[{CJK}·]{{2,16}})\s+"
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:\s+\d{1,2}:\d{2})?(?P<place>\s*发表于\S{2,8})?$"
)
# a news account's call to share it, closing its text (转发扩散，让更多街坊邻居看到！/ 欢迎转发)
SHARE_PROMPT = _re(
    r"^(?:欢迎|请|记得|快|赶紧)?(?:转发|扩散|点赞|分享给|点击关注|长按关注|扫码关注|关注我们|欢迎关注|点个在看|点亮在看"
    r"|点击(?:上方)?蓝字|阅读原文)"
    r"[^。]{0,24}[！!。~～]*$"
)
SHARE_PROMPT_MAX = 36
PRINT_RUN = _re(r"^[(（]?\s*共印\s*\d+\s*份\s*[)）]?$")
# editor notes closing a report: (责任编辑：X) / （编辑：X） / (柳溪在线编辑:X) / 【责任编辑:X】 / 编辑：X
EDITOR_LINE = _re(
    rf"^[(（【\[]\s*[{CJK}]{{0,8}}?(?:责任编辑|编辑|审核|校对|编审|终审|值班编辑)\s*[:：]?\s*[^()（）【】\[\]。]{{1,30}}[)）】\]]$"
    r"|^(?:责任编辑|本版责编|责\s*编|编\s*辑|审\s*核|校\s*对|一\s*审|二\s*审|三\s*审|终\s*审|总监制|监\s*制)\s*[:：].{0,30}$"
)
# the author line of a page under its headline (作者：本报记者 岑安然): its byline
AUTHOR_LINE = _re(
    rf"^(?:作者|撰稿)\s*[:：]\s*(?P<names>(?:本报|特约|实习)?(?:记者|通讯员)?\s*{NAME}(?:[\s、,，]+{NAME}){{0,4}})$"
)
# the source a web page names (来源：XX区融媒体中心): the publisher of a column whose pages all name it
META_SOURCE = _re(rf"(?:^|\s)(?:来源|稿件来源|信息来源|文章来源)\s*[:：]\s*(?P<source>[{CJK}（）()·]{{2,30}})(?=\s|$)")
META_DATE = re.compile(r"(?P<year>\d{4})\s*[-年/.]\s*(?P<month>\d{1,2})\s*[-月/.]\s*(?P<day>\d{1,2})")
SEPARATOR_LINE = re.compile(r"^[\s\-—–_=＝＊*※~～·•.。…#＃\u2500-\u257f]{3,}$")  # box drawing: ━━━ ═══
# photo captions: 图为… / ▲ 图为…（记者 X 摄） / …记者 X 摄
CAPTION_LINE = _re(
    rf"^[▲△↑↓◀▶]\s*(?=.*(?:摄|图为|图片|供图|[图圖]/|/[图圖]))\S|^(?:图为|图片为|上图|下图|左图|右图|图\s*[:：])"
    rf"|^.{{0,70}}(?:记者|通讯员|摄影|本报)\s*{NAME}(?:\s+{NAME}){{0,3}}\s*摄\s*[)）]?$"
    rf"|^[(（]\s*(?:{NAME}\s+)*{NAME}\s*摄\s*[)）]$"
)
EDITOR_NOTE = _re(r"^(?:编者按|【编者按】|编者的话|编后)")
LEAD_TAG = _re(rf"^(?:(?:编者按|【编者按】|编者的话)\s*[:：]?\s*|{AGENCY}\s*)")
SUBHEAD_LINE = _re(
    r"^(?:[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）]|第[一二三四五六七八九十]{1,3}部分)"
)
NUMBERED_ITEM = re.compile(r"^(?:\d{1,2}[.．、]|[(（]\d{1,2}[)）])\s*(?P<body>(?:\d{1,2}月|\d{4}年|[^\d\s]).+)$")

SECTION_LINE = _re(
    r"^(?:[■□◆◇▲△★☆]\s*)?(?P<name>短讯|简讯|快讯|要闻|动态|图片新闻|要闻简报|一句话新闻)$"
    r"|^[■□◆◇★☆]\s*(?P<name2>综合|综合新闻|时政|时政要闻|本地新闻|民生|党建|经济|社会|文化|文体|法治|乡村振兴|基层动态|工作动态|信息快递|部门动态|镇街动态|专题"
    r"|安全生产|教育|卫生|健康|生态|环保|城建|科技|政法|政务|人大|政协|理论|副刊|体育|旅游|财经|交通|应急|招商)$"
    r"|^[【\[](?P<series>[^】\]]{2,30})[】\]]$"
)
# the heading of a column of a work brief or a digest, numbered or not, with the period it covers
# (大事记（2025年10月） / 一、工作动态 / 一周要闻): names the section of the reports under it, never a report
COLUMN_LINE = _re(
    r"^(?:[一二三四五六七八九十]{1,3}[、.．]\s*)?(?P<name>大事记|大事纪要|工作动态|工作简讯|工作信息|一周要闻|本周要闻|每周要闻"
    r"|一周动态|本周动态|近期动态|要闻速览|要闻简讯|动态简讯|基层动态|部门动态|镇街动态|乡镇动态|信息快递)"
    r"\s*(?:[(（][^()（）]{1,20}[)）])?$"
)
# a column of dated entries, one a report whatever its length (大事记)
CHRONICLE_SECTIONS = frozenset({"大事记", "大事纪要"})
# the label over a table of contents printed as a list of headlines (本期目录 / 本期要目): the list is
# no report (its headlines are printed again over their reports)
CONTENTS_LABEL = _re(r"^[【\[]?(?:本期|今日|本刊)?(?:目录|要目|导读|提要)[】\]]?$")
CONTENTS_MAX = 30  # lines of a table of contents at most
# a row of a table flattened to text, its cells parted by tabs or runs of spaces (街道\t计划\t已完工):
# text of the report it is in, never a headline
TABLE_CELL_GAP = re.compile(r"\t|[ \u3000]{2,}")


def _is_table_row(raw: str) -> bool:
    cells = [c for c in TABLE_CELL_GAP.split(raw.strip()) if c.strip()]
    return len(cells) >= 3 and len(raw) <= 200 and not INNER_TERMINAL.search(raw)


# a page label printed over a page's reports (第2版　要闻 / 第4版 综合 / A3版 民生): page chrome that
# ends the report before it and names the section of those after it, never a headline
PAGE_LABEL = _re(
    rf"^[【\[]?(?:第\s*[A-Z]?[\d一二三四五六七八九十]{{1,3}}\s*版|[A-Z]\d{{1,2}}\s*版?|0\d\s*版)[】\]]?"
    rf"(?:\s*[:：·|｜]?\s*(?P<name>[{CJK}“”\"·]{{1,16}}))?"
    # the page's staff credits printed on the same line (第1版 要闻　　责任编辑：X　美编：Y)
    rf"(?:\s*[|｜]?\s*{STAFF_WORDS}\s*[:：]\s*[{CJK}·]{{2,4}}(?:[\s、]+[{CJK}·]{{2,4}})?)*\s*$"
)
PAGE_LABEL_MAX = 60
# --- notices ---------------------------------------------------------------------------------------
# a notice printed under a headline of its own (人大常委会任免名单 / 公告 / 通告 / 关于…的决定 / …名单 /
# 公示): an article of its own, never a sub-heading of the report before it, though no dateline
# follows it; its lead (…会议决定：), its 任命：/免去： lists and its signature belong to it
NOTICE_TITLE = _re(
    r"^(?:.{0,40}(?:任免名单|人事任免|任免事项|公告|通告|公示|启事)|.{4,40}(?:决定|决议|名单|通知))"
    r"(?:[(（][^()（）]{1,20}[)）])?$"
)
# the caption of the list a notice announces (拟表彰对象名单（按姓氏笔画排序）) under its lead (…现予以公示。 /
# …名单如下：): part of the notice, never the headline of another one
LIST_CAPTION = _re(r"^.{0,30}(?:名单|名册|名录|一览表|明细表|汇总表)(?:[(（][^()（）]{1,20}[)）])?$")
LIST_LEAD = _re(r"(?:公示|公布|公告|如下|名单)[。：:]$")
NOTICE_NOT_IN_TITLE = re.compile(r"[，,。；;：:！？!?]")
# lines of a notice's text that read like headlines: its closing formula (特此公告) and the lead-ins of
# its lists (任命： / 免去：), which end it or lead into the lines under them
NOTICE_TEXT_LINE = _re(
    r"^特此(?:公告|通告|公示|通知|决定|函告|说明)[。！!]?$|^(?:任命|免去|免职|任职|撤销|接受辞职|批准|决定)[^：:]{0,6}[：:]$"
)
# the signature closing a notice (printed right-aligned): the issuing body over the date, or both
# on one line; the date may be printed in Chinese numerals (二〇二四年三月二十日)
SIGN_ORG = _re(
    rf"[{CJK}（）()·]{{2,40}}(?:委员会|人民政府|政府|办公室|办公厅|指挥部|领导小组|办事处|党委|党组|委|局|办|处|院|会|部|中心)"
)
SIGN_DATE = _re(
    r"(?P<year>\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*(?P<month>\d{1,2}|[一二三四五六七八九十]{1,2})\s*月"
    r"\s*(?P<day>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
)
CN_DIGITS = "〇一二三四五六七八九"


def _is_notice_title(text: str) -> bool:
    t = re.sub(r"\s+", "", text)
    return not NOTICE_NOT_IN_TITLE.search(t) and NOTICE_TITLE.match(t) is not None and not NOTICE_TEXT_LINE.match(t)


def _cn_number(s: str) -> int:
    """12 / 十二 / 二十 / 二〇二四 as a number."""
    if s.isdigit():
        return int(s)
    s = s.replace("○", "〇").replace("零", "〇")
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (CN_DIGITS.index(tens) if tens else 1) * 10 + (CN_DIGITS.index(ones) if ones else 0)
    return int("".join(str(CN_DIGITS.index(c)) for c in s))


def _sign_date(text: str) -> str | None:
    """The date (YYYY-MM-DD, "" when out of range) of a line that is only a date, else None."""
    m = SIGN_DATE.fullmatch(text)
    if m is None:
        return None
    year, month, day = (_cn_number(m.group(k)) for k in ("year", "month", "day"))
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


ITEM_LINE = re.compile(r"^[●○◆◇▲■□★☆◎◉►]\s*(?P<body>.+)$")
# a report printed with its headline at the start of its first line: 【标题】正文… (a digest of
# 政务信息, an item ◆【标题】…) or, for an item, ▲标题。正文…
BRACKET_HEAD = _re(r"^[【\[](?P<head>[^【】\[\]。；;！？!?]{5,40})[】\]]\s*(?P<text>\S.{14,})$")
SENTENCE_HEAD = _re(r"^(?P<head>[^，,。；;！？!?\s“\"][^，,。；;！？!?\s]{5,29})[。！!]\s*(?P<text>\S.{9,})$")
# the heading of a list of links to other items closing an app's article (往期推荐 / 相关阅读)
RELATED_LINKS = _re(
    r"^[【\[]?(?:往期推荐|往期回顾|往期精彩|推荐阅读|相关阅读|相关新闻|相关链接|延伸阅读|猜你喜欢|热门推荐|精彩推荐|更多精彩)[】\]]?[:：]?$"
)
# a brief printed as its headline, a space, then its dated text (区图书馆南苑分馆开馆 6月8日，…)
INLINE_HEAD = _re(
    r"^(?P<head>[^\s，,。；;：:！？!?]{4,30})\s+(?P<text>(?:(?:\d{4}年)?\d{1,2}月\d{1,2}日|近日|日前)[^\s].*)$"
)
# an item of a news account tagged with its kind: 【通知】关于…的通知 / 【便民】… / 【动态】…
TAG_TITLE = _re(rf"^[【\[](?P<tag>[{CJK}]{{2,4}})[】\]]\s*(?P<title>[^【】\[\]\s][^【】\[\]]{{3,57}})$")
NOT_TAGS = _re(r"^(?:编者按|编者的话|编后|按语|审)")


def _line_head(text: str, item: bool) -> tuple[str, str] | None:
    """(headline, text) of a line that prints a report's headline before its text: 【标题】正文…, and
    on an item's line also 标题。正文… (a short first sentence with no comma, text after it)."""
    if text[0] in "【[":
        m = BRACKET_HEAD.match(text)
        if m is None or NOT_TAGS.match(m.group("head")) or EDITOR_NOTE.match(text[:PREFIX]):
            return None
    elif item:
        m = SENTENCE_HEAD.match(text)
        if m is None or ARTICLE_START.match(m.group("head")) or DATED_OPENER.match(m.group("head")):
            return None
    else:
        return None
    rest = m.group("text")
    if not (INNER_TERMINAL.search(rest) or _ends_terminal(rest)):
        return None
    return m.group("head").strip(), rest


def _tag_title(text: str) -> re.Match[str] | None:
    """The tag and headline of a tagged item's headline line (never a tagged sentence of text)."""
    if len(text) > 64 or not text.startswith(("【", "[")):
        return None
    m = TAG_TITLE.match(text)
    if m is None or NOT_TAGS.match(m.group("tag")) or _ends_terminal(m.group("title")):
        return None
    title = m.group("title")
    return m if title.count("。") == 0 and not re.search(r"[，,；;：:]", title) else None


TEASER_END = _re(r"^(?:详见|转)\s*[第]?[一二三四五六七八九十\d]{1,2}\s*版$")
ARTICLE_START = _re(
    rf"^(?:{AGENCY}|本报讯|本报[^，,]{{0,6}}电|(?:\d{{4}}年)?\d{{1,2}}月\d{{1,2}}日|近日|日前|近期|当天|今年以来|据悉)"
)
DATELINE = _re(
    rf"^(?P<dateline>(?:{AGENCY})?\s*(?:(?P<year>\d{{4}})年)?(?:(?P<month>\d{{1,2}})月(?P<day>\d{{1,2}})日)"
    r"(?:[上下中晚]午|夜|晚|凌晨|早)?)"
)
DATELINE_PLAIN = _re(rf"^(?P<dateline>{AGENCY})")
# "that day ...": refers back to a date already given, so it continues a report, never opens one
BACK_REFERENCE = _re(r"^(?:当天|当日)")
CONTINUATION_START = re.compile(rf"^[{CJK}][，,。、；;：:）)”]")
DISTRICT_IN_TEXT = _re(rf"([{CJK}]{{2}}[区县])(?!域|间|块|位|段)")  # 集中区域, 县区间: no district
# conversion leftovers: 區(qū) / 發(fā)展 — pinyin with a tone mark in brackets after a character
TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN_LEFTOVER = rf"(?<=[{CJK}])\((?=[a-zü]*[{TONED}])[a-zü{TONED}]{{1,7}}\)"  # a pattern for re.sub
# --- markup left in a copy of a web page or an app's article (HTML tags, Markdown) ----------------
# the layout tags wrapping a line of a web page's source (<p>…</p>, <div class="x">, <span>): never
# text; other tags (<script>) are text the display escapes
HTML_OPEN_TAGS = re.compile(
    r"^(?:<(?:p|div|span|font|strong|b|h[1-6]|section|center|td|th|tr|li|br|article)\b[^<>]{0,200}>\s*)+", re.I
)
HTML_CLOSE_TAGS = re.compile(
    r"(?:\s*<(?:/(?:p|div|span|font|strong|b|h[1-6]|section|center|td|th|tr|li|article)|br\s*/?)\s*>)+$", re.I
)
INLINE_TAG = re.compile(r"</(?:span|font|strong|b)\b", re.I)  # closes text inside a line, not the line
# the blank entities a web page indents its paragraphs with (&nbsp;&nbsp; / &emsp;)
BLANK_ENTITIES = ("&nbsp;", "&ensp;", "&emsp;", "&#160;", "&#12288;", "&#xa0;", "&#xA0;")
# a Markdown heading (## 标题), a line in bold (**标题**), a quoted line (> 编者按：…)
MD_HEADING = re.compile(r"^#{1,6}\s+(?P<text>\S.*)$")
MD_BOLD = re.compile(r"^(?P<mark>\*\*|__)(?P<text>[^*_\s].*?)(?P=mark)$")
MD_QUOTE = re.compile(r"^>\s+(?P<text>\S.*)$")
# an image: ![图片](https://…) / 1.jpg / [图片] / 图片 — no text, a blank line
IMAGE_LINE = re.compile(
    r"^!\[[^\]]{0,80}\]\([^()\s]{0,300}\)$|^[\w\-./:%?=&]{1,200}\.(?:jpe?g|png|gif|webp|bmp)$|^[\[【]?(?:图片|圖片|视频|視頻)[\]】]?$",
    re.I,
)
# a web page's label for its headline (标题：XX街道举办…): the headline
# (an e-paper's fields: 引题：… / 【主标题】… / 副题：…, a sub-headline then printed as ——…)
TITLE_LABEL = _re(
    r"^(?:[【\[](?P<b>标题|题目|主标题|引题|肩题|眉题|副题|副标题|子标题)[】\]]\s*[:：]?"
    r"|(?P<c>标题|题目|文章标题|新闻标题|主标题|引题|肩题|眉题|副题|副标题|子标题)\s*[:：])\s*(?P<text>\S.{1,60})$"
)
SUB_LABELS = _re(r"副题|副标题|子标题")
ORG_SUFFIX = _re(r"(?:办|局|委|处|部|站|所|队|院|科|室|组|会|社|中心|街道|社区|公司)$")
# 旧小区 (of 老旧小区), 城东社区: words that end like a district but never name one
# (and 集中区, 聚集区, 功能区, 示范区, 保护区, 核心区, 试验区, 旅游区, 工业区, 住宅区, 生活区, 服务区, 安置区)
NOT_DISTRICT_ENDINGS = (
    *("小区", "社区", "园区", "景区", "辖区", "片区", "校区", "厂区", "院区", "营区", "库区", "矿区"),
    *("中区", "集区", "能区", "范区", "护区", "心区", "验区", "游区", "业区", "宅区", "活区", "务区", "置区", "住区"),
)
NOT_DISTRICTS = {
    "市区",
    "城区",
    "园区",
    "社区",
    "辖区",
    "全区",
    "我区",
    "该区",
    "景区",
    "小区",
    "六区",
    "街区",
    "片区",
    "示范区",
    "开发区",
    "新区",
    "各区",
    "本区",
    "地区",
    "山区",
    "老区",
    "港区",
    "校区",
    "厂区",
    "游区",
    "管区",
    "库区",
    "矿区",
    "农区",
    "商区",
    "试验区",
    "城乡区",
    "县区",
    "市内六区",
}


@dataclass
class _Block:
    kind: str  # head | body | byline | section | item | numitem | teaser_end | meta | sep | caption | subhead | note
    text: str
    raw: str
    section: str = ""
    byline: str = ""
    date: str = ""  # meta: the date it gives (发布时间)
    closer: bool = False  # meta: page chrome or an editor note that ends a report; sign: the date line
    chrome: bool = False  # meta: web page chrome (上一篇 / 下一篇 / 【打印】), not an editor note
    page: bool = False  # section: a page label (第4版 综合)
    tag: bool = False  # section: the tag of a tagged headline (【通知】关于…的通知), over that headline only
    head: str = ""  # item: the headline printed on the item's line (◆【标题】正文… / ▲标题。正文…)
    jump: str = ""  # "in": the report goes on here from another page (上接第1版); "out": it breaks off (下转第2版)
    links: bool = False  # meta: the heading of a list of links to other items (往期推荐)
    numbered: bool = False  # head: a numbered heading (一、… / （一）…) heading a report of its own
    spaced: bool = False  # printed between blank lines


@dataclass
class _Draft:
    heads: list[str]
    section: str = ""
    paras: list[Paragraph] = field(default_factory=list)
    byline: str = ""
    closed: bool = False
    teaser: bool = False
    series: bool = False  # under a 【series】 label: each heading group is a report of its own
    sealed: bool = False  # ended by a separator line or an editor note: text after it is another report
    meta_date: str = ""  # from a 发布时间 line
    notice: bool = False  # under a notice's headline (任免名单 / 公告 / 公示 …)
    numbered: bool = False  # headed by a numbered heading (一、…) of a text whose reports are numbered


def _clean(line: str) -> str:
    return line.replace("\u3000", " ").replace("\xa0", " ").replace("\ufeff", "").strip()


def _unmark(clean: str) -> str:
    """A line of a web page's source or an app's Markdown read as it shows: no layout tags around
    it, no blank entities, no Markdown marks around a heading, nothing for an image; a labelled
    headline (标题：…) is the headline."""
    if not clean:
        return clean
    if "&" in clean:
        for e in BLANK_ENTITIES:
            clean = clean.replace(e, " ")
    if clean[0] == "<" and (m := HTML_OPEN_TAGS.match(clean)):
        clean = clean[m.end() :]
        if clean.endswith(">") and (m := HTML_CLOSE_TAGS.search(clean)):
            clean = clean[: m.start()]
        clean = html.unescape(clean)
    elif clean.endswith(">") and (m := HTML_CLOSE_TAGS.search(clean)) and not INLINE_TAG.search(m.group(0)):
        clean = clean[: m.start()]  # …</p> closing a paragraph opened on an earlier line
    clean = clean.strip()
    if not clean:
        return clean
    if clean[0] == "#" and (m := MD_HEADING.match(clean)):
        clean = m.group("text").strip("# ")
    if clean[0] == ">" and (m := MD_QUOTE.match(clean)):
        clean = m.group("text")
    if clean[0] in "*_" and (m := MD_BOLD.fullmatch(clean)):
        clean = m.group("text").strip()
    if IMAGE_LINE.match(clean):
        return ""
    if clean[0] in "【[标標题題主引肩眉副子" and (m := TITLE_LABEL.match(clean)) is not None:
        clean = m.group("text").strip()
        if SUB_LABELS.fullmatch(m.group("b") or m.group("c")) and not SUBTITLE_DASH.match(clean):
            clean = "——" + clean
    return clean


def _ends_terminal(text: str) -> bool:
    t = text.rstrip(CLOSERS)
    return bool(t) and (t[-1] in TERMINAL or (t != text and text[-1] in '”"' and t[-1] in TERMINAL))


def _bracket_names(text: str) -> bool:
    m = BRACKET_NAMES.match(text)
    return m is not None and not any(n in NOT_NAMES for n in re.split(r"[\s、]+", m.group("names")))


def _is_byline(text: str) -> bool:
    if len(text) > 60:
        return False
    return bool(BYLINE_LINE.match(text) or SOURCE_BYLINE.match(text)) or _bracket_names(text)


def _is_meta(text: str) -> bool:
    if len(text) <= 16 and PRINT_RUN.match(text):
        return True
    if len(text) <= SHARE_PROMPT_MAX and SHARE_PROMPT.match(text):
        return True
    if len(text) <= SITE_CHROME_MAX and SITE_CHROME.match(text):
        return True
    if len(text) <= APP_CHROME_MAX and APP_CHROME.match(text):
        return True
    if len(text) > 120 or not any(c in text for c in ":：【[-"):
        return False
    return bool(
        META_START.match(text) or CHROME_LINE.match(text) or EDITOR_LINE.match(text) or META_TWO_KEYS.search(text)
    )


def _is_caption(text: str) -> bool:
    if len(text) > 90 or not ("图" in text or "圖" in text or "摄" in text or "攝" in text):
        return False
    return bool(CAPTION_LINE.match(text))


# the pieces of text the line-shape patterns below need to see: the start of a line, or a short line
PREFIX = 24
SEPARATOR_CHARS = frozenset("-—–_=＝＊*※~～·•.。…#＃ ")
BOX_DRAWING = ("\u2500", "\u257f")


def _is_separator(text: str) -> bool:
    c = text[0]
    return (c in SEPARATOR_CHARS or BOX_DRAWING[0] <= c <= BOX_DRAWING[1]) and bool(SEPARATOR_LINE.match(text))


def _is_section_line(text: str) -> bool:
    return len(text) <= 40 and bool(SECTION_LINE.match(text))


def _trailing_byline(text: str) -> re.Match[str] | None:
    by = TRAILING_BYLINE.search(text)
    if by is None and text.endswith((")", "）")):
        by = TRAILING_BRACKET_BYLINE.search(text[-80:])
        if by is not None:
            return TRAILING_BRACKET_BYLINE.search(text, len(text) - 80) if len(text) > 80 else by
    return by


def _width(text: str) -> float:
    return sum(0.5 if ord(c) < 0x2E80 else 1.0 for c in text)


# the longest trailing byline `_looks_cut` looks for at the end of a paragraph it is joining lines
# to (记者 欧阳明月 王五 … 通讯员 … 文/图 is far shorter); only that much of the paragraph is read
TRAILING_BYLINE_MAX = 200
SECTION_SYMBOL_LEAD = re.compile(r"[■□◆◇▲△★☆]\s*")
# hard-wrapped text (a PDF copy): most lines have the same width; a full line runs on into the next
WRAP_MIN_LINES = 6
WRAP_SHARE = 0.35
# text hard-wrapped at varying widths (a PDF copy, lines of 18–26 characters cut mid-word): most
# lines are narrow and most of them stop in mid-sentence; such a line runs on into the next
RAGGED_WIDTH = 40.0  # three lines in four are at most this wide
RAGGED_CUT_SHARE = 0.6  # and this share of them stop in mid-sentence, with the next line right under
# a name printed with its characters spaced out (澜 桥 报 / 简  讯): read without the spaces
SPACED_OUT = re.compile(rf"^(?:[■□◆◇★☆]\s*)?[{CJK}](?:[ \u3000]+[{CJK}]){{1,7}}$")
# --- text read from a scan (OCR) -----------------------------------------------------------------
# stray spaces between single characters in the text (区 委 书 记 / 要 严 格 执 行), a letter O read
# for a zero inside a number (2O24年); two lines of text with stray spaces make a text an OCR'd scan
OCR_STRAY = re.compile(rf"[{CJK}] [{CJK}] [{CJK}]")
OCR_ZERO = re.compile(r"(?<=\d)[OoＯ](?=\d)|(?<=\d)[OＯ](?=[年月日号%])")
OCR_MIN_LINES = 2
OCR_LINE_MIN = 40  # a line of text, not a spaced-out name
CJK_SPACE = re.compile(rf"(?<=[{CJK}“”‘’（）《》，、：；])[ \u3000]+(?=[{CJK}“”‘’（）《》])")
# a byline in brackets keeps its spaces, which part the names (记者 张三 李四)
OCR_KEEP = _re(rf"[(（]\s*(?:{BYLINE_ORG}{BYLINE_WORDS}|供稿|撰稿)[^()（）]{{0,40}}[)）]")
# --- page turns of a printed paper -------------------------------------------------------------------
# the page number at the foot of a page (—4— / - 4 - / 第4页 / 4/8)
PAGE_NUMBER = re.compile(
    r"^(?:[—\-–－]{1,2}\s*\d{1,3}\s*[—\-–－]{1,2}|第\s*\d{1,3}\s*页(?:\s*[/，,]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})$"
)
# a jump marker: the report goes on on another page (下转第2版 / （上接第1版） / 转第3版): never text
JUMP_MARK = _re(
    r"[(（]\s*(?:下转|上接|接上|转下|转|接)\s*第?\s*[\d一二三四五六七八九十]{1,3}\s*版\s*[)）]"
    r"|^(?:下转|上接|接上|转下)\s*第?\s*[\d一二三四五六七八九十]{1,3}\s*版$"
)
JUMP_LINE_MAX = 16
JUMP_IN = _re(r"上接|接上|^[(（]?\s*接")
# the staff credits at the foot of a page (责任编辑：X　校对：Y), alone on their line
STAFF_LINE = _re(rf"^(?:{STAFF_WORDS}\s*[:：]?\s*[{CJK}·]{{2,4}}[\s|｜/、,，]*)+$")
# what a running page header holds besides its date and page: the paper's name and the page's name
RUNNING_HEADER_WORD = re.compile(rf"^[{CJK}·“”\"]{{1,14}}$")


class _Run:
    """A paragraph being built from printed lines, keeping what `_looks_cut` asks of it (its end,
    whether it holds punctuation, its length), so that joining a line costs that line's length,
    not the paragraph's: a 10 MB text with no punctuation is one paragraph of thousands of lines."""

    __slots__ = (
        "after_blank",
        "after_text",
        "caption",
        "captions",
        "core_end",
        "last_width",
        "lead",
        "length",
        "parts",
        "punct",
        "raws",
        "tail",
        "terminal",
    )

    def __init__(self, clean: str, raw: str, after_text: bool = False) -> None:
        self.after_text = after_text  # printed right under a paragraph that ends a sentence
        self.after_blank = False  # printed under a blank line (or first)
        self.parts = [clean]
        self.raws = [raw]
        self.length = len(clean)
        self.core_end = ""  # the last character that is not a closing quote or bracket
        self.terminal = False  # holds a 。！？；
        self.punct = False  # holds a 。，,；;：:
        self.tail = ""  # the paragraph's last TRAILING_BYLINE_MAX + 1 characters
        self.last_width = _width(clean)
        self.caption = _is_caption(clean)
        self.captions: list[tuple[str, str]] = []  # photo captions printed inside the paragraph
        lead = SECTION_SYMBOL_LEAD.match(clean)
        self.lead = lead.end() if lead else 0  # ■ and spaces before a section name
        self._note(clean)

    def _note(self, clean: str) -> None:
        core = clean.rstrip(CLOSERS)
        if core:
            self.core_end = core[-1]
        self.terminal = self.terminal or bool(INNER_TERMINAL.search(clean))
        self.punct = self.punct or bool(INNER_PUNCT.search(clean))
        self.tail = (self.tail + clean[-TRAILING_BYLINE_MAX - 1 :])[-TRAILING_BYLINE_MAX - 1 :]

    def join(self, clean: str, raw: str, sep: str) -> None:
        self.parts.append(clean)
        self.raws.append(sep + raw)
        self.length += len(clean)
        self.last_width = _width(clean)
        self._note(clean)

    def text(self) -> str:
        return "".join(self.parts)

    def ends_terminal(self) -> bool:
        # _ends_terminal(text): the last character before closing quotes and brackets ends a sentence
        return self.core_end != "" and self.core_end in TERMINAL

    def is_byline(self) -> bool:
        return self.length <= 60 and _is_byline(self.text())

    def trailing_byline(self) -> bool:
        # a match within the tail is a match in the paragraph (the look-behind character is read
        # too); a byline longer than the tail is body text
        return _trailing_byline(self.tail) is not None

    def is_section(self) -> bool:
        # a section line is at most 32 characters after its leading ■ and spaces
        return self.length - self.lead <= 32 and bool(SECTION_LINE.match(self.text()))


def _stands_alone(b: str) -> bool:
    """A line that is never the continuation of a cut paragraph."""
    return bool(
        _is_section_line(b)
        or _tag_title(b)
        or ITEM_LINE.match(b[:PREFIX])
        or NUMBERED_ITEM.match(b[:PREFIX])
        or _is_separator(b)
        or _is_meta(b)
        or _is_caption(b)
        or EDITOR_NOTE.match(b[:PREFIX])
    )


LABELLED_LINE = re.compile(rf"^[{CJK}]{{2,6}}[:：]")


def _looks_cut(a: _Run, b: str, full: float | None = None, ragged: bool = False) -> bool:
    """Whether paragraph `a` was cut by the page layout and continues in `b`; `full` is the width
    of a full line of hard-wrapped text (None when the text is not hard-wrapped), `ragged` says the
    text was hard-wrapped at varying widths."""
    if a.core_end in ":：" and len(b) <= 40 and _is_meta(a.parts[-1]) and not INNER_TERMINAL.search(b):
        return True  # a label whose value the page printed on the next line (稿件来源：/ XX融媒体中心)
    # in wrapped text a line ending a clause of a list (…怎么改的意见；) goes on in the next one
    list_clause = ragged and a.core_end != "" and a.core_end in "；;"
    if (a.ends_terminal() and not list_clause) or a.trailing_byline() or a.caption:
        return False
    if _is_byline(b) and not (ragged and _reads_on(b)):
        return False
    if a.is_byline() and not (ragged and _reads_on(a.text())):
        return False
    if a.is_section() or _stands_alone(b) or _is_meta(a.parts[-1]) or _is_separator(a.parts[-1]):
        return False
    if len(a.parts) == 1 and _tag_title(a.parts[0]):
        return False  # a tagged headline (【公告】垃圾分类有新规！…) is a line of its own
    if ragged:
        return _ragged_goes_on(a, b)
    if full is not None and a.last_width >= full and not SUBHEAD_LINE.match(b[:PREFIX]):
        return True  # a full line of hard-wrapped text runs on into the next one
    if ARTICLE_START.match(b) or (not a.punct and LABELLED_LINE.match(b[:PREFIX])):
        # a dateline; a labelled line (公示时间：… / 联系电话：…) under a line with no punctuation (a
        # flattened table's rows, a headline)
        return False
    if len(b) <= 60 and not INNER_TERMINAL.search(b) and not _ends_terminal(b):
        # `b` reads as a headline (short, no sentence in it): never glue it to the paragraph before,
        # even when that paragraph stops without punctuation (text continued on another page)
        return False
    if a.core_end in ":：" and SUBHEAD_LINE.match(b[:PREFIX]):
        return False  # a lead-in (…有关事项公告如下：) over the first point of its list (一、…)
    if a.parts[-1][-1] in SOFT_PUNCT:
        return True
    if a.terminal and INNER_TERMINAL.search(b):
        # a sentence ends inside `a` and text runs on after it: body text cut by the layout
        # (headlines never hold a 。), continued by more body text (项目建 / 设单位、…效率。)
        return True
    if CONTINUATION_START.match(b):
        return True
    if a.punct and a.length >= 25:
        return True
    return a.length >= 45


def _reads_on(text: str) -> bool:
    """A line of wrapped text opening with 记者 / 来源 that goes on as a sentence (记者在刚刚完工的织锦路
    看到，…): no byline, which has no comma outside its brackets."""
    return not text.startswith(("(", "（")) and re.search(r"[，,]", text) is not None


def _ragged_goes_on(a: _Run, b: str) -> bool:
    """In text hard-wrapped at varying widths, whether the line `b` goes on with paragraph `a`, which
    does not end a sentence: it does unless `b` plainly starts something new (a dateline, a
    sub-headline, a page label, a masthead line) or `a` is a headline (a line of its own, no
    punctuation in it, after a blank line or a headline: a numbered one anywhere)."""
    if AGENCY_START.match(b[:60]) or SUBTITLE_DASH.match(b) or SUBHEAD_LINE.match(b[:PREFIX]):
        return False
    if NOTICE_TEXT_LINE.match(b) or (len(b) <= PAGE_LABEL_MAX and PAGE_LABEL.match(b)):
        return False
    if (len(a.parts) == 1 and _masthead_fields(a.parts[0]) is not None) or _masthead_fields(b) is not None:
        return False
    if len(a.parts) == 1 and not a.punct and (not a.after_text or NUMBERED_ITEM.match(a.parts[0][:PREFIX])):
        # a headline: only text that cannot open a line of its own (党，… / 、…) goes on with it
        return bool(CONTINUATION_START.match(b)) or b[0] in SOFT_PUNCT
    return True


def _wrap_width(lines: list[str]) -> float | None:
    """The width of a full line when the text was hard-wrapped (most lines equally wide), else None."""
    counts: Counter[int] = Counter()
    n = 0
    for line in lines:
        w = _width(line)
        if w >= 10:
            n += 1
            counts[int(w)] += 1
    if not counts:
        return None
    top, c = counts.most_common(1)[0]
    near = c + counts.get(top - 1, 0)
    if 12 <= top <= 45 and near >= WRAP_MIN_LINES and near >= WRAP_SHARE * n:
        return top - 1.0
    return None


def _ragged_wrap(lines: list[str]) -> bool:
    """Whether the text was hard-wrapped at varying widths (`lines` with their blank lines): most
    lines are narrow and stop in mid-sentence with the next line right under them (a text of one
    paragraph a line has long lines, ends most of them with a 。 and prints a list under blank lines);
    page metadata and masthead lines are not counted."""
    cut = 0
    widths: list[float] = []
    for k, line in enumerate(lines):
        # page metadata and web page chrome (上一篇：… / 发布日期：…) are short lines of any text
        if (w := _width(line)) >= 10 and not _is_meta(line) and _masthead_fields(line) is None:
            widths.append(w)
            cut += k + 1 < len(lines) and lines[k + 1] != "" and not _ends_terminal(line)
    widths.sort()
    if len(widths) < 4 * WRAP_MIN_LINES or widths[len(widths) * 3 // 4] > RAGGED_WIDTH:
        return False
    return cut >= RAGGED_CUT_SHARE * len(widths)


def _is_running_header(text: str) -> bool:
    """A running page header (澜桥报　2024年5月17日　第2版　要闻): the date and the page, with at most
    the paper's and the page's names beside them."""
    if len(text) > PAGE_LABEL_MAX:
        return False
    date, page = MASTHEAD_DATE.search(text), MASTHEAD_PAGE.search(text)
    if date is None or page is None or not (date.group("day") or date.group("day2")):
        return False
    rest = text
    for pat in (MASTHEAD_DATE, MASTHEAD_PAGE, MASTHEAD_ISSUE, MASTHEAD_WEEKDAY, MASTHEAD_LUNAR):
        rest = pat.sub(" ", rest)
    words = [w for w in re.split(r"[\s|｜/·]+", rest) if w]
    return len(words) <= 2 and all(RUNNING_HEADER_WORD.match(w) for w in words)


def _drop_page_turns(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Take out the page chrome a printed paper repeats at each page turn (the footer's staff credits
    and page number, the next page's running header) and the jump markers (下转第2版 / 上接第1版), so
    that a report running over the turn goes on. A page turn reads as a blank line; the footer's
    staff credits stay (ending the report above them) unless a jump marker or a cut sentence says
    that the report goes on."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        clean = lines[i][0]
        if not clean or not (STAFF_LINE.match(clean) or _page_chrome(clean)):
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and (not lines[j][0] or STAFF_LINE.match(lines[j][0]) or _page_chrome(lines[j][0])):
            j += 1
        group = [c for c, _ in lines[i:j] if c]
        if not any(PAGE_NUMBER.match(c) or _is_running_header(c) for c in group):
            out.extend(lines[i:j])  # an editor's credits closing a report, not a page turn
            i = j
            continue
        before = next((c for c, _ in reversed(out) if c), "")
        goes_on = any(JUMP_MARK.search(c) for c in group) or (before != "" and not _ends_terminal(before))
        out.append(("", ""))
        if not goes_on:
            out.extend(line for line in lines[i:j] if line[0] and STAFF_LINE.match(line[0]))
        i = j
    return out


def _page_chrome(text: str) -> bool:
    return bool(PAGE_NUMBER.match(text) or JUMP_MARK.fullmatch(text.strip("（）() ")) or _is_running_header(text))


def _strip_jump_marks(line: tuple[str, str]) -> tuple[str, str]:
    """The text without its jump marker; a line that is only a marker (away from a page turn) stays,
    and the printed line keeps it, so that the report is joined to the part on the other page."""
    clean, raw = line
    if not JUMP_MARK.search(clean):
        return line
    stripped = JUMP_MARK.sub("", clean).strip()
    return (stripped or clean), raw


def _jump(text: str) -> str:
    """ "in" for a line printed where a report goes on (（上接第1版）…), "out" for one where it breaks
    off (…（下转第2版）), else ""."""
    if not ("接" in text or "转" in text) or (m := JUMP_MARK.search(text)) is None:
        return ""
    return "in" if JUMP_IN.search(m.group(0)) else "out"


def _is_jump_line(text: str) -> bool:
    return len(text) <= JUMP_LINE_MAX and _jump(text) != "" and JUMP_MARK.fullmatch(text.strip("（）() ")) is not None


def _is_ocr(lines: list[str]) -> bool:
    """Whether the text was read from a scan: sentences of text (not page metadata, a table's
    rows or a 字号：[大 中 小] switch) with stray spaces between single characters (区 委 书 记),
    OCR_MIN_LINES of them."""
    return (
        sum(1 for c in lines if len(c) >= OCR_LINE_MIN and "。" in c and OCR_STRAY.search(c) and not _is_meta(c))
        >= OCR_MIN_LINES
    )


def _ocr_repair(clean: str) -> str:
    """A line of OCR'd text read as printed: no space between two CJK characters (a headline's space
    between two phrases stays), 0 for an O inside a number (2O24年); bylines in brackets kept."""
    clean = OCR_ZERO.sub("0", clean)
    headline = len(clean) <= 60 and not INNER_PUNCT.search(clean)
    out: list[str] = []
    pos = 0
    for m in [*OCR_KEEP.finditer(clean), None]:
        end = m.start() if m else len(clean)
        part = clean[pos:end]
        if headline:
            # only the spaces of a spaced-out run of single characters (覃 立 峰)
            part = re.sub(
                rf"(?<![{CJK}])([{CJK}](?: [{CJK}])+)(?![{CJK}])", lambda r: r.group(1).replace(" ", ""), part
            )
        else:
            part = CJK_SPACE.sub("", part)
        out.append(part)
        if m:
            out.append(m.group(0))
            pos = m.end()
    return "".join(out)


def _split_headline(a: _Run, b: str, blank: bool) -> bool:
    """In OCR'd text, whether the line `b`, right under the one-line headline `a`, is the rest of
    that headline (a headline the scan split over two lines)."""
    if blank or len(a.parts) != 1 or not a.after_blank or a.punct or a.length > 30 or a.length < 8:
        return False
    head = a.parts[0]
    if " " in head or _stands_alone(head) or _is_byline(head) or _masthead_fields(head) is not None:
        return False
    return (
        len(b) <= 20
        and not INNER_PUNCT.search(b)
        and not _ends_terminal(b)
        and " " not in b
        and not _stands_alone(b)
        and not _is_byline(b)
        and not SUBTITLE_DASH.match(b)
        and _masthead_fields(b) is None
    )


def _paragraphs(text: str, spaced: list[bool] | None = None) -> list[tuple[str, str]]:
    """Split text into (repaired, raw) paragraphs: one per printed line, cut lines joined. A photo
    caption printed inside a cut sentence is taken out of it and follows the paragraph. `spaced`,
    when given, gets for each paragraph whether it stands between blank lines."""
    text = re.sub(PINYIN_LEFTOVER, "", text)
    lines = []
    for line in text.split("\n"):
        clean = _clean(line)
        shown = _unmark(clean)
        lines.append((shown, line.strip() if shown == clean else shown))
    lines = [(re.sub(r"[ \u3000]+", "", c), r) if SPACED_OUT.match(c) else (c, r) for c, r in lines]
    ocr = _is_ocr([c for c, _ in lines])
    if ocr:
        lines = [(_ocr_repair(c), r) for c, r in lines]
    if any(JUMP_MARK.search(c) or PAGE_NUMBER.match(c) for c, _ in lines):
        lines = [_strip_jump_marks(line) for line in _drop_page_turns(lines)]
    full = _wrap_width([c for c, _ in lines if c])
    ragged = full is None and _ragged_wrap([c for c, _ in lines])
    runs: list[_Run] = []
    last_line: list[int] = []  # for each run, the index of its last line
    pending_blank = False
    for n, (clean, raw) in enumerate(lines):
        if not clean:
            pending_blank = True
            continue
        if _is_jump_line(clean):
            runs.append(_Run(clean, raw))
            runs[-1].caption = True  # never joined to the text around it
            last_line.append(n)
            pending_blank = False
            continue
        if runs and not runs[-1].ends_terminal() and not runs[-1].caption and _is_caption(clean):
            runs[-1].captions.append((clean, raw))
            pending_blank = False
            continue
        if runs and _looks_cut(runs[-1], clean, full, ragged):
            runs[-1].join(clean, raw, "\n\n" if pending_blank else "\n")
            last_line[-1] = n
        elif ocr and runs and _split_headline(runs[-1], clean, pending_blank):
            runs[-1].join(clean, raw, "\n")
            last_line[-1] = n
        else:
            after_text = bool(runs) and not pending_blank and runs[-1].ends_terminal() and runs[-1].punct
            runs.append(_Run(clean, raw, after_text))
            runs[-1].after_blank = pending_blank or len(runs) == 1
            last_line.append(n)
        pending_blank = False
    out: list[tuple[str, str]] = []
    for r, last in zip(runs, last_line, strict=True):
        out.append((r.text(), "".join(r.raws)))
        out.extend(r.captions)
        if spaced is not None:
            after = last + 1 >= len(lines) or not lines[last + 1][0]
            spaced.append(r.after_blank and after and not r.captions)
            spaced.extend([False] * len(r.captions))
    return out


@dataclass
class _Masthead:
    publisher: str = ""
    org: str = ""  # 编印 / 主办 organisation
    year: str = ""
    month: str = ""
    day: str = ""
    issue: str = ""
    lines: list[str] = field(default_factory=list)
    account: bool = False  # the org is the one a news account belongs to (XX街道办事处官方政务新媒体)


def _masthead_fields(line: str) -> dict[str, str] | None:
    """The fields of a masthead line made only of masthead pieces (date, weekday, issue, page,
    publisher), or None when it holds anything else."""
    if MASTHEAD_TEASER.match(line):
        return {}
    if len(line) > MASTHEAD_LINE_MAX:
        return None
    if MASTHEAD_MISC.search(line) or MASTHEAD_LATIN.match(line) or SITE_NAME.match(line):
        return {}
    if re.fullmatch(r"\d{1,2}", line):
        return None
    got: dict[str, str] = {}
    rest = line
    m = MASTHEAD_ISSUE.search(rest)
    if m:
        got["issue"] = re.sub(r"\s+", "", m.group("issue"))
        rest = rest[: m.start()] + " " + rest[m.end() :]
    m = MASTHEAD_DATE.search(rest)
    if m:
        got["year"] = m.group("year") or m.group("year2")
        got["month"] = m.group("month") or m.group("month2")
        day = m.group("day") or m.group("day2")
        if day:
            got["day"] = day
        rest = rest[: m.start()] + " " + rest[m.end() :]
    for pat in (MASTHEAD_PAGE, MASTHEAD_EDITION, MASTHEAD_STAFF, MASTHEAD_WEEKDAY, MASTHEAD_LUNAR, MASTHEAD_COLLECTION):
        while m := pat.search(rest):
            rest = rest[: m.start()] + " " + rest[m.end() :]
    while (m := MASTHEAD_ORG.search(rest)) and MASTHEAD_SEPARATORS.match(rest[: m.start()]):
        got.setdefault("org", m.group("publisher").strip())
        rest = " " + rest[m.end() :]
    while (m := MASTHEAD_ORG_LABEL.search(rest)) and MASTHEAD_SEPARATORS.match(rest[: m.start()]):
        got.setdefault("org", m.group("publisher").strip())
        rest = " " + rest[m.end() :]
    if (m := MASTHEAD_ACCOUNT.fullmatch(rest.strip())) and "org" not in got:
        got["org"] = got["account"] = m.group("publisher")
        rest = ""
    if "year" in got and "org" not in got and MASTHEAD_MEDIA.match(rest.strip()):
        got["org"] = rest.strip()  # the media organisation beside the issue's date
        rest = ""
    if rest == line or not MASTHEAD_SEPARATORS.match(rest):
        return None
    return got


def _running_header_masthead(line: str) -> _Masthead | None:
    """The masthead of a paper whose pages open with their running header only (砚川区报　2024.6.14　第2版):
    the paper's name and the date."""
    if not _is_running_header(line) or (date := MASTHEAD_DATE.search(line)) is None:
        return None
    rest = line
    for pat in (MASTHEAD_DATE, MASTHEAD_PAGE, MASTHEAD_ISSUE, MASTHEAD_WEEKDAY, MASTHEAD_LUNAR):
        rest = pat.sub(" ", rest)
    names = [w for w in re.split(r"[\s|｜/·]+", rest) if PAPER_NAME.match(w) and not NOT_PAPER_ENDINGS.search(w)]
    if not names:
        return None
    return _Masthead(
        publisher=names[0],
        year=date.group("year") or date.group("year2"),
        month=date.group("month") or date.group("month2"),
        day=date.group("day") or date.group("day2") or "",
        issue=((iss := MASTHEAD_ISSUE.search(line)) and re.sub(r"\s+", "", iss.group("issue"))) or "",
    )


def _read_masthead(paras: list[tuple[str, str]]) -> tuple[_Masthead, int]:
    if paras and (header := _running_header_masthead(paras[0][0])):
        return header, 1
    first = paras[0][0] if paras else ""
    app = APP_HEADER.match(first) if first.startswith("原创") or "发表于" in first else None
    if app and (first.startswith("原创") or app.group("place")):
        return _Masthead(publisher=app.group("account"), year=app["year"], month=app["month"], day=app["day"]), 1
    m = _Masthead()
    i = 0
    column_name = False  # the first line names a column (沣渚区工作动态), not a paper
    if len(paras) > 1 and _masthead_fields(paras[1][0]) is not None:
        first, second = paras[0][0], _masthead_fields(paras[1][0]) or {}
        if (copy := PAPER_COPY.search(first)) and copy.start() >= 2:
            first = first[: copy.start()]  # 澄岭报 电子版: the paper's name
        named = PAPER_NAME.match(first) and not NOT_PAPER_ENDINGS.search(first)
        # a name that does not end as papers do (今日桐溪) over a line of publisher, date or issue
        if named or (PAPER_NAME_LOOSE.match(first) and set(second) & {"org", "year", "issue"}):
            m.publisher = first
            column_name = not named and NOT_PAPER_ENDINGS.search(first) is not None
            i = 1
    while i < len(paras) and i < 20:
        line = paras[i][0]
        day = MASTHEAD_DAY.match(line)
        if day:
            if not (m.year and not m.day):
                break  # a bare number that is not after a masthead date
            m.day = day.group("day")
            i += 1
            continue
        g = _masthead_fields(line)
        if g is None and i == 0 and not m.publisher:
            # the paper's name on the line of its date and issue (麓湖日报  2024年9月12日  第6321期)
            name, _, rest = line.partition(" ")
            named = PAPER_NAME.match(name) and not NOT_PAPER_ENDINGS.search(name)
            if named and (g := _masthead_fields(rest.strip())) is not None and {"year", "issue"} & set(g):
                m.publisher = name
            else:
                g = None
        if g is None:
            edition = MASTHEAD_EDITION.match(line)
            rest = line[edition.end() :].strip() if edition else ""
            if rest and len(rest) <= PAGE_LABEL_MAX and PAGE_LABEL.match(rest):
                paras[i] = (rest, paras[i][1])  # 今日4版　第1版：要闻: the first page's label under the masthead
            break
        if "org" in g and not m.org:
            m.org = g["org"]
            m.account = "account" in g
        if "year" in g and not m.year:
            m.year, m.month = g["year"], g["month"]
            m.day = g.get("day", "")
        if "issue" in g and not m.issue:
            m.issue = g["issue"]
        i += 1
    if not m.publisher or (column_name and m.org):
        m.publisher = m.org  # a work brief named for its column is published by the office that 编 it
    return m, i


# a paper named for a place (青塘报, 蘅溪日报, 澄岭融媒): the place's name before the paper word
PAPER_STEM = re.compile(rf"([{CJK}]{{2}})(?:日报|报|融媒|新闻)")
NOT_PAPER_STEMS = frozenset({"人民", "光明", "经济", "法制", "法治", "工人", "农民", "中国", "科技", "晚报", "都市"})


def _district_ok(d: str) -> bool:
    d = to_simplified(d)
    return d not in NOT_DISTRICTS and d[-2:] not in NOT_DISTRICT_ENDINGS and d[1] not in "全我该本各此县市省届"


def _guess_district(names: list[str], text: str) -> str:
    """From the publisher and masthead lines, then the datelines (青禾区融媒体中心讯), then the
    district most often named in the text (twice at least)."""
    for name in names:
        for d in DISTRICT_IN_TEXT.findall(name):
            if _district_ok(d):
                return to_simplified(d)
    counts = Counter(d for d in DISTRICT_IN_TEXT.findall(text) if _district_ok(d))
    counts = Counter({d: c for d, c in counts.items() if not d.endswith(("内六区", "城区"))})
    if counts:
        best, n = counts.most_common(1)[0]
        if n >= 2:
            return to_simplified(best)
    return _district_of_paper(names, text)


def _district_of_paper(names: list[str], text: str) -> str:
    """A paper named for its district without the suffix (青塘报, 蘅溪日报): the district is the
    paper's stem, a 区 or a 县 as the text says 全区/我区/区委 or 全县/我县/县委 (twice at least,
    and more often than the other)."""
    for name in names:
        m = PAPER_STEM.fullmatch(to_simplified(name).strip())
        if not m or m.group(1) in NOT_PAPER_STEMS:
            continue
        qu = len(re.findall(r"全区|我区|区委|区政府|区人大", text))
        xian = len(re.findall(r"全县|我县|县委|县政府|县人大", text))
        if max(qu, xian) >= 2 and qu != xian:
            return m.group(1) + ("区" if qu > xian else "县")
    return ""


def _contents_end(paras: list[tuple[str, str]], i: int) -> int:
    """Where the table of contents under the label at `i` (本期目录) ends: the headlines listed under
    it, up to a line that is not a headline or a headline with text under it (the first report's)."""

    def listed(k: int) -> bool:
        t = paras[k][0]
        return len(t) <= 40 and not INNER_TERMINAL.search(t) and not _ends_terminal(t) and not _is_separator(t)

    j = i + 1
    while j < len(paras) and j - i <= CONTENTS_MAX and listed(j):
        if j + 1 < len(paras) and not listed(j + 1) and not _is_separator(paras[j + 1][0]):
            break  # a headline over its text
        j += 1
    return j if j > i + 1 else i


def _classify(paras: list[tuple[str, str]], masthead: _Masthead, spaced: list[bool] | None = None) -> list[_Block]:
    blocks = _classify_lines(paras, masthead)
    if spaced is not None:
        # each paragraph makes one block, but a tagged headline (【通知】…) makes two
        k = 0
        for b in blocks:
            if b.kind == "head" and k < len(spaced) and b.raw == paras[k][1]:
                b.spaced = spaced[k]
            if not b.tag:
                k += 1
    return blocks


def _classify_lines(paras: list[tuple[str, str]], masthead: _Masthead) -> list[_Block]:
    blocks: list[_Block] = []
    contents_end = 0
    for k, (text, raw) in enumerate(paras):
        if k < contents_end:
            blocks.append(_Block("meta", text, raw))  # a headline listed in the table of contents
            continue
        if len(text) <= 12 and CONTENTS_LABEL.match(text) and (end := _contents_end(paras, k)) > k:
            blocks.append(_Block("meta", text, raw))
            contents_end = end
            continue
        if _is_separator(text):
            blocks.append(_Block("sep", text, raw))
            continue
        if _is_jump_line(text):
            blocks.append(_Block("jump", text, raw, jump=_jump(text)))
            continue
        if len(text) <= 16 and RELATED_LINKS.match(text):
            blocks.append(_Block("meta", text, raw, closer=True, chrome=True, links=True))
            continue
        page = PAGE_LABEL.match(text) if len(text) <= PAGE_LABEL_MAX else None
        if page:
            blocks.append(_Block("section", text, raw, section=page.group("name") or "", page=True))
            continue
        if _is_meta(text):
            date = META_DATE.search(text)
            chrome = bool(
                CHROME_LINE.match(text)
                or SITE_CHROME.match(text)
                or (len(text) <= APP_CHROME_MAX and APP_CHROME.match(text))
                or (len(text) <= SHARE_PROMPT_MAX and SHARE_PROMPT.match(text))
            )
            blocks.append(
                _Block(
                    "meta",
                    text,
                    raw,
                    date=f"{date['year']}-{int(date['month']):02d}-{int(date['day']):02d}" if date else "",
                    closer=chrome or bool(EDITOR_LINE.match(text)),
                    chrome=chrome,
                )
            )
            continue
        if _is_running_header(text):
            blocks.append(_Block("meta", text, raw))  # the running header of the next page
            continue
        fields = _masthead_fields(text)
        if (fields and set(fields) & {"year", "issue", "org"}) or (masthead.publisher and text == masthead.publisher):
            blocks.append(_Block("meta", text, raw))  # a running page header, a masthead line
            continue
        if fields == {} and (SITE_NAME.match(text) or MASTHEAD_TEASER.match(text)):
            blocks.append(_Block("meta", text, raw))  # a running page header, a masthead line
            continue
        sec = SECTION_LINE.match(text) if len(text) <= 40 else None
        if sec:
            name = sec.group("name") or sec.group("name2") or sec.group("series")
            blocks.append(_Block("section", text, raw, section=name))
            continue
        column = COLUMN_LINE.match(text) if len(text) <= 40 else None
        if column:
            blocks.append(_Block("section", text, raw, section=column.group("name")))
            continue
        if ("\t" in raw or "  " in raw) and _is_table_row(raw):
            blocks.append(_Block("body", text, raw))  # a row of a table flattened to text
            continue
        if tag := _tag_title(text):
            # 【通知】关于…的通知: the kind of the item names its section, the rest is its headline
            blocks.append(
                _Block("section", text[: tag.start("title")].strip(), raw, section=tag.group("tag"), tag=True)
            )
            blocks.append(_Block("head", tag.group("title"), raw))
            continue
        if _is_caption(text):
            blocks.append(_Block("caption", text, raw))
            continue
        item = ITEM_LINE.match(text)
        inline = _line_head(item.group("body") if item else text, item is not None)
        if (item and len(item.group("body")) > 15) or inline:
            head, body = inline or ("", item.group("body") if item else text)
            by = _trailing_byline(body)
            blocks.append(
                _Block(
                    "item",
                    body[: by.start()].strip() if by else body,
                    raw,
                    byline=by.group("byline") if by else "",
                    head=head,
                    jump=_jump(raw),
                )
            )
            continue
        if _is_byline(text):
            blocks.append(_Block("byline", text, raw))
            continue
        if TEASER_END.match(text):
            blocks.append(_Block("teaser_end", text, raw))
            continue
        num = NUMBERED_ITEM.match(text[:PREFIX])
        if num and len(text) - num.start("body") > 15 and INNER_PUNCT.search(text):
            body = text[num.start("body") :]
            if body[0] in "【[" and (inline := _line_head(body, False)):
                # 1.【标题】正文…: a numbered report with its headline on its line
                blocks.append(_Block("item", inline[1], raw, head=inline[0], jump=_jump(raw)))
                continue
            by = _trailing_byline(body)
            blocks.append(
                _Block(
                    "numitem", body[: by.start()].strip() if by else body, raw, byline=by.group("byline") if by else ""
                )
            )
            continue
        if len(text) <= 40 and SUBHEAD_LINE.match(text) and not INNER_TERMINAL.search(text):
            blocks.append(_Block("subhead", text, raw))
            continue
        if EDITOR_NOTE.match(text[:PREFIX]):
            blocks.append(_Block("note", text, raw))
            continue
        by = _trailing_byline(text)
        if by:
            blocks.append(_Block("body", text[: by.start()].rstrip(), raw, byline=by.group("byline"), jump=_jump(raw)))
            continue
        if _is_heading(text):
            blocks.append(_Block("head", text, raw))
        else:
            blocks.append(_Block("body", text, raw, jump=_jump(raw)))
    _mark_signatures(blocks)
    return blocks


def _mark_signatures(blocks: list[_Block]) -> None:
    """Mark the signature closing a notice: after its text, the issuing body's name over a line
    that is only a date (or both on one line), with no text of its own under it (a headline over
    the date of a web page copy has its report under it)."""
    text_kinds = ("body", "item", "numitem")
    lines = ("head", *text_kinds)
    for i, b in enumerate(blocks):
        if b.kind not in ("meta", "head") or len(b.text) > 60 or i == 0 or blocks[i - 1].kind not in lines:
            continue
        if i + 1 < len(blocks) and blocks[i + 1].kind in ("body", "note"):
            continue
        prev = blocks[i - 1]
        date = _sign_date(b.text)
        if date is not None:
            # under its text (or its list of names printed without punctuation, read as headlines)
            if i >= 2 and prev.kind == "head" and SIGN_ORG.fullmatch(prev.text) and blocks[i - 2].kind in lines:
                blocks[i - 1] = _Block("sign", prev.text, prev.raw)
                blocks[i] = _Block("sign", b.text, b.raw, date=date, closer=True)
            continue
        one_line = re.match(rf"^(?P<org>.+?)\s+(?P<date>[\d{CN_DIGITS}○零].+)$", b.text)
        if one_line and prev.kind in text_kinds and SIGN_ORG.fullmatch(one_line.group("org")):
            date = _sign_date(one_line.group("date"))
            if date is not None:
                blocks[i] = _Block("sign", b.text, b.raw, date=date, closer=True)


def _is_heading(text: str) -> bool:
    if len(text) > 60 or (_ends_terminal(text) and not text.startswith("“") and not _exclaimed(text)):
        return False
    if (text.endswith(("：", ":")) and len(text) >= 12) or NOTICE_TEXT_LINE.match(text):
        # a sentence leading into what follows (…会议于3月20日决定：), a notice's 任命： / 特此公告
        return False
    if ARTICLE_START.match(text) and INNER_PUNCT.search(text):
        return False
    return text.count("。") == 0


# an app's headline ending with a ！ or a ？ (我区新增3所公办幼儿园！/ 口袋公园来了？): short, no sentence
# or clause before its mark
EXCLAIMED_MAX = 30


def _exclaimed(text: str) -> bool:
    return len(text) <= EXCLAIMED_MAX and text[-1] in "！？!?" and not INNER_PUNCT.search(text)


def _main_title(heads: list[str]) -> tuple[str, tuple[str, ...]]:
    """Pick the headline proper from a heading group; the rest are over/sub-headlines."""

    def plain(h: str) -> bool:
        # a slogan over the headline has commas or spaced parallel phrases (关爱"一老" 托起"夕阳红"); a
        # note in brackets under it ((2024年9月11日…会议通过) / (按姓氏笔画排序)) is never the headline
        return (
            not re.search(r"[，,]", h)
            and not re.search(r"[^\s] +[^\s]", h)
            and not h.startswith(("“", '"'))
            and not (h[0] in "(（" and h[-1] in ")）")
        )

    if len(heads) > 1:
        # ——subtitle under the headline: the headline is the line just above the first one
        dash = next((k for k, h in enumerate(heads) if k > 0 and SUBTITLE_DASH.match(h)), 0)
        if dash:
            headline = heads[dash - 1]
            return headline, tuple(h for h in heads if h is not headline)
        # an over-headline (引题) then the headline: the one that states the news (who did what)
        news = [h for h in heads if plain(h) and len(h) > 8 and NEWS_VERB.search(h)]
        if len(heads) == 2 and news == heads[1:]:
            return news[0], tuple(h for h in heads if h is not news[0])

    main = next((h for h in heads if plain(h) and len(h) > 8), None)
    # a short label (京广路街道) over a headline with a comma: the headline is the title
    main = main or next((h for h in heads if len(h) > 8 and not h.startswith("“")), None)
    main = main or next((h for h in heads if plain(h)), heads[0])
    return main, tuple(h for h in heads if h is not main)


# a feature's headline naming whom or where it is about before a colon (劳动模范范守义：锅炉旁的“金牌医生”
# / 石岭乡：小香菇撑起致富伞): a report of its own after a finished report's paragraphs, not a sub-heading
PROFILE_TITLE = _re(rf"^[{CJK}·]{{2,12}}[:：][^，,。；;：:！？!?]{{6,30}}$")
PROFILE_AFTER = 3
SUBTITLE_DASH = re.compile(r"^\s*(?:——|—|--|－－)")
# what a headline stating the news does (召开 / 举行 / 调研 …), which a slogan over it seldom does
NEWS_VERB = _re(
    r"召开|举行|举办|开展|调研|督导|督查|检查|视察|考察|主持|出席|会见|座谈|启动|开幕|闭幕|落幕|签约|"
    r"投用|投产|开工|竣工|通过|发布|印发|部署|推进会|完成|获评|荣获|走访|慰问|看望|开班|揭牌|成立|上线"
)
REPORTER_WORDS = ("记者", "通讯员", "本报记者", "实习记者", "摄影", "编辑", "责任编辑", "供稿", "撰稿", "摄")


def _reporters(byline: str) -> tuple[str, ...]:
    names: list[str] = []
    cleaned = re.sub(r"[()（）]", " ", byline)
    cleaned = re.sub(r"文/图|文／图|图/文", " ", cleaned)
    if re.search(_tc(r"来源|新华社"), cleaned):
        return ()
    for tok in re.split(r"[\s:：、,，]+", cleaned):
        if tok and to_simplified(tok) not in REPORTER_WORDS:
            tok = re.sub(_tc(r"^(本报记者|实习记者|记者|通讯员)"), "", tok)
            tok = re.sub(_tc(r"摄$"), "", tok)
            if re.fullmatch(NAME, tok) and not ORG_SUFFIX.search(tok):
                names.append(tok)
    return tuple(dict.fromkeys(names))


def _article_date(first_para: str) -> tuple[str, str]:
    """(dateline, date): the date has a year only when the dateline prints one (never guessed)."""
    m = DATELINE.match(first_para)
    if not m:
        plain = DATELINE_PLAIN.match(first_para)
        return (plain.group("dateline") if plain else ""), ""
    month, day = int(m.group("month")), int(m.group("day"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group("dateline").strip(), ""
    year = m.group("year")
    date = f"{year}-{month:02d}-{day:02d}" if year else f"{month:02d}-{day:02d}"
    return m.group("dateline").strip(), date


def lead_tag_end(text: str) -> int:
    """Where the sentence starts in a paragraph that opens with a dateline tag (本报讯, 青禾区融媒体
    中心讯（记者 …）) or an editor-note label (编者按：): quoted text starts there."""
    m = LEAD_TAG.match(text)
    return m.end() if m else 0


def _next_kind(
    blocks: list[_Block], i: int, skip: tuple[str, ...] = ("meta",), chrome: bool = False
) -> tuple[int, str]:
    """The next block not of a kind in `skip` (a closing meta line stops the search, web page
    chrome does not when `chrome`)."""
    while i < len(blocks) and blocks[i].kind in skip and (not blocks[i].closer or (chrome and blocks[i].chrome)):
        i += 1
    return i, (blocks[i].kind if i < len(blocks) else "")


def _segment(blocks: list[_Block], packed: bool = False) -> list[_Draft]:
    """The reports of a text's blocks; `packed`: the text prints a report's paragraphs with no blank
    line between them (see `_packed`)."""
    drafts: list[_Draft] = []
    cur: _Draft | None = None
    pending_section = ""
    item_section = ""
    pending_series = False
    pending_date = ""
    pending_paras: list[Paragraph] = []  # an editor's note or captions printed before their report
    # a text whose reports open with no agency dateline (本报讯 / XX融媒体中心讯): a digest, a column,
    # an app's pages, where a headline after a finished report opens the next one
    undated = not any(b.kind == "body" and AGENCY_START.match(b.text[:60]) for b in blocks)
    jumped: _Draft | None = None  # the last report that breaks off to go on on another page (下转第2版)
    links = False  # in a list of links to other items (往期推荐): headlines with no text are no reports
    top_level = ""  # the kind of number (一、 / （一）) heading the reports themselves, not their sections
    i = 0

    def open_draft(heads: list[str], section: str, teaser: bool = False, series: bool = False) -> _Draft:
        nonlocal pending_date
        d = _Draft(heads=heads, section=section, teaser=teaser, closed=teaser, series=series)
        d.meta_date, pending_date = pending_date, ""
        d.paras.extend(pending_paras)
        pending_paras.clear()
        drafts.append(d)
        return d

    while i < len(blocks):
        b = blocks[i]
        if b.kind == "jump" or (b.jump == "in" and b.kind in ("body", "item")):
            if b.jump == "out" and cur is not None:
                jumped = cur
            elif b.jump == "in" and jumped is not None:
                # the rest of a report from another page: its text goes on here
                cur, jumped = jumped, None
                cur.closed = cur.sealed = False
                if b.kind == "body":
                    cur.paras.append(Paragraph(b.text, b.raw))
            elif b.kind != "jump":
                b.jump = ""
                continue
            i += 1
            continue
        if b.kind == "sep":
            if cur is not None:
                cur.closed = cur.sealed = True
            links = False
            i += 1
            continue
        if b.kind == "meta":
            links = links or b.links
            if b.closer and cur is not None:
                cur.closed = cur.sealed = True
            elif b.date:
                if cur is None or cur.sealed:
                    pending_date = b.date
                elif not cur.meta_date:
                    cur.meta_date = b.date
                elif cur.paras:
                    # a second 发布时间 line after the report's text: the next web page begins,
                    # with or without a headline of its own
                    cur.closed = cur.sealed = True
                    pending_date = b.date
            i += 1
            continue
        if b.kind == "sign":
            if cur is not None and not cur.sealed and not cur.teaser:
                # a notice's signature: the issuing body, then the date that ends the notice
                cur.paras.append(Paragraph(b.text, b.raw))
                if b.closer:
                    cur.meta_date = cur.meta_date or b.date
                    cur.closed = cur.sealed = True
                i += 1
                continue
            b = blocks[i] = _Block("body", b.text, b.raw)
        if b.kind == "section" and b.text.startswith(("【", "[")):
            j, nk = _next_kind(blocks, i + 1, ("meta", "byline"))
            if nk in ("body", "note"):
                # 【headline】 over its text, not a series label over headlines
                blocks[i] = _Block("head", b.section, b.raw)
                continue
        if b.kind == "section" and b.page:
            # a page label: the page's reports follow, the report before it has ended
            if cur is not None:
                cur.closed = cur.sealed = True
            pending_section = item_section = b.section
            pending_series = False
            i += 1
            continue
        if b.kind == "section":
            pending_section = b.section
            item_section = b.section
            pending_series = b.text.startswith(("【", "[")) and not b.tag
            i += 1
            continue
        if b.kind == "numitem" and not item_section:
            b = blocks[i] = _Block("body", b.raw.strip(), b.raw)
        if b.kind in ("item", "numitem") and cur is not None and cur.notice and not cur.closed:
            cur.paras.append(Paragraph(b.raw.strip(), b.raw))  # a listed name of a notice
            i += 1
            continue
        if b.kind in ("item", "numitem"):
            inline = None if b.head else INLINE_HEAD.match(b.text)
            heads = [b.head] if b.head else [inline.group("head")] if inline else []
            cur = open_draft(heads, item_section or pending_section)
            cur.paras.append(Paragraph(b.text[inline.start("text") :] if inline else b.text, b.raw))
            cur.byline = b.byline
            if b.jump == "out":
                jumped = cur
            pending_section = ""
            links = False
            i += 1
            continue
        if b.kind == "caption":
            if cur is not None and not cur.sealed:
                cur.paras.append(Paragraph(b.text, b.raw))
            else:
                pending_paras.append(Paragraph(b.text, b.raw))
            i += 1
            continue
        if b.kind == "note":
            j, nk = _next_kind(blocks, i + 1)
            if nk in ("head", "item") or (nk == "section" and blocks[j].text.startswith(("【", "["))):
                pending_paras.append(Paragraph(b.text, b.raw))  # the editor's note over the next report
                i += 1
                continue
            b = _Block("body", b.text, b.raw)
        if b.kind == "subhead":
            level = _subhead_level(b.text)
            inside = cur is not None and not cur.sealed and not cur.teaser and bool(cur.paras)
            if cur is not None and inside and not pending_section and level != top_level:
                cur.paras.append(Paragraph(b.text, b.raw))
                cur.closed = False
                i += 1
                continue
            if not inside or pending_section:
                # 一、区政府召开常务会议 opening the text (or a section): the reports are numbered, and
                # each number of that kind heads a report of its own
                top_level = level
            b = blocks[i] = _Block("head", b.text, b.raw, numbered=True)
        if b.kind == "byline":
            if cur is not None and not cur.byline:
                cur.byline = b.text
                cur.closed = True
            elif cur is not None:
                cur.byline += " " + b.text
                cur.closed = True
            i += 1
            continue
        if b.kind == "head" or b.kind == "teaser_end":
            group: list[_Block] = []
            while i < len(blocks) and blocks[i].kind in ("head", "teaser_end"):
                group.append(blocks[i])
                i += 1
                if group[-1].kind == "teaser_end":
                    break
            heads = [g.text for g in group if g.kind == "head"]
            # page metadata, web page chrome (上一篇 / 下一篇) and a byline between the headline and
            # its text belong to the report
            j, nk = _next_kind(blocks, i, ("meta", "byline"), chrome=True)
            between = blocks[i:j]
            nxt = blocks[j] if j < len(blocks) else None
            if group[-1].kind == "teaser_end":
                t = open_draft(heads or [group[-1].text], "导读", teaser=True)
                t.paras = [Paragraph(g.text, g.raw) for g in group]
                cur = t
                continue
            body_follows = nxt is not None and nxt.kind in ("body", "note")
            if links:
                if not body_follows:
                    continue  # the headlines of other items, linked from this one
                heads, group, links = heads[-1:], group[-1:], False
            if not body_follows:
                # a caption or a lone heading with no text under it
                if cur is not None and not cur.closed:
                    cur.paras.extend(Paragraph(g.text, g.raw) for g in group)
                elif heads:
                    t = open_draft(heads, pending_section or "导读", teaser=True)
                    t.paras = [Paragraph(g.text, g.raw) for g in group]
                    cur = t
                continue
            assert nxt is not None
            if (
                cur is not None
                and cur.notice
                and not cur.sealed
                and cur.paras
                and len(heads) == 1
                and LIST_CAPTION.match(heads[0])
                and LIST_LEAD.search(cur.paras[-1].text)
            ):
                cur.paras.append(Paragraph(heads[0], group[0].raw))  # the caption of the notice's list
                cur.closed = False
                continue
            # 3. 城关镇完成年度征兵体检: a numbered brief with a headline, among the items of a section
            numbered = bool(item_section) and NUMBERED_ITEM.match(heads[0][:PREFIX]) is not None if heads else False
            # a notice's headline (not a sub-headline naming one) opens a notice of its own
            notice = bool(heads) and _is_notice_title(_main_title(heads)[0])
            starts_new = (
                notice
                or numbered
                or group[0].numbered
                or cur is None
                or cur.closed
                or bool(pending_section)
                or bool(between)
                or bool(ARTICLE_START.match(nxt.text) and not BACK_REFERENCE.match(nxt.text))
                or not cur.paras
                or cur.series
                or (len(heads) == 1 and len(cur.paras) >= PROFILE_AFTER and PROFILE_TITLE.match(heads[0]) is not None)
                or (undated and len(heads) == 1 and _next_headline(cur, heads[0]))
                # in a text whose reports' paragraphs are packed, a headline set off by blank lines
                or (packed and len(heads) == 1 and group[0].spaced and _next_headline(cur, heads[0]))
            )
            if starts_new:
                series = pending_series or (cur is not None and cur.series and not pending_section)
                section = pending_section or (cur.section if cur is not None and series else "")
                if numbered:
                    section = pending_section or item_section
                cur = open_draft(heads, section, series=series)
                cur.notice = notice
                cur.numbered = group[0].numbered
                pending_section = ""
                pending_series = False
                if not numbered:
                    item_section = ""
                own_date = False  # the page's own 发布时间 wins over one printed before its headline
                for m in between:
                    if m.kind == "byline":
                        cur.byline = f"{cur.byline} {m.text}".strip()
                    elif m.kind == "meta" and (author := AUTHOR_LINE.match(m.text)):
                        cur.byline = f"{cur.byline} {author.group('names')}".strip()  # 作者：本报记者 X
                    elif m.date and not own_date:
                        cur.meta_date, own_date = m.date, True
                i = j
            else:
                assert cur is not None
                cur.paras.extend(Paragraph(h, g.raw) for h, g in zip(heads, group))
            continue
        # body
        links = False
        agency = bool(AGENCY_START.match(b.text[:60]))
        dated = DATED_OPENER.match(b.text[:PREFIX]) is not None
        if cur is None or cur.sealed or cur.teaser:
            # text without a heading of its own after the end of a report: a report of its own
            cur = open_draft([], pending_section)
            pending_section = ""
        elif cur.closed:
            if agency or dated:
                # a new dateline (本报讯 / 5月11日下午,) after a finished report
                cur = open_draft([], pending_section or ("" if cur.heads else cur.section))
                pending_section = ""
            else:
                cur.closed = False  # text continuing the report before it
        elif _next_short_item(cur, b.text):
            cur = open_draft([], cur.section)
        cur.paras.append(Paragraph(b.text, b.raw))
        if b.jump == "out":
            jumped = cur
        if b.byline:
            cur.byline = b.byline
            # a byline in the lead paragraph of a headed report opens a report with sub-sections;
            # elsewhere (and under no headline) it ends one
            cur.closed = len(cur.paras) > 1 or not cur.heads
        i += 1
    return [d for d in drafts if d.paras]


def _subhead_level(text: str) -> str:
    """The kind of number of a numbered heading: 一、 / （一） / 第一部分."""
    return "（" if text[0] in "(（" else "部分" if text[0] == "第" else "、"


def _next_headline(cur: _Draft, head: str) -> bool:
    """Whether the one-line heading `head` after the paragraphs of `cur` is the next report's
    headline (not a sub-heading of `cur`): `cur` has ended a sentence after two paragraphs at least,
    and the heading is no notice's list or lead-in."""
    return (
        len(cur.paras) >= 2
        and not cur.notice
        and not cur.series
        and NEXT_HEADLINE_MIN <= len(head) <= TITLE_MAX
        and _ends_terminal(cur.paras[-1].text)
        and not _ends_terminal(head)
        and not head.endswith(("：", ":"))
        and SUBHEAD_LINE.match(head) is None
    )


NEXT_HEADLINE_MIN = 6
# the date printed after a headline (区里召开防汛会议　2024-09-12 / …（2024年9月12日）)
TITLE_DATE = re.compile(r"\s+[(（\[]?\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?[)）\]]?$")
# a paragraph opening with a date (or 近日 / 日前): a new report when it follows a finished one
DATED_OPENER = _re(r"^(?:(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日|上旬|中旬|下旬|初|底|以来|份以来)|近日|日前|近期)")
# a headline-less short news item (a page or section of briefs, one paragraph each)
SHORT_ITEM_MAX = 400
SHORT_ITEM_DATE = _re(r"^(?:(?:\d{4}年)?\d{1,2}月\d{1,2}日|近日|日前)")


def _next_short_item(cur: _Draft, text: str) -> bool:
    """Whether `text` is the next of the headline-less briefs of a section, not more of `cur`:
    both open with a date and are short, one paragraph each."""
    if cur.heads or not cur.section or len(cur.paras) != 1 or BACK_REFERENCE.match(text):
        return False
    lead = cur.paras[0].text
    if cur.section in CHRONICLE_SECTIONS:
        # a chronicle's entries (大事记): each dated paragraph is one, however long
        return SHORT_ITEM_DATE.match(text[:PREFIX]) is not None
    return (
        len(lead) <= SHORT_ITEM_MAX
        and len(text) <= SHORT_ITEM_MAX
        and _ends_terminal(lead)
        and SHORT_ITEM_DATE.match(lead[:PREFIX]) is not None
        and SHORT_ITEM_DATE.match(text[:PREFIX]) is not None
    )


TITLE_MAX = 30


def _body_title(text: str) -> str:
    """A title for a report printed without a headline: its first sentence (after the dateline),
    shortened to TITLE_MAX characters at a comma where it can be."""
    text = text[lead_tag_end(text) :]
    first = re.split(r"[。；;！？!?]", text, maxsplit=1)[0]
    first = re.sub(
        _tc(
            r"^(?:\d{1,2}月\d{1,2}日(?:\s*[至到—-]\s*(?:\d{1,2}月)?\d{1,2}日)?(?:[上下中晚]午|晚|夜)?|\d{1,2}月以来|近日|日前|今年以来|近期)[，,]?\s*"
        ),
        "",
        first,
    )
    if len(first) <= TITLE_MAX:
        return first
    clauses = re.split(r"(?<=[，,])", first)
    title = ""
    for c in clauses:
        if len(title) + len(c.rstrip("，,")) > TITLE_MAX:
            break
        title += c
    title = title.rstrip("，,")
    if len(title) >= 8:
        return title
    return first[: TITLE_MAX - 1] + "…"


def _lead_paragraph(paras: list[Paragraph]) -> str:
    """The first paragraph of the report itself (not an editor's note or a caption over it)."""
    for p in paras:
        if not EDITOR_NOTE.match(p.text[:PREFIX]) and not _is_caption(p.text):
            return p.text
    return paras[0].text


def _column_source(blocks: list[_Block]) -> tuple[str, str] | None:
    """(publisher, date) of a copy of a web site's news column with no masthead: the source all its
    pages name (来源：XX区融媒体中心), two pages at least, and the date of its latest page."""
    sources = {m.group("source") for b in blocks if b.kind == "meta" and (m := META_SOURCE.search(b.text))}
    dates = [b.date for b in blocks if b.kind == "meta" and b.date]
    pages = sum(1 for b in blocks if b.kind == "meta" and META_SOURCE.search(b.text))
    if len(sources) != 1 or pages < 2 or not dates:
        return None
    return sources.pop(), max(dates)


def _account_publisher(org: str, blocks: list[_Block]) -> str:
    """The publisher of a news account's items: the organisation it belongs to, named as it signs
    its notices (璞阳区杏坞街道办事处 signs 杏坞街道办事处)."""
    signed = Counter(b.text for b in blocks if b.kind == "sign" and not b.closer and org.endswith(b.text))
    return signed.most_common(1)[0][0] if signed else org


PACKED_MIN = 6  # paragraphs of text ending a sentence, to tell how a text parts its paragraphs
PACKED_SHARE = 0.7


def _packed(text: str) -> bool:
    """Whether the text prints a report's paragraphs line under line (no blank line between them),
    most of its paragraphs of text followed by more text right under them: there a headline set off
    by blank lines after a finished report is the next report's, not a sub-heading of that one."""
    lines = [_clean(line) for line in text.split("\n")]
    under = blank = 0
    for a, b in itertools.pairwise(lines):
        if len(a) >= 40 and _ends_terminal(a):
            under += bool(b)
            blank += not b
    return under + blank >= PACKED_MIN and under >= PACKED_SHARE * (under + blank)


def parse_bulletin(raw: RawBulletin) -> Bulletin:
    """Parse one decoded bulletin; raises BulletinError if no article can be found."""
    spaced: list[bool] = []
    paras = _paragraphs(raw.text, spaced)
    if not paras:
        raise BulletinError(raw.source, "the file holds no text")
    mast, skip = _read_masthead(paras)
    blocks = _classify(paras[skip:], mast, spaced[skip:])
    drafts = _segment(blocks, _packed(raw.text))
    if not any(len("".join(p.text for p in d.paras)) >= 20 and not d.teaser for d in drafts):
        raise BulletinError(
            raw.source,
            "没有找到文章：公报应由标题和正文段落组成"
            "（no article found: expected headlines followed by paragraphs of text "
            "(is this a bulletin? a file of a few words or of lists is not indexed）",
        )
    masthead_lines = [p[0] for p in paras[:skip]]
    agencies = [m.group(0) for d in drafts for p in d.paras[:2] if (m := AGENCY_START.match(p.text[:60]))]
    district = _guess_district([mast.publisher, *masthead_lines, *agencies], raw.text)
    issue_date = ""
    if mast.year:
        issue_date = f"{mast.year}-{int(mast.month):02d}" + (f"-{int(mast.day):02d}" if mast.day else "")
    publisher = mast.publisher
    if mast.account:
        publisher = _account_publisher(mast.org, blocks)
    if not publisher and not issue_date and (column := _column_source(blocks)):
        publisher, issue_date = column
    articles: list[Article] = []
    warnings: list[str] = []
    for d in drafts:
        lead = _lead_paragraph(d.paras)
        if d.heads:
            title, subs = _main_title(d.heads)
            if num := NUMBERED_ITEM.match(title[:PREFIX]):
                title = title[num.start("body") :]  # 3. 城关镇完成年度征兵体检: the number is no title
            if (dated := TITLE_DATE.search(title)) and dated.start() >= NEXT_HEADLINE_MIN:
                title = title[: dated.start()]  # 区里召开防汛会议　2024-09-12: a list's headline and date
            if d.numbered and (num := SUBHEAD_LINE.match(title)) and len(title) > num.end():
                title = title[num.end() :].strip()  # 二、我区启动冬季农村公路集中养护
        else:
            title, subs = _body_title(lead), ()
        dateline, date = ("", "") if d.teaser else _article_date(lead)
        byline = d.byline
        if not byline and (bracket := AGENCY_BRACKET.match(lead)):
            byline = bracket.group("bracket")
        if not d.heads and not d.section:
            warnings.append(f"text without a headline, indexed under '{title}'")
        articles.append(
            Article(
                source=raw.source,
                index=len(articles),
                title=title,
                subtitles=subs,
                section=d.section,
                paragraphs=tuple(d.paras),
                dateline=dateline,
                date=date or d.meta_date,
                reporters=_reporters(byline),
                byline=byline,
                title_from_body=not d.heads,
            )
        )
    return Bulletin(
        source=raw.source,
        sha256=raw.sha256,
        encoding=raw.encoding,
        publisher=publisher,
        district=district,
        issue_date=issue_date,
        issue_no=mast.issue,
        articles=tuple(articles),
        masthead=tuple(masthead_lines),
        warnings=tuple(warnings),
    )
