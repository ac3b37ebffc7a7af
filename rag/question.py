"""Question analysis: what kind of answer is wanted, which terms must be found, and which
district, date or issue the question names.

Users ask short factual questions (谁/何时/何地/多少/哪些). The kind decides what the first line
of the answer extracts; the content words (aliases folded into groups) decide whether the
evidence really covers the question or we should abstain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .analyze import STOPWORDS, Analyzer, normalize, to_simplified
from .lexicon import (
    ACTION_FILLER,
    ACTION_PREPOSITIONS,
    DATE_IN_Q,
    DISTRICT_NAME,
    GENERIC,
    GENERIC_PLACE_STEM,
    ISSUE_IN_Q,
    LEAD_VERBS,
    LEADERS,
    NAMED_PLACE,
    NOT_ACTIONS,
    NOT_PREDICATES,
    ONE_CHAR_PREDICATES,
    ORDINAL,
    PERIODS,
    PLACE_KIND_ASKED,
    PLACE_OF_KIND,
    QUESTION_FILLER,
    ROLES,
    UNIT_ALT,
    WH_SLOT,
    YEAR,
    Ordinal,
    date_grain,
    is_measure,
    is_person_name,
    named_things,
    office_suffix,
    offices_in,
    ordinals,
    places_of_kind,
    synonym_words,
    synonyms_of,
    titled_names,
    unit_class,
)

KINDS = ("who", "when", "num", "where", "list", "what")

_KIND_PATTERNS = [
    (
        "who",
        re.compile(
            r"谁|哪位|哪些人|什么人|何人|哪个领导|姓名|叫什么名|叫啥名|什么职务|什么职位|担任什么|什么身份|哪些领导"
            r"|(?:人|员|者|师|生|长|记|任|匠)叫(?:什么|啥)"  # 那位负责人叫什么: a person's name
        ),
    ),
    (
        "when",
        re.compile(
            r"哪天|哪一天|什么时候|何时|几月几日|几号|哪日|什么时间|哪一?年|日期|哪个月|什么日子|啥时候?|几时|多会儿"
            r"|几点(?!要求|意见|建议|措施|做法|经验|体会|希望|内容|打算|思考|启示)"
        ),
    ),
    (
        "num",
        re.compile(
            r"多少|(?<!哪)几[个天名人次项期家所条岁年位万亿元%户座场批轮台辆棵株间栋套部本篇份张亩吨]|第几|排名|比例|百分之"
            r"|多大|多长|多高|多宽|多深|几成|多远|多久"
        ),
    ),
    (
        "where",
        re.compile(rf"哪里|在哪|啥地方|什么地方|何地|地点|哪儿|什么场所|哪个地方|{PLACE_KIND_ASKED.pattern}"),
    ),
    ("list", re.compile(r"哪些|哪几|有什么|什么要求|几点|包括什么|指什么|是什么")),
]
# an aspect particle inside a verb-object word (签了字, 开过会)
ASPECT = re.compile(r"(?<=[签开投完发办结交])[了过](?=[字会工资约])")
# a verb-object word split by 的 (讲的话, 带的队, 签的字): the event as a word
SPLIT_BY_DE = re.compile(r"(?<=[讲带签发开剪揭致])的(?=[话队字言会彩牌辞])")
PRONOUNS = re.compile(r"^(他|她|其|该同志|这位|那位|它|此人)|(?<=[，,])(他|她)|(他|她)(还|又|也|曾|在|参加|出席)")
QUESTION_PHRASES = re.compile(
    r"是谁|哪位|哪些地方|什么地方|哪些人|什么人|哪几点|哪几个|哪几项|哪些|哪几|哪个|哪里|哪儿|在哪|什么时候|什么时间|"
    r"哪一天|哪天|何时|几月几日|第几期|第几|多少|几[个天名人次项期家所条]|什么|怎么做|怎么办|怎么样|怎么|怎样|如何|为什么|"
    r"啥时候|啥时|几时|多会儿|啥地方|干啥|叫啥|是啥|啥|咋样|咋办|咋|"
    r"是否|有没有|吗|呢|\?|？"
)


ASKS = re.compile(r"多少|几|哪|什么|谁|何时|啥|怎么|如何")
PART_END = re.compile(r"[？?；;]|，(?=[^，]*(?:多少|几|哪|什么|谁|何时|啥))|、(?=多少|几)")
CHANGE_OWN = re.compile(r"比|同比|环比|涨|增|降|减|提高|提升|多了|少了")  # 增长了多少: the same measure
TOPIC_TAIL = re.compile(r"(?:是|的|有|为|要|能|会|都|一共|大概|总共)+$")


ROLE_NAME = re.compile(rf"(?:{'|'.join(ROLES)})([\u4e00-\u9fff]{{3}})")


def sub_questions(text: str, cut: Callable[[str], list[str]] | None = None) -> list[str]:
    """A question that asks two things ("一季度GDP是多少？增长了多少", "哪天开始施行？有效期几年") as
    two questions, the second given the first one's topic when it names none of its own. When the
    second names its own measure or act (总投资多少，设计多少张床位), the first one's (总投资, the
    word before its 多少, found with `cut`) is left out of that topic. One question is returned as
    it is."""
    parts = [p.strip() for p in PART_END.split(text) if p and p.strip()]
    asking = [p for p in parts if ASKS.search(p)]
    if len(parts) < 2 or len(asking) < 2 or len(asking) != len(parts):
        return [text]
    first = parts[0]
    m = ASKS.search(first)
    topic = TOPIC_TAIL.sub("", first[: m.start()] if m else first)
    measure = ""
    if cut is not None and m and m.group(0) in ("多少", "几") and topic:
        words = cut(topic)
        if len(words) >= 2 and len(words[-1]) >= 2 and topic.endswith(words[-1]):
            measure = words[-1]
    out = [first]
    for p in parts[1:]:
        at = ASKS.search(p)
        own = re.sub(r"[^\u4e00-\u9fff]", "", p[: at.start()] if at else p)
        if len(own) >= 6 or not topic:
            out.append(p)
        elif measure and own and not CHANGE_OWN.match(own):
            # 新建多少亩高标准农田？投资多少: 漾溪今年 + 高标准农田 + 投资多少
            counted = re.sub(rf"^(?:{UNIT_ALT}|[个张台家所名位人户项件])", "", first[m.end() :]) if m else ""
            out.append(TOPIC_TAIL.sub("", topic[: -len(measure)]) + counted + p)
        else:
            out.append(topic + p)
    return out


def _action(norm: str, analyzer: Analyzer) -> str:
    """The verb a who-question asks the subject of ("谁主持了…", "由谁主持", "带队的是谁", "谁对整改提了
    要求" -> 提, "评的是谁" -> 评), as a whole word of the question's segmentation, never a window of
    two characters that cuts one (对整, 人评, 当区)."""
    words = analyzer.words(norm, hmm=False)
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for w in words:
        start = norm.find(w, pos)
        if start < 0:
            continue
        spans.append((start, start + len(w), w))
        pos = start + len(w)

    def word_at(i: int) -> int:
        return next((k for k, (a, b, _) in enumerate(spans) if a <= i < b), -1)

    def ok(w: str) -> bool:
        return (
            bool(re.fullmatch(r"[\u4e00-\u9fff]{1,4}", w))
            and w not in NOT_ACTIONS
            and w not in ACTION_FILLER
            and not re.search("[谁哪]", w)
        )

    m = re.search(r"(?:谁|哪些人|哪几位|哪几个人|哪位领导|哪些领导|什么人)\s*(?:来|负责|去|亲自|出面)?", norm)
    if m and m.end() < len(norm):
        k = word_at(m.end())
        if k >= 0 and spans[k][2] in ACTION_PREPOSITIONS:  # 谁对整改提了要求: past 对 and its object
            k = next((j for j in range(k + 2, min(k + 4, len(spans))) if ok(spans[j][2])), -1)
        if k >= 0 and ok(spans[k][2]):
            w = spans[k][2]
            return w[:-1] if len(w) > 1 and w[-1] in "着了过" else w  # 陪着 -> 陪 (陪同 is printed)
    m = re.search(r"了?的(?:是谁|领导是谁|人是谁)", norm) or re.search(r"了?.{0,6}的(?:是谁|领导是谁)", norm)
    if m and m.start() > 0:
        k = word_at(m.start() - 1)
        if k >= 0 and ok(spans[k][2]):
            return spans[k][2]
    m = re.search(r"的[\u4e00-\u9fff]{0,4}?[区县镇市]?(?:领导|负责人|同志|人)是谁", norm)
    if m:  # 11月3日带队督导检查安全生产的桐溪县领导是谁: the first leader's act of the clause
        clause = norm.rfind("，", 0, m.start()) + 1
        lead = next((w for a, _, w in spans if clause <= a < m.start() and w in LEAD_VERBS), "")
        if lead:
            return lead
    m = re.search(r"(?:领导|同志)(\S{1,4}?)(?:的)?[？?]?$", norm)  # 是哪位区领导带队
    if m:
        k = word_at(m.start(1))
        while 0 <= k < len(spans) and spans[k][0] < m.end(1):
            if ok(spans[k][2]):
                return spans[k][2]
            k += 1
    return ""


def _modifiers(
    norm: str,
    analyzer: Analyzer,
    predicate: str,
    named: set[str],
    groups: Sequence[tuple[str, ...]],
    known: Callable[[str], bool] | None,
) -> tuple[str, ...]:
    """The words that narrow the measure asked about, just before it (餐饮 in 餐饮收入是多少, 渔业 in
    渔业产值增长了多少, 患者 and 家庭医生 in 慢性病患者的家庭医生签约率): the figure answering must be
    printed with them. Only words the bulletins use (能花的收入 is a user's wording, not a kind of
    income), at most two, read back from the measure to the first word that narrows nothing."""
    words = [w for w in analyzer.words(ASPECT.sub("", norm)) if w.strip()]
    if not predicate or predicate not in words:
        return ()
    k = words.index(predicate)
    if not is_measure(predicate):  # 产值增长了多少: the measure is the word before the event
        if k < 1 or not is_measure(words[k - 1]):
            return ()
        k -= 1
    out: list[str] = []
    j = k - 1
    while j >= 0 and len(out) < 2:
        prev = words[j]
        if prev == "的":
            j -= 1
            continue
        if (
            len(prev) < 2
            or not re.fullmatch(r"[\u4e00-\u9fff]+", prev)
            or prev in STOPWORDS
            or prev in QUESTION_FILLER
            or prev in GENERIC
            or any(prev in n or n in prev for n in named if n)
            or any(prev in f for g in groups for f in g)  # 人均可支配收入 is one word of the question
            or any(prev in p or p in prev for p in PERIODS)
            or DISTRICT_NAME.fullmatch(prev)
            or re.search(r"[年月日天季度]$|今|去|明|全[区县市镇]|[区县市镇]里", prev)
            or (known is not None and not known(prev))
        ):
            break
        out.append(prev)
        j -= 1
    return tuple(out)


def _predicate(norm: str, analyzer: Analyzer, named: set[str]) -> str:
    """The content word next to the question's slot (什么时候完工, 总投资是多少, 多少人出席): the
    word after it when there is one (after a figure's slot, the one after the measured noun), else
    the last one before it."""
    norm = ASPECT.sub("", norm)  # 签了字 -> 签字, 开了会 -> 开会: the event as a word
    size = re.search(r"多(宽|高|深|厚)", norm)
    if size and not re.search(r"(?:率|比例|比重|水平|程度|占比)有?$", norm[: size.start()]):
        return size.group(1)  # 路面有多宽: the figure stands beside 宽 (路面宽4.5米, 拓宽至6米)
    m = WH_SLOT.search(norm)
    if not m:
        return ""
    before: list[str] = []
    after: list[str] = []
    pos = 0
    for w in analyzer.words(norm):
        start = norm.find(w, pos)
        pos = start + len(w) if start >= 0 else pos
        if w in ONE_CHAR_PREDICATES and 0 <= start < m.start() and norm[start + 1 : m.start()] in ("", "了", "过"):
            return w  # 政府给补多少钱: the verb just before the slot, not the noun before it
        if (
            len(w) < 2
            or w in NOT_PREDICATES
            or unit_class(w)  # 多少亿元: the unit is how it is measured, not what
            or w in STOPWORDS
            or w in QUESTION_FILLER
            or w in GENERIC
            or any(w in n or n in w for n in named if n)
            or any(w in p for p in PERIODS if p in norm)  # 前三季度 says when, not what
            or not re.search(r"[\u4e00-\u9fff]|^[a-z]{2,}$", w)  # gdp is a measure
        ):
            continue
        if start >= m.end():
            after.append(w)
        elif start + len(w) <= m.start():
            before.append(w)
    if after:
        # 多少家企业参加: after a figure's slot the measured noun comes first, then the event
        return after[1] if len(after) >= 2 and not m.group(0).startswith(("什么", "何", "哪")) else after[0]
    return before[-1] if before else ""


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
    persons: tuple[str, ...] = ()  # people the question names (宋洁): the evidence must be about them
    offices: tuple[str, ...] = ()  # offices the question names (区长): never answered with another office
    ordinals: tuple[Ordinal, ...] = ()  # 第六次, 第十三届: must be printed in the evidence
    years: tuple[str, ...] = ()  # 2016: must be printed in the evidence or be its issue's year
    entities: tuple[str, ...] = ()  # names of places, projects, works the index knows (鑫苑名城)
    date_grain: str = ""  # day (哪天), month (哪个月), year (哪一年) or "" (什么时候: any date phrase)
    predicate: str = ""  # the event or measure asked about (完工 in 什么时候完工, 总投资 in 总投资是多少)
    # whether the bulletins print the predicate (or a synonym) at all: an everyday verb no bulletin
    # uses (打算, 见面 in 跟选民见面) cannot stand beside any answer, so it binds nothing
    predicate_known: bool = True
    modifiers: tuple[str, ...] = ()  # the words narrowing the measure (餐饮 in 餐饮收入): printed with the figure

    @property
    def who_mode(self) -> str:
        """subject (谁主持了…), office (区长是谁), person (宋洁是谁 / 担任什么职务) or ""."""
        if self.kind != "who":
            return ""
        if self.action:
            return "subject"
        if self.persons and not self.offices:
            return "person"
        if self.offices:
            return "office"
        return "subject"


def question_kind(text: str) -> str:
    for kind, pat in _KIND_PATTERNS:
        if pat.search(text):
            return kind
    return "what"


def analyze_question(
    text: str,
    analyzer: Analyzer,
    aliases: dict[str, list[str]],
    districts: set[str],
    known: Callable[[str], bool] | None = None,
) -> QuestionInfo:
    """`known` says whether the bulletins use a word: a word that only jieba's new-word guessing
    made (时去, 人前, 改能: leftover characters joined) counts only when the bulletins use it or it
    is shaped like a three-character name (a two-character guess such as 时去 often only looks like one)."""
    norm = SPLIT_BY_DE.sub("", normalize(text))  # 是哪位领导讲的话 -> 讲话
    kind = question_kind(norm)
    expansions: list[str] = []
    groups: list[tuple[str, ...]] = []
    covered: set[str] = set()
    for raw_short, raw_fulls in sorted(aliases.items(), key=lambda kv: (-len(kv[0]), kv[0])):
        short, fulls = normalize(raw_short), [normalize(f) for f in raw_fulls]  # GDP is read as gdp
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
    # synonyms of official language, matched as printed (jieba cuts many of them: 老旧小区改造)
    for w in synonym_words():
        if kind == "who" and w in LEADERS:
            covered.add(w)
            continue  # 哪位区领导 asks who: any district leader's title answers it
        if w in norm and w not in QUESTION_FILLER and not office_suffix(w) and not any(w in c for c in covered):
            syn = synonyms_of(w)
            groups.append((w, *syn))
            expansions.extend(x for x in syn if x not in norm)
            covered.add(w)
    # a district printed whole first (麓湖区), then one by its stem alone (檀溪 for 檀溪县)
    ordered = sorted((d for d in districts if d), key=lambda d: (-len(d), d))
    district = next((d for d in ordered if d in norm), "") or next(
        (d for d in ordered if len(d) > 2 and d[:-1] in norm), ""
    )
    words: list[str] = []
    plain = QUESTION_PHRASES.sub(" ", norm)
    if district:  # cut out before segmenting: jieba joins an unknown district with its neighbours (年漾)
        plain = plain.replace(district, " ")
        plain = plain.replace(district[:-1], " ") if len(district) > 2 else plain
    dictionary_cut = set(analyzer.words(plain, hmm=False))
    for w in analyzer.words(plain):
        if known is not None and w not in dictionary_cut and not (len(w) == 3 and is_person_name(w)) and not known(w):
            continue  # leftover characters jieba joined into a word nobody prints
        if w in STOPWORDS or w in QUESTION_FILLER or not re.search(r"[\w]", w) or (len(w) == 1 and not w.isdigit()):
            continue
        if ORDINAL.fullmatch(w) or re.fullmatch(r"第[〇零一二三四五六七八九十百两\d]+", w):
            continue  # 第八十七(次): an ordinal, checked as a qualifier in any written form (第87次)
        if district and (w in district or district in w):
            continue  # satisfied by the bulletin's metadata
        if any(w in c or c in w for c in covered):
            continue  # represented by its alias group
        if kind == "who" and w in LEADERS:
            continue  # 哪位区领导: whoever holds a district office, the slot itself
        words.append(w)
    if not words and not groups and district:
        words = [district]  # "这份上街区报纸是第几期": the district is all there is to look for
    m = DATE_IN_Q.search(norm)
    month = int(m.group(2)) if m and 1 <= int(m.group(2)) <= 12 else 0
    day = int(m.group(3)) if m and m.group(3) else 0
    if month:
        date_words = {
            f"{month}月",
            f"{month}月{day}日",
            str(month),
            "月",
            "日",
            "号",
            "月份",
            f"{day}日",
            f"{day}号",
            str(day),
        }
        words = [w for w in words if w not in date_words]
    im = ISSUE_IN_Q.search(norm)
    persons = [t.name for t in titled_names(norm)]
    # words the index learned (项目名, 地名) that the question names; a word of the synonym dictionary
    # (重大项目) is common language, not a named thing
    entities = [
        w
        for w in analyzer.user_words
        if len(w) >= 3 and not is_person_name(w) and w in norm and not any(w in c for c in covered)
    ]
    # a district or county the index does not know: the evidence must print it
    entities += [d for d in DISTRICT_NAME.findall(norm) if d not in districts and d != district]
    entities += [
        p for p in NAMED_PLACE.findall(norm) if not any(p in e for e in entities) and not GENERIC_PLACE_STEM.search(p)
    ]
    simple = to_simplified(norm)  # 陸城鎮 is read as 陆城镇
    entities += [p for k in PLACE_OF_KIND for p in places_of_kind(simple, k) if not any(p in e for e in entities)]
    # a named institution, unless a synonym group already stands for part of it (社区医院 ⇄ 社区卫生服务中心)
    entities += [
        t
        for t in named_things(norm)
        if not any(t in e or e in t for e in entities) and not any(c in t for c in covered)
    ]
    persons += [w for w in analyzer.user_words if is_person_name(w) and w in norm and w not in persons]
    # a name after a role the question gives (种粮大户谢满仓), though the index never learned it
    persons += [n for n in (m.group(1) for m in ROLE_NAME.finditer(norm)) if is_person_name(n) and n not in persons]
    # a name after its title (县人大常委会主任钭永康), though the index never learned it
    persons += [t.name for t in titled_names(norm) if is_person_name(t.name) and t.name not in persons]
    offices = [o for o in offices_in(norm) if not any(o != x and o in x for x in offices_in(norm))]
    predicate = _predicate(norm, analyzer, {*persons, *entities, district})
    named = {*persons, *entities, district}
    modifiers = _modifiers(norm, analyzer, predicate, named, groups, known) if kind == "num" else ()
    action = _action(norm, analyzer) if kind == "who" else ""
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
        subject=kind == "who" and bool(action),
        action=action,
        persons=tuple(dict.fromkeys(persons)),
        offices=tuple(dict.fromkeys(offices)),
        ordinals=tuple(o for o in ordinals(norm) if o.unit not in ("期", "几")),
        years=tuple(YEAR.findall(norm)),
        entities=tuple(e for e in entities if not any(e != x and e in x for x in entities)),
        date_grain=date_grain(norm),
        predicate=predicate,
        modifiers=modifiers,
        predicate_known=known is None or not predicate or any(known(f) for f in (predicate, *synonyms_of(predicate))),
    )
