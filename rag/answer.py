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

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .analyze import normalize
from .chunk import split_sentences
from .harvest import SURNAMES
from .index import Index
from .models import Answer, Evidence, Hit
from .question import QuestionInfo
from .retrieve import DATE_RE, NUMBER_RE, Query

NOT_FOUND = "公报中没有找到"
TITLE_WORDS = (
    "区委书记|区委副书记|纪委书记|党工委书记|书记|副书记|常务副区长|副区长|区长|人大常委会主任|主任|副主任|局长|部长|"
    "组长|副组长|主席|副主席|总经理|院长|校长|镇长|常委|委员|巡视员|监委主任"
)
H = "\u4e00-\u9fff"
NAME_AFTER = (
    r"(?=提出|指出|要求|强调|表示|带队|带领|主持|参加|出席|一行|对|在|到|等|和|与|作|汇报|陪同|率|宣布|传达|讲话|说|就|先后|"
    r"、|，|,|。|：|:)"
)
TITLED_NAME = re.compile(rf"((?:{TITLE_WORDS}))([{H}]{{2,3}}?){NAME_AFTER}")
DATE_PHRASE = re.compile(
    r"(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:[上下中]午|夜|晚|凌晨)?|\d{1,2}月(?:[上中下]旬|底|初)"
    r"|(?:今年|明年)?年底前?|年内|月底前?"
)


@dataclass(frozen=True)
class AnswerSettings:
    max_sentences: int = 3
    from_top: int = 3  # passages that may supply evidence
    min_coverage: float = 0.6  # answer when the evidence covers this share of the question...
    min_coverage_dense: float = 0.3  # ...or this share when the passage is also close in meaning
    dense_threshold: float = 0.885


def _idf(index: Index, token: str) -> float:
    n = max(len(index), 1)
    j = index.bm25.vocab.get(normalize(token))
    if j is None:
        return math.log(1 + n)  # a term the bulletins never use weighs most
    df = int(index.bm25.matrix.indptr[j + 1] - index.bm25.matrix.indptr[j])
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def coverage(index: Index, info: QuestionInfo, text: str) -> tuple[float, list[str]]:
    """IDF-weighted share of the question's content words found in `text`, and the missing ones."""
    hay = normalize(text)
    total = got = 0.0
    missing: list[str] = []
    items: list[tuple[str, tuple[str, ...]]] = [(w, (w,)) for w in info.words]
    items += [(g[0], g) for g in info.groups]
    for label, forms in items:
        weight = min(_idf(index, f) for f in forms)
        total += weight
        if any(normalize(f) in hay for f in forms):
            got += weight
            continue
        # half credit for the parts of a compound word (生态建设 -> 生态, 建设); none for an alias
        parts = [] if len(forms) > 1 else [p for p in index.analyzer.tokens(label) if p != label and len(p) >= 2]
        if parts and all(p in hay for p in parts):
            got += 0.6 * weight  # every part is there, if not side by side
        missing.append(label)
    return (got / total if total else 0.0), missing


def _titled_names(sentence: str) -> list[tuple[str, str]]:
    """(title, name) pairs such as (区长, 苏建设); the name must begin with a surname."""
    return [(t, n) for t, n in TITLED_NAME.findall(sentence) if n[0] in SURNAMES]


def _any_name(sentence: str, person_names: Sequence[str]) -> bool:
    return any(n in sentence for n in person_names)


def _person_names(index: Index) -> list[str]:
    return [w for w in index.analyzer.user_words if 2 <= len(w) <= 3 and w[0] in SURNAMES]


def _kind_bonus(info: QuestionInfo, sentence: str, person_names: Sequence[str] = ()) -> float:
    if info.kind == "who":
        if info.action and info.action in sentence and (_titled_names(sentence) or _any_name(sentence, person_names)):
            return 0.5  # a person doing exactly what was asked (主持)
        roles = [w for w in info.words if re.search(TITLE_WORDS, w)]
        if roles and any(re.search(re.escape(r) + f"[{H}]{{2,3}}?{NAME_AFTER}", sentence) for r in roles):
            return 0.4  # the very title asked about, followed by a name
        if _titled_names(sentence):
            return 0.3
        # a 谁 answer without any person in it is no answer
        return 0.15 if any(n in sentence and n not in info.text for n in person_names) else -0.1
    if info.kind == "when":
        return 0.3 if DATE_RE.search(sentence) else 0.0
    if info.kind == "num":
        return 0.3 if NUMBER_RE.search(sentence) else 0.0
    if info.kind in ("list", "what", "where"):
        q = info.text
        if re.search(r"要求|意见|措施|举措|部署|强调|指出|提出|怎么做|怎么办|如何|怎样", q):
            hit = re.search(r"一是|一要|首先|其一|(要求|强调|指出|提出)[:：，,]", sentence)
            return 0.3 if hit else 0.0
        if re.search(r"地方|地点|哪里|现场|哪些.{0,4}(社区|街道|村|项目|单位|企业|部门)", q):
            listed = "、" in sentence and re.search(r"到|来到|先后|查看|察看|走访|深入", sentence)
            return 0.3 if listed else 0.0
        return 0.15 if "、" in sentence else 0.0
    return 0.0


def _short_answer(info: QuestionInfo, sentence: str, person_names: Sequence[str] = ()) -> str:
    """A few words from the sentence that answer the question, or "" to quote the sentence."""
    if info.kind == "who":
        names = [(t, n) for t, n in _titled_names(sentence) if n not in info.text]
        role_words = [w for w in info.words if re.search(TITLE_WORDS, w)]
        if info.subject and names:
            return names[0][0] + names[0][1]  # who did it: the first titled name, the subject
        if role_words:
            named = [(t, n) for t, n in names if any(r in t or t in r for r in role_words)]
            names = named or names
        if not names:
            found = [n for n in person_names if n in sentence and n not in info.text]
            return "、".join(found)
        return "、".join(dict.fromkeys(t + n for t, n in names))
    if info.kind == "when":
        m = DATE_PHRASE.search(sentence)
        return m.group(0) if m else ""
    if info.kind == "num":
        nums = [m for m in NUMBER_RE.finditer(sentence) if m.group(0) not in info.text]
        if not nums:
            return ""
        # the figure follows what it measures: count the question's words just before each figure
        parts = {p for w in info.words for p in (w, *re.findall(r"..", w)) if len(p) >= 2}

        if re.search(r"第几|排第|名次|排名", info.text):
            nums = [m for m in nums if m.group(0).startswith("第")] or nums

        def support(m: re.Match[str]) -> tuple[int, int]:
            window = sentence[max(0, m.start() - 12) : m.start()]
            found = [window.rfind(p) + len(p) for p in parts if p in window]
            return len(found), max(found, default=-99)

        return max(nums, key=support).group(0)
    return ""


@dataclass(frozen=True)
class _Scored:
    score: float
    ref: int
    sentence: str
    hit: Hit


def _score_sentences(index: Index, info: QuestionInfo, hits: Sequence[Hit], top: int) -> list[_Scored]:
    # for 谁 questions the passage must be about the topic; the asked action (主持) may be missing
    topic = replace(info, words=tuple(w for w in info.words if w != info.action)) if info.action else info
    names = _person_names(index) if info.kind == "who" else []
    out = []
    for ref, h in enumerate(hits[:top], start=1):
        if info.district and h.passage.district and h.passage.district != info.district:
            continue
        context_cov, _ = coverage(index, topic, h.passage.title + " " + h.passage.text)
        for sent in split_sentences(h.passage.text):
            cov, _ = coverage(index, info, sent)
            bonus = _kind_bonus(info, sent, names)
            if context_cov < 0.5:
                bonus = min(bonus, 0.0)  # the right kind of fact, but from a passage on another topic
            score = 0.5 * cov + 0.5 * context_cov + bonus - 0.03 * (ref - 1)
            out.append(_Scored(score, ref, sent, h))
    out.sort(key=lambda x: -x.score)
    return out


def _per_district(index: Index, info: QuestionInfo, scored: list[_Scored]) -> list[tuple[str, str, _Scored]]:
    """For 谁 questions that name no district: the best titled name in each district."""
    best: dict[str, tuple[str, _Scored]] = {}
    for s in scored:
        d = s.hit.passage.district
        if not d or d in best:
            continue
        name = _short_answer(info, s.sentence)
        role_ok = any(w in name for w in info.words if re.search(TITLE_WORDS, w))
        if name and role_ok:
            best[d] = (name, s)
    return [(d, n, s) for d, (n, s) in best.items()]


def compose(index: Index, query: Query, hits: Sequence[Hit], settings: AnswerSettings | None = None) -> Answer:
    s = settings or AnswerSettings()
    info = query.info
    n_bulletins = len({p.source for p in index.passages})
    searched = f"检索了 {n_bulletins} 份公报、{len(index)} 个段落"
    if query.filters.active:
        searched += "（已按筛选条件限定）"
    if not hits:
        return Answer(query.text, f"{NOT_FOUND}与该问题相关的内容（{searched}）。", True, tuple(hits), note=searched)
    top = list(hits[: s.from_top])
    covs = [coverage(index, info, h.passage.title + " " + h.passage.text) for h in top]
    best_cov = max(c for c, _ in covs)
    dense = max((h.dense_score or 0.0) for h in top)
    answerable = best_cov >= s.min_coverage or (best_cov >= s.min_coverage_dense and dense >= s.dense_threshold)
    years = [y for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?=年)", info.text)]
    if years and not any(y in h.passage.text or h.passage.date.startswith(y) for h in top for y in years):
        answerable = False  # the bulletins are about other years
    if not answerable or not (info.words or info.groups):
        missing = min((m for _, m in covs), key=len)
        note = searched + (f"；未找到：{'、'.join(missing[:5])}" if missing else "")
        return Answer(query.text, f"{NOT_FOUND}能回答该问题的内容（{note}）。", True, tuple(hits), note=note)

    scored = _score_sentences(index, info, hits, s.from_top + 2) or _score_sentences(
        index, replace(info, district=""), hits, s.from_top + 2
    )
    best = scored[0]
    chosen = [best] + [x for x in scored[1 : s.max_sentences] if x.score >= best.score * 0.7]

    first = ""
    roles_only = bool(info.words) and all(re.search(TITLE_WORDS, w) for w in info.words)
    if info.kind == "who" and not info.district and not info.subject and roles_only:
        per = _per_district(index, info, scored)
        if len(per) >= 2:
            first = "；".join(f"{d}：{n} [{sc.ref}]" for d, n, sc in per)
            chosen = [sc for _, _, sc in per] + [c for c in chosen if c not in [sc for _, _, sc in per]]
            chosen = chosen[: max(s.max_sentences, len(per))]
    if not first:
        short = _short_answer(info, best.sentence, _person_names(index))
        if info.kind == "who" and info.action and info.action not in best.sentence:
            said = best.sentence if len(best.sentence) <= 80 or not short else f"{short}（{best.sentence}）"
            first = f"公报中没有写明谁{info.action}；公报中写的是：{said} [{best.ref}]"
        elif short:
            first = f"{short} [{best.ref}]"
        else:
            first = f"{best.sentence} [{best.ref}]"
    evidence = tuple(Evidence(c.sentence, c.ref, c.hit.passage.id) for c in chosen)
    quotes = [f"「{e.sentence}」[{e.ref}]" for e in evidence]
    text = first + "\n\n依据：\n" + "\n".join(quotes)
    return Answer(query.text, text, False, tuple(hits), evidence=evidence)


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
