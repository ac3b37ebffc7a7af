"""Question analysis: what kind of answer is wanted, which terms must be found, and which
district, date or issue the question names.

Users ask short factual questions (谁/何时/何地/多少/哪些). The kind decides what the first line
of the answer extracts; the content words (aliases folded into groups) decide whether the
evidence really covers the question or we should abstain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .analyze import STOPWORDS, Analyzer, normalize

KINDS = ("who", "when", "num", "where", "list", "what")

_KIND_PATTERNS = [
    ("who", re.compile(r"谁|哪位|哪些人|什么人|何人|哪个领导|姓名|叫什么名")),
    ("when", re.compile(r"哪天|哪一天|什么时候|何时|几月几日|几号|哪日|什么时间|哪一年|日期")),
    ("num", re.compile(r"多少|几[个天名人次项期家所条岁年位万亿元%]|第几|排名|比例|百分之|多大|多长|多高|几成")),
    ("where", re.compile(r"哪里|在哪|什么地方|何地|地点|哪儿")),
    ("list", re.compile(r"哪些|哪几|有什么|什么要求|几点|包括什么|指什么|是什么")),
]
PRONOUNS = re.compile(r"^(他|她|其|该同志|这位|那位|它|此人)|(?<=[，,])(他|她)|(他|她)(还|又|也|曾|在|参加|出席)")
DATE_IN_Q = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日)?")
ISSUE_IN_Q = re.compile(r"第\s*(\d+)\s*期")
QUESTION_PHRASES = re.compile(
    r"是谁|哪位|哪些地方|什么地方|哪些人|什么人|哪几点|哪几个|哪几项|哪些|哪几|哪个|哪里|哪儿|在哪|什么时候|什么时间|"
    r"哪一天|哪天|何时|几月几日|第几期|第几|多少|几[个天名人次项期家所条]|什么|怎么做|怎么办|怎么样|怎么|怎样|如何|为什么|"
    r"是否|有没有|吗|呢|\?|？"
)
FILLER = frozenset(
    [
        "这份",
        "报纸",
        "公报",
        "本期",
        "这期",
        "一期",
        "文章",
        "报道",
        "新闻",
        "内容",
        "提到",
        "写",
        "说",
        "中",
        "里",
        "相关",
        "具体",
        "要",
        "时",
        "主要",
    ]
)


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    kind: str
    words: tuple[str, ...]  # content words that the evidence should contain
    groups: tuple[tuple[str, ...], ...]  # alias groups: any member counts as the word
    expansions: tuple[str, ...]  # full forms / short forms added for the lexical search
    district: str  # a district of the index named in the question, or ""
    month: int = 0
    day: int = 0
    issue_no: str = ""  # "35" from 第35期
    has_pronoun: bool = False
    subject: bool = False  # a 谁 question asking who did something ("谁…"), not what someone is ("…是谁")
    action: str = ""  # for who-questions: the verb asked about (主持, 带队 ...)


def question_kind(text: str) -> str:
    for kind, pat in _KIND_PATTERNS:
        if pat.search(text):
            return kind
    return "what"


def analyze_question(text: str, analyzer: Analyzer, aliases: dict[str, list[str]], districts: set[str]) -> QuestionInfo:
    norm = normalize(text)
    kind = question_kind(norm)
    expansions: list[str] = []
    groups: list[tuple[str, ...]] = []
    covered: set[str] = set()
    for short, fulls in sorted(aliases.items(), key=lambda kv: -len(kv[0])):
        if short in norm and not any(short in c for c in covered):
            extra = [f for f in fulls if f not in norm]
            expansions.extend(extra)
            groups.append((short, *fulls))
            covered.add(short)
        for f in fulls:
            if f in norm and short not in norm:
                expansions.append(short)
                groups.append((f, short))
                covered.add(f)
    district = ""
    for d in sorted(districts, key=len, reverse=True):
        if d and (d in norm or (len(d) > 2 and d[:-1] + "区" in norm)):
            district = d
            break
    words: list[str] = []
    for w in analyzer.words(QUESTION_PHRASES.sub(" ", norm)):
        if w in STOPWORDS or w in FILLER or not re.search(r"[\w]", w) or (len(w) == 1 and not w.isdigit()):
            continue
        if district and (w in district or district in w):
            continue  # satisfied by the bulletin's metadata
        if any(w in c or c in w for c in covered):
            continue  # represented by its alias group
        words.append(w)
    if not words and not groups and district:
        words = [district]  # "这份上街区报纸是第几期": the district is all there is to look for
    m = DATE_IN_Q.search(norm)
    month = int(m.group(2)) if m and 1 <= int(m.group(2)) <= 12 else 0
    day = int(m.group(3)) if m and m.group(3) else 0
    if month:
        date_words = {f"{month}月", f"{month}月{day}日", str(month), "月", "日", f"{day}日", str(day)}
        words = [w for w in words if w not in date_words]
    im = ISSUE_IN_Q.search(norm)
    action = ""
    if kind == "who":
        # only a question that asks for the subject ("谁主持了…") names an action to look for
        am = re.match(r"^(?:是)?谁\s*(?:来|负责)?([\u4e00-\u9fff]{2})", norm) or re.search(
            r"([\u4e00-\u9fff]{2})了?.{0,6}的是谁", norm
        )
        action = am.group(1) if am else ""
    return QuestionInfo(
        text=text,
        kind=kind,
        words=tuple(dict.fromkeys(words)),
        groups=tuple(groups),
        expansions=tuple(dict.fromkeys(expansions)),
        district=district,
        month=month,
        day=day,
        issue_no=im.group(1) if im else "",
        has_pronoun=bool(PRONOUNS.search(norm)),
        subject=kind == "who" and norm.startswith(("谁", "是谁")),
        action=action,
    )
