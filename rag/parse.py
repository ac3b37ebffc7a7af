"""Bulletin text -> Bulletin with Articles.

A bulletin is printed page text: a masthead (publisher, date, issue number), then articles made
of a heading group (over-headline, title, sub-headline), a dateline (本报讯 11月22日上午), body
paragraphs and a byline (记者 景静 / (记者 蔡肇娥 李郑阳)). Sections (■ 短讯, 简讯, 【...】) and
● items hold several short reports. Page layout often cuts a sentence with blank lines
(项目建 / 设单位); we join such fragments but keep what was printed for display.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .errors import BulletinError
from .ingest import RawBulletin
from .models import Article, Bulletin, Paragraph

CJK = "\u4e00-\u9fff"
TERMINAL = "。！？!?；;…"
CLOSERS = "”’」』）)】》\"'"
SOFT_PUNCT = "，,、：:“‘「『（(《—-"
INNER_PUNCT = re.compile(r"[。，,；;：:]")
INNER_TERMINAL = re.compile(r"[。！？；]")

MASTHEAD_PATTERNS = [
    re.compile(r"^(?P<publisher>.{2,30}?)(编印|主办|出版)$"),
    re.compile(r"^(?P<year>\d{4})年(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})日)?$"),
    re.compile(r"^(?P<day>\d{1,2})$"),
    re.compile(r"^星期[一二三四五六日天]$"),
    re.compile(rf"^[{CJK}]{{2}}年[{CJK}]{{1,3}}月[{CJK}]{{1,3}}$"),  # 辛丑年十一月初一
    re.compile(r"连续性内资|内部资料|免费交流|监督电话|准印证|^【审.*】.*号$"),
    re.compile(r"^(?P<issue>第\s*\d+\s*期(?:[(（]总第\s*\d+\s*期[)）])?)$"),
]
BYLINE_WORDS = r"(?:记者|通讯员|本报记者|实习记者|摄影|文/图|文／图|图/文|来源|编辑|责任编辑)"
NAME = rf"[{CJK}·]{{2,4}}"
BYLINE_LINE = re.compile(rf"^[(（]?\s*{BYLINE_WORDS}[\s:：]*[^。！？]{{0,60}}?[)）]?$")
TRAILING_BYLINE = re.compile(
    rf"(?<=[。！？”\"])\s*(?P<byline>(?:记者|通讯员)(?:\s+{NAME})+(?:\s+通讯员(?:\s+{NAME})+)?(?:\s+文/图)?)\s*$"
)
SECTION_LINE = re.compile(
    r"^(?:[■□◆◇▲△★☆]\s*)?(?P<name>短讯|简讯|快讯|要闻|动态|图片新闻|要闻简报|一句话新闻)$"
    r"|^[【\[](?P<series>[^】\]]{2,30})[】\]]$"
)
ITEM_LINE = re.compile(r"^[●○◆◇▲■□]\s*(?P<body>.+)$")
TEASER_END = re.compile(r"^(?:详见|转)\s*[第]?[一二三四五六七八九十\d]{1,2}\s*版$")
ARTICLE_START = re.compile(
    r"^(?:本报讯|本报[^，,]{0,6}电|(?:\d{4}年)?\d{1,2}月\d{1,2}日|近日|日前|近期|当天|今年以来|据悉)"
)
DATELINE = re.compile(
    r"^(?P<dateline>(?:本报讯|本报[^，,]{0,6}电)?\s*(?:(?P<year>\d{4})年)?(?:(?P<month>\d{1,2})月(?P<day>\d{1,2})日)"
    r"(?:[上下中晚]午|夜|晚|凌晨|早)?)"
)
DATELINE_PLAIN = re.compile(r"^(?P<dateline>本报讯)")
# "that day ...": refers back to a date already given, so it continues a report, never opens one
BACK_REFERENCE = re.compile(r"^(?:当天|当日)")
CONTINUATION_START = re.compile(rf"^[{CJK}][，,。、；;：:）)”]")
DISTRICT_IN_TEXT = re.compile(rf"([{CJK}]{{2}}区)")
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
    kind: str  # head | body | byline | section | item | teaser_end
    text: str
    raw: str
    section: str = ""
    byline: str = ""


@dataclass
class _Draft:
    heads: list[str]
    section: str = ""
    paras: list[Paragraph] = field(default_factory=list)
    byline: str = ""
    closed: bool = False
    teaser: bool = False
    series: bool = False  # under a 【series】 label: each heading group is a report of its own


def _clean(line: str) -> str:
    return line.replace("\u3000", " ").replace("\xa0", " ").strip()


def _ends_terminal(text: str) -> bool:
    t = text.rstrip(CLOSERS)
    return bool(t) and (t[-1] in TERMINAL or (t != text and text[-1] in '”"' and t[-1] in TERMINAL))


def _is_byline(text: str) -> bool:
    return bool(BYLINE_LINE.match(text)) and len(text) <= 60


# the longest trailing byline `_looks_cut` looks for at the end of a paragraph it is joining lines
# to (记者 欧阳明月 王五 … 通讯员 … 文/图 is far shorter); only that much of the paragraph is read
TRAILING_BYLINE_MAX = 200
SECTION_SYMBOL_LEAD = re.compile(r"[■□◆◇▲△★☆]\s*")


class _Run:
    """A paragraph being built from printed lines, keeping what `_looks_cut` asks of it (its end,
    whether it holds punctuation, its length), so that joining a line costs that line's length,
    not the paragraph's: a 10 MB text with no punctuation is one paragraph of thousands of lines."""

    __slots__ = ("core_end", "lead", "length", "parts", "punct", "raws", "tail", "terminal")

    def __init__(self, clean: str, raw: str) -> None:
        self.parts = [clean]
        self.raws = [raw]
        self.length = len(clean)
        self.core_end = ""  # the last character that is not a closing quote or bracket
        self.terminal = False  # holds a 。！？；
        self.punct = False  # holds a 。，,；;：:
        self.tail = ""  # the paragraph's last TRAILING_BYLINE_MAX + 1 characters
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
        return bool(TRAILING_BYLINE.search(self.tail))

    def is_section(self) -> bool:
        # a section line is at most 32 characters after its leading ■ and spaces
        return self.length - self.lead <= 32 and bool(SECTION_LINE.match(self.text()))


def _looks_cut(a: _Run, b: str) -> bool:
    """Whether paragraph `a` was cut by the page layout and continues in `b`."""
    if a.ends_terminal() or a.is_byline() or _is_byline(b) or a.trailing_byline():
        return False
    if ARTICLE_START.match(b) or SECTION_LINE.match(b) or ITEM_LINE.match(b) or a.is_section():
        return False
    if len(b) <= 60 and not INNER_TERMINAL.search(b) and not _ends_terminal(b):
        # `b` reads as a headline (short, no sentence in it): never glue it to the paragraph before,
        # even when that paragraph stops without punctuation (text continued on another page)
        return False
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


def _paragraphs(text: str) -> list[tuple[str, str]]:
    """Split text into (repaired, raw) paragraphs: one per printed line, cut lines joined."""
    runs: list[_Run] = []
    pending_blank = False
    for line in text.split("\n"):
        clean = _clean(line)
        if not clean:
            pending_blank = True
            continue
        if runs and _looks_cut(runs[-1], clean):
            runs[-1].join(clean, line.strip(), "\n\n" if pending_blank else "\n")
        else:
            runs.append(_Run(clean, line.strip()))
        pending_blank = False
    return [(r.text(), "".join(r.raws)) for r in runs]


@dataclass
class _Masthead:
    publisher: str = ""
    year: str = ""
    month: str = ""
    day: str = ""
    issue: str = ""


def _read_masthead(paras: list[tuple[str, str]]) -> tuple[_Masthead, int]:
    m = _Masthead()
    i = 0
    while i < len(paras) and i < 20:
        line = paras[i][0]
        hit = None
        for pat in MASTHEAD_PATTERNS:
            hit = pat.search(line)
            if hit:
                break
        if not hit:
            break
        g = {k: v for k, v in hit.groupdict().items() if v}
        if "publisher" in g:
            m.publisher = g["publisher"]
        if "year" in g:
            m.year, m.month = g["year"], g["month"]
            m.day = g.get("day", m.day)
        elif "day" in g and m.year and not m.day:
            m.day = g["day"]
        elif "day" in g and not m.year:
            break  # a bare number that is not after a masthead date
        if "issue" in g:
            m.issue = re.sub(r"\s+", "", g["issue"])
        i += 1
    return m, i


def _guess_district(publisher: str, text: str) -> str:
    found = DISTRICT_IN_TEXT.findall(publisher)
    for d in found:
        if d not in NOT_DISTRICTS:
            return d
    counts = Counter(d for d in DISTRICT_IN_TEXT.findall(text) if d not in NOT_DISTRICTS)
    counts = Counter({d: c for d, c in counts.items() if not d.endswith(("内六区", "城区"))})
    if not counts:
        return ""
    best, n = counts.most_common(1)[0]
    return best if n >= 2 else ""


def _classify(paras: list[tuple[str, str]]) -> list[_Block]:
    blocks: list[_Block] = []
    for text, raw in paras:
        sec = SECTION_LINE.match(text)
        if sec:
            blocks.append(_Block("section", text, raw, section=sec.group("name") or sec.group("series")))
            continue
        item = ITEM_LINE.match(text)
        if item and len(item.group("body")) > 15:
            body = item.group("body")
            by = TRAILING_BYLINE.search(body)
            blocks.append(
                _Block("item", body[: by.start()].strip() if by else body, raw, byline=by.group("byline") if by else "")
            )
            continue
        if _is_byline(text):
            blocks.append(_Block("byline", text, raw))
            continue
        if TEASER_END.match(text):
            blocks.append(_Block("teaser_end", text, raw))
            continue
        by = TRAILING_BYLINE.search(text)
        if by:
            blocks.append(_Block("body", text[: by.start()].rstrip(), raw, byline=by.group("byline")))
            continue
        if _is_heading(text):
            blocks.append(_Block("head", text, raw))
        else:
            blocks.append(_Block("body", text, raw))
    return blocks


def _is_heading(text: str) -> bool:
    if len(text) > 60 or (_ends_terminal(text) and not text.startswith("“")):
        return False
    if ARTICLE_START.match(text) and INNER_PUNCT.search(text):
        return False
    return text.count("。") == 0


def _main_title(heads: list[str]) -> tuple[str, tuple[str, ...]]:
    """Pick the headline proper from a heading group; the rest are over/sub-headlines."""

    def plain(h: str) -> bool:
        return not re.search(r"[，,]", h) and not re.search(rf"[{CJK}] [{CJK}]", h) and not h.startswith("“")

    main = next((h for h in heads if plain(h) and len(h) > 8), None)
    # a short label (京广路街道) over a headline with a comma: the headline is the title
    main = main or next((h for h in heads if len(h) > 8 and not h.startswith("“")), None)
    main = main or next((h for h in heads if plain(h)), heads[0])
    return main, tuple(h for h in heads if h is not main)


def _reporters(byline: str) -> tuple[str, ...]:
    names: list[str] = []
    cleaned = re.sub(r"[()（）]", " ", byline)
    cleaned = re.sub(r"文/图|文／图|图/文", " ", cleaned)
    if re.search(r"来源|新华社", cleaned):
        return ()
    for tok in re.split(r"[\s:：、,，]+", cleaned):
        if tok and tok not in ("记者", "通讯员", "本报记者", "实习记者", "摄影", "编辑", "责任编辑"):
            tok = re.sub(r"^(本报记者|实习记者|记者|通讯员)", "", tok)
            if re.fullmatch(NAME, tok):
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


def _segment(blocks: list[_Block]) -> list[_Draft]:
    drafts: list[_Draft] = []
    cur: _Draft | None = None
    pending_section = ""
    item_section = ""
    pending_series = False
    i = 0
    while i < len(blocks):
        b = blocks[i]
        if b.kind == "section":
            pending_section = b.section
            item_section = b.section
            pending_series = b.text.startswith(("【", "["))
            i += 1
            continue
        if b.kind == "item":
            cur = _Draft(heads=[], section=item_section or pending_section)
            cur.paras.append(Paragraph(b.text, b.raw))
            cur.byline = b.byline
            drafts.append(cur)
            pending_section = ""
            i += 1
            continue
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
            nxt = blocks[i] if i < len(blocks) else None
            if group[-1].kind == "teaser_end":
                t = _Draft(heads=heads or [group[-1].text], section="导读", teaser=True, closed=True)
                t.paras = [Paragraph(g.text, g.raw) for g in group]
                drafts.append(t)
                cur = t
                continue
            body_follows = nxt is not None and nxt.kind == "body"
            if not body_follows:
                # a caption or a lone heading with no text under it
                if cur is not None and not cur.closed:
                    cur.paras.extend(Paragraph(g.text, g.raw) for g in group)
                elif heads:
                    t = _Draft(heads=heads, section=pending_section or "导读", teaser=True, closed=True)
                    t.paras = [Paragraph(g.text, g.raw) for g in group]
                    drafts.append(t)
                    cur = t
                continue
            assert nxt is not None
            starts_new = (
                cur is None
                or cur.closed
                or bool(pending_section)
                or bool(ARTICLE_START.match(nxt.text) and not BACK_REFERENCE.match(nxt.text))
                or not cur.paras
                or cur.series
            )
            if starts_new:
                series = pending_series or (cur is not None and cur.series and not pending_section)
                section = pending_section or (cur.section if cur is not None and series else "")
                cur = _Draft(heads=heads, section=section, series=series)
                pending_section = ""
                pending_series = False
                item_section = ""
                drafts.append(cur)
            else:
                assert cur is not None
                cur.paras.extend(Paragraph(h, g.raw) for h, g in zip(heads, group))
            continue
        # body
        if cur is None or cur.closed:
            # text without a heading of its own: continue the article before it, or stand alone
            if cur is None or cur.teaser:
                cur = _Draft(heads=[], section=pending_section)
                pending_section = ""
                drafts.append(cur)
            else:
                cur.closed = False
        cur.paras.append(Paragraph(b.text, b.raw))
        if b.byline:
            cur.byline = b.byline
            # a byline in the lead paragraph opens a report with sub-sections; elsewhere it ends one
            cur.closed = len(cur.paras) > 1
        i += 1
    return [d for d in drafts if d.paras]


def _item_title(text: str) -> str:
    first = re.split(r"[。；;！？]", text, maxsplit=1)[0]
    first = re.sub(r"^(?:\d{1,2}月\d{1,2}日[上下中晚]?午?|近日|日前)[，,]?\s*", "", first)
    return first[:40] + ("…" if len(first) > 40 else "")


def parse_bulletin(raw: RawBulletin) -> Bulletin:
    """Parse one decoded bulletin; raises BulletinError if no article can be found."""
    paras = _paragraphs(raw.text)
    if not paras:
        raise BulletinError(raw.source, "the file holds no text")
    mast, skip = _read_masthead(paras)
    blocks = _classify(paras[skip:])
    drafts = _segment(blocks)
    if not any(len("".join(p.text for p in d.paras)) >= 20 and not d.teaser for d in drafts):
        raise BulletinError(
            raw.source,
            "没有找到文章：公报应由标题和正文段落组成"
            "（no article found: expected headlines followed by paragraphs of text "
            "(is this a bulletin? a file of a few words or of lists is not indexed)）",
        )
    district = _guess_district(mast.publisher, raw.text)
    issue_date = ""
    if mast.year:
        issue_date = f"{mast.year}-{int(mast.month):02d}" + (f"-{int(mast.day):02d}" if mast.day else "")
    articles: list[Article] = []
    warnings: list[str] = []
    for d in drafts:
        if d.heads:
            title, subs = _main_title(d.heads)
        else:
            title, subs = _item_title(d.paras[0].text), ()
        dateline, date = ("", "") if d.teaser else _article_date(d.paras[0].text)
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
                date=date,
                reporters=_reporters(d.byline),
                byline=d.byline,
            )
        )
    return Bulletin(
        source=raw.source,
        sha256=raw.sha256,
        encoding=raw.encoding,
        publisher=mast.publisher,
        district=district,
        issue_date=issue_date,
        issue_no=mast.issue,
        articles=tuple(articles),
        masthead=tuple(p[0] for p in paras[:skip]),
        warnings=tuple(warnings),
    )
