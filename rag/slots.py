"""Typed answer candidates, bound to what was asked.

A sentence that covers a question may hold several facts of the kind asked for: two dates (the
night inspection and a later visit), two figures (a capacity and the sales), two officials (区长
and 副区长). A candidate answers only when it is *bound* to the question: printed in the same
clause as the question's event or measured word (or next to it), of a unit that fits the quantity
asked, under the very office asked about. Otherwise there is no short answer and the caller says
what the bulletins print instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .analyze import normalize, to_simplified
from .lexicon import (
    ASKS_BEFORE,
    CHANGE_FROM_AFTER,
    CHANGE_FROM_LEAD,
    CONTACT_ASKED,
    DATE_GRAIN_FORMS,
    DATE_PHRASE,
    DATE_RANGE,
    END_ASKED,
    END_MARK,
    MONEY_MEASURES,
    ORDINAL,
    ORG_ACTS,
    PEOPLE_NOT_VISITS,
    PERIOD_WORD,
    PLACE,
    PLACE_KIND_ASKED,
    PLURAL,
    QUANTITY,
    QUANTITY_RANGE,
    RANK_ASKED,
    REMOVED,
    UNIT_ENDINGS,
    appointed,
    asked_classes,
    asked_unit,
    is_person_name,
    office_of,
    org_endings,
    places_of_kind,
    predicate_forms,
    same_office,
    titled_names,
    unit_class,
)
from .question import QuestionInfo

CLAUSE_BREAK = re.compile(r"[，,；;：:。！？!?]")
LABEL = re.compile(r"[\u4e00-\u9fff“”\"]{2,12}")  # 最美退役军人, 一等奖
LABEL_START = re.compile(r"[)）](?=[\u4e00-\u9fff“”\"]{2,12}[：:])")  # the entry before a label ends at its bracket
# the clause a candidate stands in counts fully, the neighbouring ones less
NEIGHBOUR_WEIGHT = 0.5
PREDICATE_WEIGHT = 2.0  # the event or measure asked about (整改 in 整改好了多少处) counts double
FAR_WEIGHT = 0.25  # a word printed further away in the same sentence still frames it a little
OWN_CLAUSE_BONUS = 0.15  # the asked event or measure printed in the candidate's own clause
MIN_BINDING = 0.34  # share of the question's event-word weight printed around the candidate


@dataclass(frozen=True)
class Candidate:
    text: str  # the short answer as printed (苏建设 with its title, 11月29日夜, 73.2亿元)
    start: int
    end: int
    binding: float  # 0..1: how much of the question's event words stand around it
    kind: str


def clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of the sentence. In a list of labelled entries (名单如下：最美志愿者：
    陈秀梅（临江社区）、吕志刚（桂园社区）最美家庭：…) a label starts the clause of the names after it."""
    cuts = sorted(
        {m.end() for m in CLAUSE_BREAK.finditer(sentence)} | {m.end() for m in LABEL_START.finditer(sentence)}
    )
    out, start = [], 0
    for cut in cuts:
        if sentence[cut - 1] in "：:":
            seg = sentence[start : cut - 1]
            k = max(seg.rfind("："), seg.rfind(":"))
            if LABEL.fullmatch(seg[k + 1 :]):  # 最美网格员： stays with 孟佳怡（鹤鸣社区）、丁卫东（临江社区）
                if k >= 0:
                    out.append((start, start + k + 1))  # 名单如下： ends before the label
                    start += k + 1
                continue
        out.append((start, cut))
        start = cut
    if start < len(sentence):
        out.append((start, len(sentence)))
    return out or [(0, len(sentence))]


def event_words(info: QuestionInfo) -> list[tuple[str, ...]]:
    """The question's words that the answer's clause should print: content words and alias groups,
    without the people and offices named (those are what is looked up, or checked apart)."""
    skip = set(info.persons) | set(info.offices)
    items: list[tuple[str, ...]] = [(w,) for w in info.words if w not in skip and not any(p in w for p in skip)]
    items += [g for g in info.groups if g[0] not in skip]
    return items


def _credit(forms: Sequence[str], text: str) -> float:
    """1 when a form is printed in `text`; part credit when only its halves are (农村人 ~ 农村居民,
    夜查 ~ 11月29日夜 … 检查)."""
    for f in forms:
        if normalize(f) in text:
            return 1.0
    f = normalize(forms[0])
    if len(forms) == 1 and len(f) == 2 and f[0] in text and f[1] in text:
        return 0.5
    if len(f) >= 3 and (f[:2] in text or f[-2:] in text):
        return 0.5
    return 0.0


def binding(
    sentence: str,
    start: int,
    end: int,
    items: Sequence[tuple[str, ...]],
    weight: Callable[[str], float],
    before: float = NEIGHBOUR_WEIGHT,
    after: float = NEIGHBOUR_WEIGHT,
    predicate: str = "",
) -> float:
    """Weighted share of `items` printed in the candidate's clause (full weight) or the clause just
    before or after it (the weights `before` and `after`: a date leads the event it dates, a
    qualifier such as 截至7月底 leads the figure it qualifies)."""
    if not items:
        return 1.0
    spans = clauses(sentence)
    at = next((i for i, (a, b) in enumerate(spans) if a <= start < b), 0)

    def clause(i: int) -> str:
        return normalize(sentence[spans[i][0] : spans[i][1]]) if 0 <= i < len(spans) else ""

    own, left, right = clause(at), clause(at - 1), clause(at + 1)
    rest = normalize(sentence)
    total = got = 0.0
    for forms in items:
        w = weight(forms[0]) * (PREDICATE_WEIGHT if predicate and predicate in forms else 1.0)
        total += w
        got += w * max(
            _credit(forms, own),
            before * _credit(forms, left + own),
            after * _credit(forms, own + right),
            FAR_WEIGHT * _credit(forms, rest),
        )
    return got / total if total else 1.0


def who_candidates(
    info: QuestionInfo,
    sentence: str,
    names: Sequence[str],
    weight: Callable[[str], float],
    items: Sequence[tuple[str, ...]],
) -> list[Candidate]:
    mode = info.who_mode
    out: list[Candidate] = []
    if mode == "person":
        former = bool(ASKS_BEFORE.search(normalize(info.text)))
        for person in info.persons:
            office = office_of(sentence, person, former)
            # 原来是什么职务: the post a 免去 line takes away; any other post printed is a weaker answer
            strength = 0.5 if former and not any(m.group(1) == person for m in REMOVED.finditer(sentence)) else 1.0
            i = sentence.find(person)
            j = sentence.rfind(office, 0, i) if office else -1
            if office and j >= 0 and i - j - len(office) <= 1:
                out.append(Candidate(sentence[j : i + len(person)], j, i + len(person), strength, "who"))
            elif office:
                out.append(
                    Candidate(sentence[i : i + len(person)] + "（" + office + "）", i, i + len(person), strength, "who")
                )
        return out
    titled = [t for t in titled_names(sentence) if t.name not in info.persons]
    if mode == "office":
        titled += [t for t in appointed(sentence) if t.name not in info.persons]
        for t in titled:
            if any(same_office(o, t.title) for o in info.offices):
                b = binding(sentence, t.start, t.end, items, weight) if items else 1.0
                out.append(Candidate(t.text, t.start, t.end, max(b, 0.5), "who"))
        return out
    # subject: who did what was asked; the person printed nearest before the action
    seen = {t.name for t in titled}
    people = [(t.text, t.start, t.end) for t in titled]
    for n in names:
        if n in seen or n in info.persons or not is_person_name(n):
            continue
        if n not in sentence:
            continue
        for m in re.finditer(re.escape(n), sentence):
            if not any(a <= m.start() < b for _, a, b in people):
                people.append((n, m.start(), m.end()))
    action_at = sentence.find(info.action) if info.action else -1
    if action_at >= 2:
        # a name nobody titled, right before the action at the head of a clause (谢金旺汇报了…)
        for size in (3, 2):
            a = action_at - size
            n = sentence[a:action_at]
            head = a == 0 or CLAUSE_BREAK.match(sentence[a - 1]) or sentence[a - 1] in "、和及"
            if a >= 0 and head and is_person_name(n) and not any(x <= a < y for _, x, y in people):
                people.append((n, a, action_at))
                break
    for text, a, b in people:
        bnd = binding(sentence, a, b, items, weight)
        if action_at >= 0:
            gap = action_at - b
            # the subject comes before its verb, in the same clause
            same_clause = 0 <= gap <= 12 and not CLAUSE_BREAK.search(sentence[b:action_at])
            bnd = bnd * (1.0 if same_clause else 0.5) + (0.3 if same_clause else 0.0)
        out.append(Candidate(text, a, b, min(bnd, 1.0), "who"))
    return out


def when_candidates(
    info: QuestionInfo, sentence: str, weight: Callable[[str], float], items: Sequence[tuple[str, ...]]
) -> list[Candidate]:
    out = []
    grain = DATE_GRAIN_FORMS.get(info.date_grain)
    end_asked = bool(END_ASKED.search(normalize(info.text)))
    ranges = list(DATE_RANGE.finditer(sentence))
    inside = [(r.start(), r.end()) for r in ranges]
    singles = [m for m in DATE_PHRASE.finditer(sentence) if not any(a <= m.start() < b for a, b in inside)]
    for m in sorted([*ranges, *singles], key=lambda m: m.start()):
        text = m.group(0)
        if grain is not None and not grain.search(text):
            continue  # 哪天 is not answered by 2021年, 哪一年 not by 11月29日
        if normalize(text) in normalize(info.text):
            continue  # the date the question gives is no answer to it
        # a date standing as a clause of its own (11月29日夜，…) dates the clause that follows it
        spans = clauses(sentence)
        a, z = next(((a, z) for a, z in spans if a <= m.start() < z), (0, len(sentence)))
        bare = (z - a) - (m.end() - m.start()) <= 4
        b = binding(
            sentence,
            m.start(),
            m.end(),
            items,
            weight,
            before=0.3,
            after=1.0 if bare else 0.7,
            predicate=info.predicate,
        )
        if end_asked and m.re is DATE_RANGE:  # 持续到什么时候: the close of the span
            close = _close_of(text)
            if close:
                at = m.start() + text.rfind(close[1])
                out.append(Candidate(close[0], at, at + len(close[1]), min(1.0, b + 0.3), "when"))
                continue
        if end_asked:  # 展到哪一天: the date the text closes with 至/到/截至
            b = min(1.0, b + 0.3) if END_MARK.search(sentence[max(0, m.start() - 3) : m.start()]) else b * 0.5
        out.append(Candidate(text, m.start(), m.end(), b, "when"))
    return out


def num_candidates(
    info: QuestionInfo, sentence: str, weight: Callable[[str], float], items: Sequence[tuple[str, ...]]
) -> list[Candidate]:
    q = normalize(info.text)
    out = []
    if RANK_ASKED.search(q):
        unit = re.search(r"第几(次|届|名|位|批|期|轮|个|季度|版|条|项|场)", q)
        asked_meeting = bool(unit and (re.match(r"[会全常开召]", q[unit.end() :]) or re.search("会议|全会|开会", q)))
        for m in ORDINAL.finditer(sentence):
            if m.group(0) not in q and (unit is None or m.group("unit") == unit.group(1)):  # 第几次: not 第七届
                if (
                    unit
                    and not asked_meeting
                    and re.match(r"(?:[\u4e00-\u9fff]{0,4}?)(?:会议|全会)", sentence[m.end() :])
                ):
                    continue  # 第几次视察: not the 第三十四次会议 the visit prepared
                b = binding(sentence, m.start(), m.end(), items, weight)
                out.append(Candidate(m.group(0), m.start(), m.end(), b, "num"))
        return out
    if CONTACT_ASKED.search(q):
        return []  # 举报电话是多少: no count or sum answers it (the sentence printing the number does)
    classes = asked_classes(q)
    named_unit = asked_unit(q)
    ranges = list(QUANTITY_RANGE.finditer(sentence))
    inside = [(r.start(), r.end()) for r in ranges]
    singles = [m for m in QUANTITY.finditer(sentence) if not any(a <= m.start() < b for a, b in inside)]
    for m in sorted([*ranges, *singles], key=lambda m: m.start()):
        text = m.group(0)
        if (
            normalize(text) in q
            or normalize(m.group("num")) in re.findall(r"[\d.]+(?:万|亿)?|[〇零一二三四五六七八九十两百千万]+", q)
            or sentence[max(0, m.start() - 1) : m.start()] == "第"
        ):
            continue  # a figure the question gives, or an ordinal (第十三届 is never a count)
        if re.fullmatch(r"[万亿千百萬億]+", m.group("num")):
            continue  # 万亩玉米示范片, 百亩茶园: a name, not a figure
        if m.group("unit") == "年" and re.fullmatch(r"(?:19|20)\d\d", m.group("num")):
            continue  # a year, not a number of years
        if (
            CHANGE_FROM_LEAD.search(sentence[max(0, m.start() - 8) : m.start()])
            and CHANGE_FROM_AFTER.match(sentence[m.end() :])
            and not ASKS_BEFORE.search(q)
        ):
            continue  # 由75%提高到80%, 由每人每月830元提高到870元: the first is what it was
        if classes and unit_class(m.group("unit")) not in classes:
            continue  # 个 is no investment, 人 no sum of money
        if m.group("unit") == "人次" and PEOPLE_NOT_VISITS.search(q):
            continue  # 多少名求职者: 2100余人次 counts visits, not people
        if named_unit and m.group("unit") != named_unit:
            continue  # 多少艘冲锋舟: not the 8万条 of sandbags
        b = binding(sentence, m.start(), m.end(), items, weight, before=0.6, after=0.3, predicate=info.predicate)
        out.append(Candidate(text, m.start(), m.end(), b, "num"))
    return out


def where_candidates(
    info: QuestionInfo, sentence: str, weight: Callable[[str], float], items: Sequence[tuple[str, ...]]
) -> list[Candidate]:
    out = []
    kind = PLACE_KIND_ASKED.search(normalize(info.text))
    if kind:  # 去哪个镇讲的党课: a township the sentence names, and only that
        asked = "village" if kind.group(1) in ("村", "社区", "小区") else "township"
        simple = to_simplified(sentence)
        for place in dict.fromkeys(places_of_kind(simple, asked)):
            at = simple.find(place)
            if normalize(place) not in normalize(info.text):
                b = binding(sentence, at, at + len(place), items, weight)
                out.append(Candidate(sentence[at : at + len(place)], at, at + len(place), b, "where"))
        return out
    for m in PLACE.finditer(sentence):
        place = m.group("place")
        if normalize(place) in normalize(info.text) or DATE_PHRASE.fullmatch(place) or PERIOD_WORD.search(place):
            continue  # 于今年上半年开展: a time, not a place
        b = binding(sentence, m.start(), m.end(), items, weight)
        out.append(Candidate(place, m.start("place"), m.end("place"), b, "where"))
    return out


ORG_STOP = set('由在对向与和及、的是为被经到从将把给让了等：:，,；;。“”"')


def org_candidates(
    info: QuestionInfo, sentence: str, weight: Callable[[str], float], items: Sequence[tuple[str, ...]]
) -> list[Candidate]:
    """Names of the kind of organisation asked for (哪家公司 -> 吉林长岭食品集团), read back from
    the ending to the nearest function word; never one the question names itself."""
    ending = org_endings(normalize(info.text))
    if ending is None:
        return []
    q = normalize(info.text)
    out = []
    for m in ending.finditer(sentence):
        k = m.start()
        while k > 0 and m.start() - k < 14 and sentence[k - 1] not in ORG_STOP and not sentence[k - 1].isspace():
            k -= 1
        text = sentence[k : m.end()]
        if m.start() - k < 2 or normalize(text) in q:
            continue
        b = binding(sentence, k, m.end(), items, weight, predicate=info.predicate)
        out.append(Candidate(text, k, m.end(), b, "org"))
    return out


def best_candidate(
    info: QuestionInfo,
    sentence: str,
    names: Sequence[str],
    weight: Callable[[str], float],
    context: str = "",
    min_binding: float = MIN_BINDING,
    accept: Callable[[Candidate], bool] | None = None,
) -> Candidate | None:
    """The bound candidate of the kind asked for, or None. `context` is the rest of the passage
    (title, text, citation): a question word printed there but not in the sentence frames the
    passage (the street, the year) and neither binds nor unbinds; one printed nowhere counts
    against every candidate (体检合格 when only 参加体检 is printed). Traditional text is read in
    simplified form (the patterns are simplified) and the candidate is returned as printed."""
    simple = to_simplified(sentence)
    hay, ctx = normalize(sentence), normalize(context)
    named = {normalize(e) for e in info.entities}  # a project or place asked about binds, wherever else it is printed
    items = [
        f
        for f in event_words(info)
        if _credit(f, hay) > 0
        or not ctx
        or _credit(f, ctx) == 0
        or normalize(f[0]) in named
        or sibling_named(hay, ctx, f)
    ]
    if info.predicate and not any(info.predicate in f for f in event_words(info)):
        items.append(predicate_forms(info.predicate))  # 签了字: a word the question's cut split
    if simple != sentence and len(simple) == len(sentence):
        c = _best(info, simple, names, weight, items, min_binding, accept)
        if c is None or c.text != simple[c.start : c.end]:
            return c  # an answer the code composed (王玉红（副区长）, 甲、乙) is shown in simplified form
        return Candidate(sentence[c.start : c.end], c.start, c.end, c.binding, c.kind)
    return _best(info, sentence, names, weight, items, min_binding, accept)


def _best(
    info: QuestionInfo,
    sentence: str,
    names: Sequence[str],
    weight: Callable[[str], float],
    items: Sequence[tuple[str, ...]],
    min_binding: float,
    accept: Callable[[Candidate], bool] | None = None,
) -> Candidate | None:
    if info.kind == "who":
        cands = who_candidates(info, sentence, names, weight, items)
    elif info.kind == "when":
        cands = when_candidates(info, sentence, weight, items)
    elif info.kind == "num":
        cands = num_candidates(info, sentence, weight, items)
    elif info.kind == "where":
        cands = where_candidates(info, sentence, weight, items)
    elif org_endings(normalize(info.text)) is not None:
        cands = org_candidates(info, sentence, weight, items)
    else:
        return None
    org_acts = tuple(ORG_ACTS.findall(normalize(info.text))) if info.kind not in ("who", "when", "num", "where") else ()
    classes_asked = asked_classes(normalize(info.text)) if info.kind == "num" else ()
    if org_acts or (
        info.kind in ("when", "num") and info.predicate and info.predicate_known and not RANK_ASKED.search(info.text)
    ):
        # the event or measure asked about (完工, 出席, 总投资) must stand around the answer; for an
        # organisation, the part asked (哪个单位承办: a unit printed as 主办 is not the one)
        group = next((g for g in info.groups if info.predicate in g), ())  # gdp: 地区生产总值 too
        pred = org_acts or (*predicate_forms(info.predicate), *group)
        if info.kind == "num" and classes_asked == ("money",) and not asked_classes(info.predicate):
            pred = (*pred, *MONEY_MEASURES)  # 盖起来花了多少钱: the 总投资 of what was built
        ends = info.kind == "when" and bool(END_ASKED.search(normalize(info.text)))
        # 持续到什么时候: a span's closing date answers it whatever verb the text uses
        cands = [c for c in cands if _near(sentence, c, pred) or (ends and _closes_span(sentence, c))]
        # the figure of 已完成整改41处 answers 整改了多少处, not the 46处 of the clause before it (the
        # bonus also ranks two candidates that are both fully bound)
        own = {id(c) for c in cands if _near(sentence, c, pred, 0)}
        ranked = {id(c): c.binding + (OWN_CLAUSE_BONUS if id(c) in own else 0.0) for c in cands}
        cands = [replace(c, binding=min(1.0, ranked[id(c)])) for c in cands]
        rank = dict(zip([id(c) for c in cands], ranked.values(), strict=True))
    else:
        rank = {id(c): c.binding for c in cands}
    fitting = [c for c in cands if accept is None or accept(c)]
    cands = [c for c in fitting if c.binding >= min_binding]
    if not cands:
        return None
    best = max(cands, key=lambda c: (rank[id(c)], -c.start))
    if info.kind != "who":
        return best
    if PLURAL.search(normalize(info.text)):
        # 哪些领导 / 哪几位: every person bound as well as the best one, and those listed with it
        # (甲，乙、丙陪同), in the order printed
        people = [
            c
            for c in fitting
            if c.binding >= max(best.binding - 0.1, min_binding)
            or (c.end <= best.start and names_run(sentence, c.end, best.start))
        ]
        return _people(people, best, shared_title=False)
    # 任命王喜峰、韩伟达为副区长 asked 任命了谁: the names listed side by side and bound as well as the
    # best one share its answer
    people = [
        c
        for c in cands
        if c is best
        or (
            abs(rank[id(c)] - rank[id(best)]) <= 0.05
            and names_run(sentence, min(c.end, best.end), max(c.start, best.start))
            and abs(c.start - best.start) <= 12
        )
    ]
    return _people(people, best, shared_title=True)


def _people(group: Sequence[Candidate], best: Candidate, shared_title: bool) -> Candidate:
    """One answer naming every person of the group in the order printed (the best one alone when
    the group is just it); with `shared_title` a title they all share is printed once (副区长王喜峰、
    韩伟达)."""
    group = sorted(group, key=lambda c: c.start)
    texts = list(dict.fromkeys(c.text for c in group))
    if len(group) < 2:
        return best
    title = texts[0] if shared_title else ""
    while title and not all(t.startswith(title) and is_person_name(t[len(title) :]) for t in texts):
        title = title[:-1]
    text = title + "、".join(t[len(title) :] for t in texts)
    return Candidate(text, group[0].start, group[-1].end, best.binding, "who")


def sibling_named(hay: str, ctx: str, forms: Sequence[str]) -> bool:
    """Whether the frame prints the word as one of a list (研究部署民生实事项目、老旧小区改造等工作) and
    the sentence names another of that list (民生实事项目…总投资4.76亿元): then the frame does not
    stand for the sentence, which is about its sibling."""
    for f in forms:
        f = normalize(f)
        for seg in re.split(r"[，,。；;：:]", ctx):
            if f not in seg or "、" not in seg:
                continue
            for sib in re.split(r"[、和及与]", seg):
                head = re.sub(r"等.*$", "", sib)[-4:]
                if f not in sib and len(head) == 4 and re.fullmatch(r"[\u4e00-\u9fff]{4}", head) and head in hay:
                    return True
    return False


def names_run(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] holds only titled people, the units they work for and separators, as
    between the names of a list (副区长甲，区工信局局长乙、街道党工委书记丙)."""
    between = text[start:end]
    for t in titled_names(between):
        between = between.replace(t.text, "|")
    return all(
        not piece or (len(piece) <= 10 and piece.endswith(UNIT_ENDINGS))
        for piece in re.split(r"[|、，,和及与以]+", between)
    )


def _close_of(span: str) -> tuple[str, str] | None:
    """The closing date of a span as it should be shown, and as printed: 2022年1月中旬 of
    2021年12月上旬到2022年1月中旬; 3月15日 of 3月1日至15日 (the month carried over)."""
    parts = re.split(r"至|到|—|－|-|~|～", span)
    printed = parts[-1] if len(parts) > 1 else ""
    if not printed:
        return None
    if DATE_PHRASE.fullmatch(printed) and ("月" in printed or "年" in printed):
        return printed, printed
    month = re.search(r"(\d{1,2}|[一二三四五六七八九十]{1,3})月", span)
    if re.match(r"\d{1,2}日", printed) and month:
        return f"{month.group(1)}月{printed}", printed
    return None


def _closes_span(sentence: str, c: Candidate) -> bool:
    """Whether the candidate is the closing date of a span printed in the sentence."""
    return any(r.start() <= c.start and c.end == r.end() for r in DATE_RANGE.finditer(sentence))


def _near(sentence: str, c: Candidate, forms: Sequence[str], reach: int = 1) -> bool:
    """Whether `forms` is printed in the candidate's clause or up to `reach` clauses before or after it."""
    spans = clauses(sentence)
    at = next((i for i, (a, b) in enumerate(spans) if a <= c.start < b), 0)
    lo, hi = spans[max(0, at - reach)][0], spans[min(len(spans) - 1, at + reach)][1]
    return _credit(forms, normalize(sentence[lo:hi])) > 0


__all__ = [
    "Candidate",
    "best_candidate",
    "binding",
    "clauses",
    "event_words",
    "names_run",
    "org_candidates",
    "sibling_named",
]
