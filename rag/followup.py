"""Follow-up questions in a chat: make "他还参加了哪些活动?" stand alone before retrieval.

Two patterns cover most follow-ups in this domain:
- a pronoun (他/她/其/此人/这位领导) refers to the person the previous turn was about: the name in
  the previous short answer, else the name in the previous question;
- an elliptical question ("那上街区呢?", "11月的呢") repeats the previous question with the new
  district or date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .lexicon import AFTER_NAME, NAME, TITLE_ALT, is_person_name

H = "\u4e00-\u9fff"
PRONOUN = re.compile(r"他们|她们|他|她|此人|这位领导|这位同志|这位|该同志|其")
ELLIPSIS = re.compile(rf"^(?:那|那么|那在)?\s*([{H}\d]{{2,10}}?)\s*(?:的)?呢\s*[?？]?$")
TITLED = re.compile(rf"(?:{TITLE_ALT})({NAME}?)(?=\s*\[|；|;|{AFTER_NAME})")
DISTRICT = re.compile(rf"[{H}]{{2}}区")
DATE = re.compile(r"\d{1,2}月(?:\d{1,2}日)?")


def _person(text: str, names: Sequence[str] = ()) -> str:
    m = TITLED.search(text)
    if m:
        return m.group(1)
    for n in names:
        if is_person_name(n) and n in text:
            return n
    return ""


def resolve(question: str, history: Sequence[tuple[str, str]], names: Sequence[str] = ()) -> str:
    """The question rewritten to stand alone, given earlier turns (question, answer), oldest first.

    `names` are known person names (the index's harvested user words) used when no title
    precedes the name.
    """
    q = question.strip()
    if not history or not q:
        return q
    prev_q, prev_a = history[-1]
    ell = ELLIPSIS.match(q)
    if ell:
        new = ell.group(1)
        if DISTRICT.fullmatch(new) and DISTRICT.search(prev_q):
            return DISTRICT.sub(new, prev_q, count=1)
        if DATE.fullmatch(new) and DATE.search(prev_q):
            return DATE.sub(new, prev_q, count=1)
        return f"{new}{prev_q}" if DISTRICT.fullmatch(new) else q
    if PRONOUN.search(q) and not _person(q, names):
        who = _person(prev_a.split("\n", 1)[0], names) or _person(prev_q, names)
        if who:
            return PRONOUN.sub(who, q, count=1)
    return q
