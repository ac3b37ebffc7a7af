"""Answers made only of quoted evidence.

1. Every sentence of the top passages is scored by how much of the question it covers (content
   words weighted by IDF; an abbreviation counts when it or its full form is there), plus a bonus
   when it holds the kind of fact asked for (a titled name for 谁, a date for 何时, a figure for
   多少).
2. The first line answers in a few words taken from the best sentence (the name with its title,
   the date, the figure with its unit), or the sentence itself for 哪些/什么 questions. Where the
   text does not state exactly what was asked (nobody is said to 主持), it says so and says what
   the text does say.
3. The quoted sentences follow, each with the number of the passage it comes from.
4. We abstain ("公报中没有找到") when the best passages do not cover the question's specific
   terms, and say what was searched and which terms were missing.

Nothing is generated, so every claim is a quotation of the passage it cites (`verify`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial

from .analyze import normalize, to_simplified
from .answerability import Decider, Features, load_model
from .chunk import split_sentences
from .lexicon import (
    AGGREGATE,
    AGGREGATE_ASKED,
    ANAPHOR,
    APPOINTED,
    ATTACHMENT_ASKED,
    CHANGE_ASKED,
    CHANGE_PRINTED,
    CONTACT_ASKED,
    CONTACT_PRINTED,
    COUNTED_LIST_ASKED,
    DATE_PHRASE,
    DISTRICT_NAME,
    DONE_WHEN_ASKED,
    EACH_ASKED,
    ENUMERATED,
    EXCLUDED_ASKED,
    FORMER_ASKED,
    FORMER_PRINTED,
    LEAD_ACT,
    LEAD_ACTIONS,
    NAME_ASKED,
    NATIONAL,
    NATIONAL_PRINTED,
    NEWLY_APPOINTED,
    OFFICE_OF_UNIT,
    ONLY_COUNTED,
    ORDINAL,
    PART_OF_DAY,
    PER_HEAD_ASKED,
    PER_HEAD_PRINTED,
    PERIODS,
    PERSON_ACT_PRINTED,
    PERSON_ACTS,
    PLAN_ASKED,
    PLAN_PRINTED,
    PLURAL,
    PREMISE_ACTS,
    QUANTITY,
    QUOTED_TERM,
    RANK_ASKED,
    REASON_PRINTED,
    ROLE_ASKED,
    SIDE_ASKED,
    SIDE_MARKS,
    SPEECH_ACTS,
    TITLE_ALT,
    WHY_ASKED,
    YEAR_PRINTED,
    YES_NO_ASKED,
    asked_classes,
    attachment_printed,
    contrast_clash,
    contrast_clash_at,
    date_printed,
    given_counts,
    is_person_name,
    number_printed,
    office_of,
    office_printed,
    ordinals,
    org_endings,
    other_count,
    other_date,
    other_number,
    other_place,
    predicate_forms,
    qualifier_numbers,
    same_office,
    synonyms_of,
    titled_names,
    unit_class,
)
from .models import Answer, Evidence, Hit, Passage
from .question import QuestionInfo
from .reader import Reader
from .retrieve import Query
from .slots import Candidate, best_candidate, clauses, event_words, names_run, sibling_named

NOT_FOUND = "公报中没有找到"
NOT_PRINTED = "公报中没有写明"


@dataclass(frozen=True)
class AnswerSettings:
    max_sentences: int = 3
    from_top: int = 3  # passages that may supply evidence
    min_coverage: float = 0.6  # answer when the evidence covers this share of the question...
    min_coverage_dense: float = 0.3  # ...or this share when the passage is also close in meaning
    dense_threshold: float = 0.885
    model: Decider | None = None  # whether to answer; None = the one fitted and shipped in rag/data
    always_answer: bool = False  # draft answers for every question (to fit the model on)
    min_binding: float = 0.2  # a short answer needs this much of the question around it (the decision asks more)


# how far the closest sentence of an abstention must lead the first passage's best one to move its
# passage to the top (a near tie keeps retrieval's order)
LEAD_MARGIN = 0.1


def _df(reader: Reader, token: str) -> int:
    """How many passages hold the token (0 when the bulletins never use it)."""
    return reader.df(token)


def _idf(reader: Reader, token: str) -> float:
    n = max(len(reader), 1)
    df = _df(reader, token)
    if not df:
        return math.log(1 + n)  # a term the bulletins never use weighs most
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def coverage(reader: Reader, info: QuestionInfo, text: str) -> tuple[float, list[str]]:
    """IDF-weighted share of the question's content words found in `text`, and the missing ones."""
    got, total, _, missing = _covered(reader, info, text)
    return (got / total if total else 0.0), missing


def known_coverage(reader: Reader, info: QuestionInfo, text: str) -> float:
    """Coverage over the question's words that the bulletins use at all: an everyday word no
    bulletin prints (看病, 带的队) says nothing about whether this text answers (paraphrases)."""
    got, total, unknown, _ = _covered(reader, info, text)
    return got / (total - unknown) if total - unknown > 0 else 0.0


def _covered(reader: Reader, info: QuestionInfo, text: str) -> tuple[float, float, float, list[str]]:
    """(weight found, total weight, weight of missing words no passage uses, missing words)."""
    hay = normalize(text)
    total = got = unknown = 0.0
    missing: list[str] = []
    items: list[tuple[str, tuple[str, ...]]] = [(w, (w,)) for w in info.words]
    items += [(g[0], g) for g in info.groups]
    for label, forms in items:
        weight = min(_idf(reader, f) for f in forms)
        total += weight
        if any(normalize(f) in hay for f in forms):
            got += weight
            continue
        # part credit for the parts of a compound word (生态建设 -> 生态, 建设); none for an alias
        parts = [] if len(forms) > 1 else [p for p in reader.analyzer.tokens(label) if p != label and len(p) >= 2]
        if parts and all(p in hay for p in parts):
            got += 0.6 * weight  # every part is there, if not side by side
        elif len(forms) == 1 and len(label) == 2 and label[0] in hay and label[1] in hay:
            got += 0.3 * weight  # 夜查: 夜 and 查 both printed
        elif all(_df(reader, f) == 0 for f in forms):
            unknown += weight
        missing.append(label)
    return got, total, unknown, missing


def _person_names(reader: Reader) -> list[str]:
    """The index's harvested words that look like person names, found once per snapshot."""
    return reader.derived("person_names", lambda: [w for w in reader.analyzer.user_words if is_person_name(w)])


def _kind_bonus(info: QuestionInfo, sentence: str, person_names: Sequence[str] = ()) -> float:
    if info.kind == "who":
        if info.action and info.action in sentence and (titled_names(sentence) or _any_name(sentence, person_names)):
            return 0.5  # a person doing exactly what was asked (主持)
        if info.offices and any(same_office(o, t.title) for o in info.offices for t in titled_names(sentence)):
            return 0.4  # the very office asked about, followed by a name
        if info.persons and any(office_of(sentence, p) for p in info.persons):
            return 0.4
        if titled_names(sentence):
            return 0.3
        # a 谁 answer without any person in it is no answer
        return 0.15 if any(n in sentence and n not in info.text for n in person_names) else -0.1
    if info.kind == "when":
        return 0.3 if DATE_PHRASE.search(sentence) else 0.0
    if info.kind == "num":
        return 0.3 if (QUANTITY.search(sentence) or ORDINAL.search(sentence)) else 0.0
    if info.kind in ("list", "what", "where"):
        q = info.text
        if re.search(r"要求|意见|措施|举措|部署|强调|指出|提出|怎么做|怎么办|如何|怎样", q):
            hit = re.search(r"一是|一要|首先|其一|^[^，,。；]{0,14}(要求|强调|指出|提出)[:：，,]", sentence)
            return 0.3 if hit else 0.0
        if re.search(r"地方|地点|哪里|现场|哪些.{0,4}(社区|街道|村|项目|单位|企业|部门)", q):
            listed = "、" in sentence and re.search(r"到|来到|先后|查看|察看|走访|深入", sentence)
            if not listed:
                return 0.0
            # named places (县城北加油站、清水河大桥) rather than kinds of place (企业、工地): the inner
            # items of the listing clause (the first carries the verb before it)
            clause = next(c for c in re.split(r"[，,；;：:。]", sentence) if "、" in c)
            items = [t for t in re.split(r"[、和及与]", clause) if t]
            inner = items[1:-1] or items[-1:]
            if not inner:
                return 0.15
            return 0.45 if sum(len(t) for t in inner) / len(inner) >= 4 else 0.15
        return 0.15 if "、" in sentence else 0.0
    return 0.0


def _any_name(sentence: str, person_names: Sequence[str]) -> bool:
    return any(n in sentence for n in person_names)


RANK_WEIGHT = 0.3  # how much the retrieval score of a sentence's passage counts (it weighs meaning)


@dataclass(frozen=True)
class _Scored:
    score: float
    ref: int
    sentence: str
    hit: Hit
    topical: bool = True  # its passage covers the question's topic


def _topic(info: QuestionInfo) -> QuestionInfo:
    """The question without the action a 谁 question asks about (主持): what its passage is about."""
    if not info.action:
        return info
    return replace(
        info,
        words=tuple(w for w in info.words if w != info.action),
        groups=tuple(g for g in info.groups if info.action not in g),
    )


def _score_sentences(
    reader: Reader, info: QuestionInfo, hits: Sequence[Hit], top: int, names: Sequence[str]
) -> list[_Scored]:
    # for 谁 questions the passage must be about the topic; the asked action (主持) may be missing
    topic = _topic(info)
    out = []
    top_score = max((h.score for h in hits[:top]), default=1.0) or 1.0
    for ref, h in enumerate(hits[:top], start=1):
        if info.district and h.passage.district and h.passage.district != info.district:
            continue
        context_cov, _ = coverage(reader, topic, h.passage.title + " " + h.passage.text)
        for sent in split_sentences(h.passage.text):
            cov, _ = coverage(reader, info, sent)
            bonus = _kind_bonus(info, sent, names)
            if context_cov < 0.5:
                bonus = min(bonus, 0.0)  # the right kind of fact, but from a passage on another topic
            score = 0.5 * cov + 0.5 * context_cov + bonus + RANK_WEIGHT * h.score / top_score - 0.03 * (ref - 1)
            out.append(_Scored(score, ref, sent, h, context_cov >= 0.5))
    out.sort(key=lambda x: -x.score)
    return out


def _per_district(reader: Reader, info: QuestionInfo, scored: list[_Scored]) -> list[tuple[str, str, _Scored]]:
    """For office questions that name no district: the holder of that office in each district."""
    best: dict[str, tuple[str, _Scored]] = {}
    weight = _weigher(reader)
    for s in scored:
        d = s.hit.passage.district
        if not d or d in best or not _names_printed(info, s):
            continue  # the 院长 of the institution asked about, not of any other
        c = best_candidate(info, s.sentence, (), weight)
        if c is not None:
            best[d] = (c.text, s)
    return [(d, n, s) for d, (n, s) in best.items()]


def _weigher(reader: Reader) -> Callable[[str], float]:
    return lambda w: _idf(reader, w)


def _qualifiers_missing(reader: Reader, info: QuestionInfo, h: Hit) -> list[str]:
    """What the question pins down (an ordinal, a year, a person) that this passage does not print."""
    p = h.passage
    hay = normalize(p.title + " " + p.text + " " + p.citation)
    missing = []
    printed = {(o.value, o.unit) for o in ordinals(hay)}
    for o in info.ordinals:
        if (o.value, o.unit) not in printed and not (o.unit == "" and any(v == o.value for v, _ in printed)):
            missing.append(o.text)
    for y in info.years:
        if y not in hay and not p.date.startswith(y):
            missing.append(f"{y}年")
    if info.kind != "who":
        for office in info.offices:  # 常务副区长怎么批示: a 区长's 批示 does not answer it
            if not office_printed(office, hay):
                missing.append(office)
    if info.month and not date_printed(info.month, info.day, hay, p.date):
        missing.append(f"{info.month}月{info.day}日" if info.day else f"{info.month}月")  # 10月12号 asked of 10月13日
    asked_parts = PART_OF_DAY.findall(normalize(info.text))
    if info.day and asked_parts:
        of_day = re.findall(rf"(?<!\d){info.month}月{info.day}日({PART_OF_DAY.pattern})", hay)
        if of_day and not any(d in of_day for d in asked_parts):
            missing.append(f"{info.month}月{info.day}日{asked_parts[0]}")  # 上午 asked of the 下午 meeting
    for n, u in qualifier_numbers(normalize(info.text)):
        if not number_printed(n, u, normalize(to_simplified(hay))):
            missing.append(f"{n}{u}")  # 70周岁以上 asked of a passage on 80周岁以上 (or on no age)
    for m in ATTACHMENT_ASKED.finditer(normalize(info.text)):
        if not attachment_printed(m.group(1), m.group(2), hay):
            missing.append(m.group(0))  # 附件3 of a notice that lists 附件1 and 2
    for period in _periods(normalize(info.text)):
        if not any(normalize(f) in hay for f in (period, *synonyms_of(period))):
            missing.append(period)  # a figure for 前三季度 does not answer 上半年
    named = info.district in hay if p.district else _district_printed(info.district, hay)
    if info.district and p.district != info.district and not named:
        # 澄岭区安委会 is not 青山区's: a passage of another district (or of none) that never names
        # the district asked about (a passage of no district may name it by its stem) does not
        # answer for it
        missing.append(info.district)
    citation = normalize(p.citation)
    for name in (*info.persons, *info.entities):
        if (
            normalize(name) in hay
            or to_simplified(normalize(name)) in to_simplified(hay)
            or (DISTRICT_NAME.fullmatch(name) and _district_printed(name, citation))
        ):
            continue
        missing.append(name)
    return missing


def _district_printed(district: str, text: str) -> bool:
    """Whether a text names the district, in full or by its stem as a paper does (石桥县 in 石桥报)."""
    return district in text or district[:2] in text


def _periods(question: str) -> list[str]:
    """The periods a question names (前三季度 rather than the 三季度 inside it)."""
    found = [p for p in PERIODS if p in question]
    return [p for p in found if not any(p != q and p in q for q in found)]


def _fits_what_was_asked(info: QuestionInfo, sentence: str, c: Candidate, frame: str = "", passage: str = "") -> bool:
    """Whether a candidate is of what was asked: "谁主持" a name with 主持 beside it; "新任的…局长"
    an appointment; "企业那边是谁签的" a name whose part of the clause names the company; "全国劳模"
    a sentence that prints the national level."""
    q = normalize(info.text)
    if NATIONAL.search(q) and not NATIONAL_PRINTED.search(sentence):
        return False
    role_asked = ROLE_ASKED.search(q)
    if c.kind == "who" and info.persons and (info.who_mode == "person" or role_asked) and titled_names(c.text):
        # 芮东篱之前担任什么职务: not the office of someone else named in the sentence
        if not any(p in c.text for p in info.persons):
            return False
        if FORMER_ASKED.search(to_simplified(q)) and not _former_printed(info.persons, normalize(sentence)):
            return False
    if c.kind == "who" and info.who_mode != "person" and info.persons:
        # 蔺晓航去调研，哪些人陪着: the people the question names are not who it asks for
        said = [n for n in info.persons if n in c.text]
        if said and not re.sub("|".join(map(re.escape, said)) + f"|{TITLE_ALT}|[、，,和及与]", "", c.text):
            return False
    if info.kind == "who" and info.who_mode == "subject" and info.action:
        # 谁主持: the name's own clause or the next one prints the action (聂承钧在揭牌仪式上说 is no 主持)
        spans = clauses(sentence)
        i = next((k for k, (a, b) in enumerate(spans) if a <= c.start < b), 0)
        stop = re.compile(r"[，,；;。！？!?]").search(sentence, c.end)  # 甲、乙、丙陪同: to the end of the list
        end = max(spans[min(i + 1, len(spans) - 1)][1], stop.start() if stop else len(sentence))
        near = normalize(to_simplified(sentence[spans[i][0] : end]))
        speech = SPEECH_ACTS if info.action in SPEECH_ACTS else ()  # 讲 is also 表示, 指出 …
        forms = [normalize(f) for f in (info.action, *synonyms_of(info.action), *speech)]
        if not any(f in near for f in forms) and not _listed_before(sentence, c.end, forms):
            return False
    if _other_year(info, sentence) or other_date(info.month, info.day, normalize(sentence)):
        return False  # 2026年度的标准 is not answered by a sentence on 2025年度, 10月12日 by 10月13日
    simple = normalize(to_simplified(sentence))
    if other_place(info.entities, simple):
        return False  # 青荇镇污水处理厂的投资 does not answer for 桐溪镇's
    if c.kind == "who" and not _of_unit_asked(q, sentence, c):
        return False  # 县卫生健康局局长是谁: not the 县教育体育局局长
    if c.kind == "org" and _listed_with_asked(info, sentence, c):
        return False  # 码头工程、海晟公司改造项目…现场: a sibling of the asked thing, not what it asked
    if COUNTED_LIST_ASKED.search(q) and normalize(sentence).count("、") < 2:
        return False  # 7件诉求分别是哪些单位的: a sentence that only counts them names none
    if c.kind == "when" and DONE_WHEN_ASKED.search(q) and not PLAN_ASKED.search(q) and _plans(sentence, c):
        return False  # 是什么时候竣工交付的: not the 计划2025年6月底竣工交付 of a plan
    parts_of_day = PART_OF_DAY.findall(q)
    if parts_of_day and not any(d in sentence for d in parts_of_day) and PART_OF_DAY.search(sentence):
        return False  # 7月3日上午召开的: not the 下午 one
    if any(other_count(n, u, noun, normalize(sentence)) for n, u, noun in given_counts(q)):
        return False  # 已经完工的19个老旧小区: not the 31个老旧小区 of the plan
    if any(other_number(n, u, simple) for n, u in qualifier_numbers(q)):
        return False  # 70周岁以上老人: not the 80周岁以上 ones; 三价疫苗 not the 四价
    if info.kind == "num" and not _figure_fits(info, sentence, c, frame, passage):
        return False
    if info.kind == "who" and NEWLY_APPOINTED.search(q) and not APPOINTED.search(to_simplified(sentence)):
        return False
    side = SIDE_ASKED.search(q)
    if info.kind == "who" and side:
        at = next(((a, b) for a, b in clauses(sentence) if a <= c.start < b), (0, len(sentence)))
        # the party the name stands for: its part of the clause (甲与乙签署: 甲 or 乙, not both)
        part, k = "", at[0]
        for piece in re.split(r"(与|和|同)", sentence[at[0] : at[1]]):
            if k <= c.start < k + len(piece):
                part = piece
            k += len(piece)
        if not re.search(SIDE_MARKS[side.group(1) or side.group(2)], to_simplified(part)):
            return False
    return True


def _figure_fits(info: QuestionInfo, sentence: str, c: Candidate, frame: str, passage: str) -> bool:
    """Whether a figure is of the thing asked, not of its neighbour in the sentence: another kind of
    a parallel set (城镇 for 农村), a sum over a list (三大产业合计), a figure without the words that
    narrow the measure (餐饮收入), one beside the clause of the asked event, a topic the passage never
    names or the sibling its headline lists."""
    q = normalize(info.text)
    spans = clauses(sentence)
    i = next((k for k, (a, b) in enumerate(spans) if a <= c.start < b), 0)
    own = normalize(to_simplified(sentence[spans[i][0] : spans[i][1]]))
    before = normalize(to_simplified(sentence[spans[max(i - 1, 0)][0] : spans[i][0]]))
    if contrast_clash_at(q, own, before):
        return False
    if CHANGE_ASKED.search(q) and not CHANGE_PRINTED.search(
        normalize(to_simplified(sentence[spans[i][0] : min(c.end + 2, spans[i][1])]))
    ):
        return False  # 比去年多安排了多少: not the year's level (支出68.37亿元)
    if info.predicate and info.predicate_known and not RANK_ASKED.search(q):
        # 计划种植中稻9.8万亩，目前已完成晚稻插秧14.2万亩 asked 插秧多少: the clause beside that
        # prints the event with a figure of its own holds the answer, not this one
        pred = [normalize(f) for f in predicate_forms(info.predicate)]
        if not any(f in own for f in pred):
            wanted = asked_classes(q)
            for k in (i - 1, i + 1):
                if 0 <= k < len(spans):
                    beside = normalize(to_simplified(sentence[spans[k][0] : spans[k][1]]))
                    if any(f in beside for f in pred) and any(
                        unit_class(m.group("unit")) in wanted for m in QUANTITY.finditer(beside)
                    ):  # a figure of the kind asked (亩 for 亩), not a 个百分点 beside a 7.8%
                        return False
    if _aggregate_of(info, before + own):
        return False
    if any(m.group(1) in own for m in EXCLUDED_ASKED.finditer(q)):
        return False  # 不算改扩建的: not the 新建改扩建5所
    if PER_HEAD_ASKED.search(q) and not PER_HEAD_PRINTED.search(before + own):
        return False  # 人均社会消费品零售额: not the 零售总额
    hay = normalize(to_simplified(sentence))
    if not ANAPHOR.match(hay) and any(
        not any(normalize(f) in hay for f in (m, *synonyms_of(m))) for m in info.modifiers
    ):
        return False  # 餐饮收入: not the 可支配收入 of a sentence that never says 餐饮
    if frame and any(
        not any(normalize(f) in hay for f in forms) and sibling_named(hay, normalize(frame), forms)
        for forms in event_words(info)
    ):  # the headline lists 民生实事项目、老旧小区改造; the figure is the 民生实事项目's
        return False
    # 老旧小区改造的总投资: not a figure of a passage that never names it
    whole = normalize(to_simplified(f"{sentence} {frame} {passage}"))
    return all(len(g[0]) < 4 or any(normalize(f) in whole for f in g) for g in info.groups)


def _aggregate_of(info: QuestionInfo, clause: str) -> bool:
    """Whether the figure's clause sums a list the asked thing is one item of (汽车零部件、智能装备、
    新材料三大主导产业合计完成产值…) while the question asks for that one thing alone."""
    if AGGREGATE_ASKED.search(normalize(info.text)) or not AGGREGATE.search(clause):
        return False
    return any(
        re.search(rf"{re.escape(normalize(w))}[、和及与]|[、和及与]{re.escape(normalize(w))}", clause)
        for w in (*info.words, *info.entities, *(g[0] for g in info.groups))
        if len(w) >= 2
    )


def _sentence_fits(info: QuestionInfo, sentence: str) -> bool:
    """Whether a sentence quoted as the answer to a 哪些 / 什么 question is about what was asked: the
    person asked about doing something (not only attending), the kind asked (国家级, not 省级), the
    year asked, and a list where one is asked for (not 等20个单位)."""
    q = to_simplified(normalize(info.text))
    text = normalize(to_simplified(sentence))
    if not _person_acts(info, sentence) or not _premise_holds(info, sentence) or contrast_clash(q, text):
        return False
    if _other_office(info, text):
        return False
    if WHY_ASKED.search(q) and not REASON_PRINTED.search(text):
        return False  # 为什么免去…: a sentence that only reports it gives no reason
    if FORMER_ASKED.search(q) and info.persons and not _former_printed(info.persons, text):
        return False  # X之前是做什么的: the sentence must print X's former post
    if _other_year(info, text) or other_date(info.month, info.day, text) or other_place(info.entities, text):
        return False  # 2026年度 is not answered by a sentence on 2025年度, 3月9日 by 3月10日, 红旗乡 by 三道沟镇
    if COUNTED_LIST_ASKED.search(q) and text.count("、") < 2:
        return False  # 15户家庭是哪几家: a sentence that lists them has several 、
    counted = ONLY_COUNTED.search(text) if PLURAL.search(q) else None
    # one example and a count (管委会等20个单位) is no list; 甲、乙、丙等 lists at least a few
    return counted is None or "、" in text[max(0, counted.start() - 30) : counted.start()]


def _other_year(info: QuestionInfo, text: str) -> bool:
    """Whether the text is about a year, and not about the one the question asks."""
    return bool(info.years) and not any(y in text for y in info.years) and bool(YEAR_PRINTED.search(text))


def _former_printed(persons: Sequence[str], text: str) -> bool:
    return any(
        re.search(
            rf"{re.escape(p)}.{{0,4}}(?:{FORMER_PRINTED})|(?:{FORMER_PRINTED}).{{0,12}}{re.escape(p)}|免去{re.escape(p)}",
            text,
        )
        for p in persons
    )


def _person_acts(info: QuestionInfo, sentence: str) -> bool:
    """For "X提了哪些要求" / "X致辞讲了什么": whether the sentence prints X (or 他/她 for X) doing an act,
    not only attending (县人大常委会主任X…出席会议 answers nothing about what X said)."""
    q = normalize(info.text)
    if not info.persons or not PERSON_ACTS.search(q):
        return True
    text = normalize(to_simplified(sentence))
    for own in _after_names(info.persons, text):
        if any(a != "宣布" or "宣布" in q for a in PERSON_ACT_PRINTED.findall(own)):  # 宣布开幕 is no 致辞
            return True
    return bool(re.match(r"[他她]", text) and PERSON_ACT_PRINTED.match(text, 1))  # 他指出…


def _after_names(persons: Sequence[str], text: str) -> Iterator[str]:
    """What follows each printing of a person's name up to the end of its clause (区长X出席并讲话)."""
    for p in persons:
        for m in re.finditer(re.escape(p), text):
            stop = re.compile(r"[，,；;。]").search(text, m.end())
            yield text[m.end() : stop.start() if stop else len(text)]


def _clause_of(sentence: str, c: Candidate) -> tuple[int, int]:
    return next(((a, b) for a, b in clauses(sentence) if a <= c.start < b), (0, len(sentence)))


def _plans(sentence: str, c: Candidate) -> bool:
    """Whether the candidate's clause, up to it, says the date is planned (计划…, 预计…, 年内)."""
    return bool(PLAN_PRINTED.search(normalize(sentence[_clause_of(sentence, c)[0] : c.end])))


def _of_unit_asked(q: str, sentence: str, c: Candidate) -> bool:
    """Whether the candidate's clause prints the unit of the office asked (卫生健康局 of 县卫生健康局局长)."""
    units = [re.sub(rf"^(?:{DISTRICT_NAME.pattern})?[区县市]?", "", m.group(1)) for m in OFFICE_OF_UNIT.finditer(q)]
    a, b = _clause_of(sentence, c)
    return not units or any(u in normalize(to_simplified(sentence[a:b])) for u in units)


def _listed_with_asked(info: QuestionInfo, sentence: str, c: Candidate) -> bool:
    """Whether the candidate stands in one list with a thing the question names (先后来到甲工程、乙公司
    项目): another item of the list, not an attribute of the one asked about."""
    for e in info.entities:
        for m in re.finditer(re.escape(e), sentence):
            a, b = (m.end(), c.start) if m.end() <= c.start else (c.end, m.start())
            between = sentence[a:b]
            if len(between) <= 40 and re.search("[、和及与]", between) and not re.search("[，,。；;：:]", between):
                return True
    return False


def _other_office(info: QuestionInfo, text: str) -> bool:
    """Whether the sentence prints a person the question names under another office than the one
    the question gives them (聂远帆作为执行院长 asked; 院长聂远帆 printed)."""
    if not info.persons or not info.offices:
        return False
    for p in info.persons:
        printed = office_of(text, p) if p in text else ""
        if printed and not any(same_office(o, printed) for o in info.offices):
            return True
    return False


def _premise_holds(info: QuestionInfo, sentence: str) -> bool:
    """For "是区长X主持的吗": whether the sentence shows X doing the act asked in X's own clause (区长X
    出席并讲话，副区长Y主持会议 does not: the premise is false and is never confirmed)."""
    q = normalize(to_simplified(info.text))
    acts = PREMISE_ACTS.findall(q)
    if not info.persons or not acts or not YES_NO_ASKED.search(q):
        return True
    text = normalize(to_simplified(sentence))
    return any(
        all(any(normalize(f) in own for f in (a, *synonyms_of(a))) for a in acts)
        for own in _after_names(info.persons, text)
    )


def _listed_before(sentence: str, end: int, forms: Sequence[str]) -> bool:
    """Whether the name ending at `end` heads a list of titled people that the act closes (副区长甲，
    区工信局局长乙、街道党工委书记丙陪同调研)."""
    text = normalize(to_simplified(sentence))
    at = min((i for i in (text.find(f, end) for f in forms) if i >= 0), default=-1)
    return at >= 0 and names_run(text, end, at)


def _printed_instead(info: QuestionInfo, hits: Sequence[Hit]) -> str:
    """What the bulletins do print where the question's ordinal or year is missing (第三次、第四次)."""
    units = {o.unit for o in info.ordinals}
    seen: list[str] = []
    for h in hits:
        for o in ordinals(h.passage.title + h.passage.text):
            if o.unit in units and o.text not in seen:
                seen.append(o.text)
    return "、".join(seen[:5])


def _asked(info: QuestionInfo) -> str:
    """How the missing fact is named in a 没有写明 line."""
    if info.kind == "who":
        if info.who_mode == "person":
            return "、".join(info.persons) + "的职务"
        if info.who_mode == "office":
            return "、".join(info.offices) + "是谁"
        return f"谁{info.action}" if info.action else "是谁"
    return {"when": "时间", "num": "数字", "where": "地点"}.get(info.kind, "")


def _year_note(reader: Reader, hit: Hit, short: str) -> str:
    """A date without a year is shown with the issue it comes from, so it can be placed in time."""
    if re.search(r"\d{4}年", short):
        return ""
    issue = reader.vocab.issues.get(hit.passage.source, "")
    d = hit.passage.date
    date = f"{int(d[:4])}年{int(d[5:7])}月{int(d[8:10])}日" if len(d) == 10 and d[4] == "-" else ""
    said = "，".join(x for x in (issue, date) if x)
    return f"（见{said}）" if said else ""


def _unknown_share(reader: Reader, info: QuestionInfo) -> float:
    """IDF-weighted share of the question's words that no passage uses (everyday words, or things
    the bulletins never mention)."""
    items = [(w,) for w in info.words] + list(info.groups)
    weights = [(min(_idf(reader, f) for f in forms), all(_df(reader, f) == 0 for f in forms)) for forms in items]
    total = sum(w for w, _ in weights)
    return sum(w for w, unknown in weights if unknown) / total if total else 0.0


def compose(reader: Reader, query: Query, hits: Sequence[Hit], settings: AnswerSettings | None = None) -> Answer:
    s = settings or AnswerSettings()
    info = query.info
    n_bulletins = reader.vocab.n_bulletins
    searched = f"检索了 {n_bulletins} 份公报、{len(reader)} 个段落"
    if query.filters.active:
        searched += "（已按筛选条件限定）"
    if not hits:
        return Answer(query.text, f"{NOT_FOUND}与该问题相关的内容（{searched}）。", True, tuple(hits), note=searched)
    top = list(hits[: s.from_top])
    covs = [coverage(reader, info, h.passage.title + " " + h.passage.text) for h in top]
    best_cov = max(c for c, _ in covs)
    if not (info.words or info.groups) or best_cov < s.min_coverage_dense:
        missing = min((m for _, m in covs), key=len)
        note = searched + (f"；未找到：{'、'.join(missing[:5])}" if missing else "")
        return Answer(query.text, f"{NOT_FOUND}能回答该问题的内容（{note}）。", True, tuple(hits), note=note)

    # the question's ordinal, year, people and named things must be printed in the passage that answers it
    pool = list(hits[: s.from_top + 2])
    allowed = [h for h in pool if not _qualifiers_missing(reader, info, h)]
    if not allowed:
        lacking = _qualifiers_missing(reader, info, pool[0])
        instead = _printed_instead(info, pool)
        said = f"；公报报道的是：{instead}" if instead else ""
        note = f"{searched}；未找到：{'、'.join(lacking)}"
        text = f"{NOT_FOUND}关于{'、'.join(lacking)}的内容{said}（{note}）。"
        if len(lacking) == 1 and DISTRICT_NAME.fullmatch(lacking[0]):  # the topic is printed, elsewhere only
            text = f"{NOT_FOUND}{lacking[0]}的相关报道，相近的内容出自其他区县的公报（{note}）。"
        return Answer(query.text, text, True, tuple(hits), note=note)
    allowed_ids = {h.passage.id for h in allowed}
    names = _person_names(reader) if info.kind == "who" else []  # the index's harvested person names

    scored = [
        x
        for x in (
            _score_sentences(reader, info, hits, s.from_top + 2, names)
            or _score_sentences(reader, replace(info, district=""), hits, s.from_top + 2, names)
        )
        if x.hit.passage.id in allowed_ids
    ]
    if not scored:
        note = searched
        return Answer(query.text, f"{NOT_FOUND}能回答该问题的内容（{note}）。", True, tuple(hits), note=note)
    best = scored[0]
    chosen = [best] + [x for x in scored[1 : s.max_sentences] if x.score >= best.score * 0.7]

    # the draft: the short answer bound to the question, or the sentence that best answers it
    first = ""
    bound = 0.0
    quoted = False  # a typed question answered by quoting what the text does say
    term_found = False  # a 叫什么 / 哪些 question answered by a sentence of the shape it needs
    org = org_endings(normalize(info.text)) is not None and info.kind in ("list", "what")
    typed = info.kind in ("who", "when", "num", "where") or org
    lead = best
    weight = _weigher(reader)
    if info.who_mode == "office" and not info.district and not info.persons and not event_words(info):
        # 区长是谁: the office alone, in every district (院长 of a named institute is not this)
        per = _per_district(reader, info, scored)
        if len(per) >= 2:
            first = "；".join(f"{d}：{n} [{sc.ref}]" for d, n, sc in per)
            chosen = [sc for _, _, sc in per] + [c for c in chosen if c not in [sc for _, _, sc in per]]
            chosen = chosen[: max(s.max_sentences, len(per))]
            bound = 1.0
    if not first and typed:
        # among the best sentences of passages on the topic, the one whose candidate is bound best
        found = None
        best_total = -1.0
        every: list[tuple[float, _Scored, Candidate]] = []
        for x in scored[:10]:
            if x.score < best.score - 0.5:
                break
            if not x.topical or not _names_printed(info, x):
                continue
            p = x.hit.passage
            c = best_candidate(
                info,
                x.sentence,
                names,
                weight,
                _frame(p),
                s.min_binding,
                accept=partial(_fits_what_was_asked, info, x.sentence, frame=_frame(p), passage=f"{p.title} {p.text}"),
            )
            if c is None:
                continue
            every.append((x.score + BINDING_WEIGHT * c.binding, x, c))
            if x.score + BINDING_WEIGHT * c.binding > best_total:
                found, best_total = (x, c), x.score + BINDING_WEIGHT * c.binding
        rivals = _other_districts(info, every, best_total) if found is not None else []
        if found is not None and rivals:
            # 第三次全体会议 of two districts' 安委会, the question naming neither: one answer for each
            first = "；".join(f"{x.hit.passage.district}：{_short(reader, info, x, c)}" for x, c in rivals)
            chosen = [x for x, _ in rivals] + [y for y in chosen if y not in [x for x, _ in rivals]]
            chosen = chosen[: max(s.max_sentences, len(rivals))]
            bound = min(c.binding for _, c in rivals)
            lead = rivals[0][0]
        elif found is not None:
            x, c = found
            first = _short(reader, info, x, c)
            bound = c.binding
            lead = x
            if x is not best:
                chosen = [x, *[y for y in chosen if y is not x][: s.max_sentences - 1]]
        elif info.who_mode == "subject" and info.action and info.action in best.sentence:
            # the action is printed but not by a person (谁组织拍摄 -> a company): quote the sentence
            first = f"{best.sentence} [{best.ref}]"
            quoted = True
        elif (
            info.who_mode == "subject"
            and info.action in LEAD_ACTIONS
            and (titled_names(best.sentence) or _any_name(best.sentence, names))
            and LEAD_ACT.search(to_simplified(best.sentence))
        ):  # nobody is said to do exactly that (主持), but someone led the event (对…提出要求): say
            # so, and who; one who only attended or spoke (出席, 在仪式上说) is no answer to 谁主持
            first = f"{NOT_PRINTED}谁{info.action}；公报中写的是：{best.sentence} [{best.ref}]"
            quoted = True
    shape = _answer_shape(info)
    if not first and shape is not None:
        # 叫什么 / 什么书: a sentence printing a quoted or titled term; 哪些 / 哪几: a sentence that
        # lists several things; the best such sentence on the topic, or none
        shaped = next(
            (
                x
                for x in scored[:10]
                if x.score >= best.score - 0.5
                and x.topical
                and shape.search(x.sentence)
                and _sentence_fits(info, x.sentence)
            ),
            None,
        )
        typed = True
        if shaped is not None:
            lead, term_found = shaped, True
            first = f"{shaped.sentence} [{shaped.ref}]"
            if shaped is not best:
                chosen = [shaped, *[y for y in chosen if y is not shaped][: s.max_sentences - 1]]
    if not first and info.kind in ("list", "what"):
        # a sentence that only restates the question (我区举办职工技能培训班 for 培训都教些什么) says
        # nothing about what was asked: take the best one that adds something
        for x in scored[:10]:
            if x.score < best.score - 0.3:
                break
            if x.topical and _adds(info, x.sentence) and _sentence_fits(info, x.sentence):
                lead = x
                if x is not best:
                    chosen = [x, *[y for y in chosen if y is not x][: s.max_sentences - 1]]
                break
        if not _sentence_fits(info, lead.sentence):
            typed = True  # X提了哪些要求, and no sentence has X say anything: a draft, not an answer
        first = f"{lead.sentence} [{lead.ref}]"
    if not first:
        first = f"{best.sentence} [{best.ref}]"
    lp = lead.hit.passage
    got, total, unknown, _ = _covered(reader, _topic(info), f"{lp.title} {lp.text}")  # once for both
    feats = Features(
        coverage=got / total if total else 0.0,
        sentence_coverage=coverage(reader, info, lead.hit.passage.title + " " + lead.sentence)[0],
        known_coverage=got / (total - unknown) if total - unknown > 0 else 0.0,
        dense=lead.hit.dense_score or 0.0,
        bound=bound,
        typed_unbound=float(typed and bound == 0.0 and not quoted and not term_found),
        unknown=_unknown_share(reader, info),
        hedged=float(quoted),
    )
    model = s.model if s.model is not None else load_model()
    answer_it = s.always_answer or (model.answers(feats) if model is not None else _rule(s, feats, best_cov, hits))
    extra = {"features": json.dumps(feats.as_dict()), "draft": first}
    abstained = not answer_it
    if abstained:
        asked = f"（{_asked(info)}）" if _asked(info) else ""
        first = f"{NOT_FOUND}能确切回答该问题{asked}的内容；与之最接近的是：「{best.sentence}」[{best.ref}]"
        chosen = [best]
    first_passage = max((x.score for x in scored if x.ref == 1), default=0.0)
    if chosen and chosen[0].ref != 1 and (not abstained or chosen[0].score - first_passage >= LEAD_MARGIN):
        # the passage the answer rests on (or, abstaining, the one the closest sentence comes from when
        # it leads the first passage's best sentence clearly) is listed first, the others keep their
        # retrieval order
        order = [chosen[0].ref] + [r for r in range(1, len(hits) + 1) if r != chosen[0].ref]
        new_ref = {old: new for new, old in enumerate(order, start=1)}
        hits = [hits[r - 1] for r in order]
        first = _renumber(first, new_ref)
        chosen = [replace(c, ref=new_ref[c.ref]) for c in chosen]
        extra["lead_passage"] = "moved to the top: the answer rests on it"
    evidence = tuple(Evidence(c.sentence, c.ref, c.hit.passage.id) for c in chosen)
    quotes = [f"「{e.sentence}」[{e.ref}]" for e in evidence]
    text = first + "\n\n依据：\n" + "\n".join(quotes)
    note = f"{searched}；没有确切回答该问题的语句" if abstained else ""
    return Answer(query.text, text, abstained, tuple(hits), evidence=evidence, note=note, extra=extra)


def combine(question: str, parts: Sequence[Answer]) -> Answer:
    """One answer to a question that asks two things: each part's first line in turn (①…；②…), the
    passages of the first part then the new ones of the next, each quote renumbered to its passage.
    It counts as answered only when every part is."""
    if len(parts) == 1:
        return parts[0]
    if all(a.abstained for a in parts):
        return replace(parts[0], question=question)  # nothing found for any part: one "not found"
    # two different asks answered with the same words: the later part found nothing of its own
    said: set[str] = set()
    own: list[Answer] = []
    for a in parts:
        short = re.sub(r"\s*\[\d+\]", "", a.text.split("\n", 1)[0])
        if not a.abstained and short in said:
            a = replace(a, abstained=True, text=f"{NOT_FOUND}单独回答这一问的内容", evidence=())
        said.add(short)
        own.append(a)
    parts = own
    hits: list[Hit] = []
    where: dict[str, int] = {}
    lines: list[str] = []
    evidence: list[Evidence] = []
    for n, a in enumerate(parts):
        new_ref: dict[int, int] = {}
        for old, h in enumerate(a.hits, start=1):
            if h.passage.id not in where:
                hits.append(h)
                where[h.passage.id] = len(hits)
            new_ref[old] = where[h.passage.id]
        first = a.text.split("\n", 1)[0]
        first = _renumber(first, new_ref)
        lines.append("①②③④⑤"[n] + first if n < 5 else first)
        evidence += [replace(e, ref=new_ref[e.ref]) for e in a.evidence if e.ref in new_ref]
    evidence = list(dict.fromkeys(evidence))
    quotes = [f"「{e.sentence}」[{e.ref}]" for e in evidence]
    text = "；".join(lines) + ("\n\n依据：\n" + "\n".join(quotes) if quotes else "")
    abstained = any(a.abstained for a in parts)
    note = "；".join(a.note for a in parts if a.note)
    extra = {"parts": json.dumps([a.question for a in parts], ensure_ascii=False)}
    return Answer(question, text, abstained, tuple(hits), evidence=tuple(evidence), note=note, extra=extra)


def _answer_shape(info: QuestionInfo) -> re.Pattern[str] | None:
    """What the sentence answering a 叫什么 or 哪些 question must print, or None for other questions."""
    q = normalize(info.text)
    if CONTACT_ASKED.search(q) and info.kind in ("what", "num", "list"):
        return CONTACT_PRINTED  # 举报电话是多少: a sentence that prints a number to call
    if info.kind == "what" and not info.offices and NAME_ASKED.search(q):
        return QUOTED_TERM
    if info.kind == "list" and PLURAL.search(q):
        return ENUMERATED
    return None


def _renumber(text: str, new_ref: dict[int, int]) -> str:
    """The markers the code added (" [n]", and 「…」[n] after a quote), never a bracket printed
    inside a quoted sentence."""
    return re.sub(r"(?<=[ 」])\[(\d+)\]", lambda m: f"[{new_ref.get(int(m.group(1)), int(m.group(1)))}]", text)


def _short(reader: Reader, info: QuestionInfo, x: _Scored, c: Candidate) -> str:
    """The first line for a bound candidate: the candidate (a date with its issue when no year is
    printed), or the whole sentence for an organisation or a list of places."""
    if c.kind == "org" or (c.kind == "where" and PLURAL.search(normalize(info.text))):
        return f"{x.sentence} [{x.ref}]"  # 哪几个地方 / 哪家公司: the sentence names them all
    if c.kind == "num" and EACH_ASKED.search(normalize(info.text)) and len(QUANTITY.findall(x.sentence)) >= 2:
        return f"{x.sentence} [{x.ref}]"  # 城里人和农村人各是多少: 分别达到52680元和28940元, both
    note = _year_note(reader, x.hit, c.text) if info.kind == "when" else ""
    return f"{c.text}{note} [{x.ref}]"


def _other_districts(
    info: QuestionInfo, every: Sequence[tuple[float, _Scored, Candidate]], best_total: float
) -> list[tuple[_Scored, Candidate]]:
    """When the question names no district and two districts' bulletins each hold an answer bound as
    well as the best one (and scored nearly as high), the best of each district; else []."""
    if info.district or info.persons:
        return []
    ranked = sorted(every, key=lambda v: -v[0])  # the best answer first, then each district's best
    lead = ranked[0][2].binding
    best_of: dict[str, tuple[float, _Scored, Candidate]] = {}
    for t, x, c in ranked:
        d = x.hit.passage.district
        if d and d not in best_of and c.binding >= lead - 0.05 and t >= best_total - DISTRICT_MARGIN:
            best_of[d] = (t, x, c)
    if ranked[0][1].hit.passage.district not in best_of:
        return []  # the best answer has no district to be named by
    if len(best_of) < 2 or len({normalize(c.text) for _, _, c in best_of.values()}) < 2:
        return []
    return [(x, c) for _, x, c in sorted(best_of.values(), key=lambda v: -v[0])]


DISTRICT_MARGIN = 0.15  # how close another district's answer must score to be given beside the best

BINDING_WEIGHT = 1.0  # how much a candidate's binding counts against its sentence's score when choosing


def _frame(p: Passage) -> str:
    """What frames every sentence of a passage: its title, its first sentence and its citation (a word
    printed only in another sentence, 农村 beside 城镇, tells sentences apart and does not frame)."""
    sents = split_sentences(p.text)
    return f"{p.title} {sents[0] if sents else ''} {p.citation}"


def _names_printed(info: QuestionInfo, x: _Scored) -> bool:
    """A project or place the question names is printed in the sentence that answers it, or in the
    sentence before when this one refers back to it (该项目总投资…)."""
    if not info.entities:
        return True
    hay = normalize(x.sentence + " " + _frame(x.hit.passage))  # the street a passage is about frames it
    citation = normalize(x.hit.passage.citation)
    missing = [
        e
        for e in info.entities
        if normalize(e) not in hay and not (DISTRICT_NAME.fullmatch(e) and _district_printed(e, citation))
    ]
    if not missing:
        return True
    if not ANAPHOR.match(x.sentence):
        return False
    sents = split_sentences(x.hit.passage.text)
    i = next((k for k, t in enumerate(sents) if t == x.sentence), 0)
    before = normalize(sents[i - 1]) if i > 0 else normalize(x.hit.passage.title)
    return all(normalize(e) in before for e in missing)


def _adds(info: QuestionInfo, sentence: str) -> bool:
    """Whether the sentence says more than the question: enough characters left once the question's
    words, dates and function characters are taken out."""
    rest = normalize(sentence)
    for forms in [(w,) for w in info.words] + list(info.groups):
        for f in forms:
            rest = rest.replace(normalize(f), " ")
    rest = DATE_PHRASE.sub(" ", rest)
    return len(re.findall(r"[\u4e00-\u9fff]", re.sub(r"[我区县市的了和在是为与及等将对]", "", rest))) >= MIN_NEW_CHARS


MIN_NEW_CHARS = 8


def _rule(s: AnswerSettings, f: Features, best_cov: float, hits: Sequence[Hit]) -> bool:
    """The hand-set rule used when no fitted model is shipped."""
    dense = max((h.dense_score or 0.0) for h in hits[: s.from_top])
    topical = best_cov >= s.min_coverage or (best_cov >= s.min_coverage_dense and dense >= s.dense_threshold)
    return topical and not f.typed_unbound


def verify(answer: Answer) -> list[str]:
    """Claims that their cited passage does not contain (empty when every quote is supported)."""
    problems = []
    by_ref = {i: h.passage for i, h in enumerate(answer.hits, start=1)}
    for e in answer.evidence:
        p = by_ref.get(e.ref)
        if p is None or p.id != e.passage_id:
            problems.append(f"[{e.ref}] cites a passage that is not in the results")
        elif normalize(e.sentence) not in normalize(p.text):
            problems.append(f"[{e.ref}] does not contain: {e.sentence}")
    return problems
