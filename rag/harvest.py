"""Words the index learns from its own bulletins, and the alias dictionary.

- user words: person names after titles and roles (区长苏建设, 教师邵语桐), names in 区领导 lists and in award lists
  (最美网格员：孟佳怡（鹤鸣社区）), reporters,
  quoted and book-titled terms (“断头路”, 《兴衰之鉴》) and project/place names. jieba gets them
  as a user dictionary so that 苏建设 is not cut into 苏 / 建设.
- aliases: the maintained file `rag/data/aliases.txt` (short = full, ...) plus pairs found in the
  corpus, where a full name (安全生产委员会) is followed in the same article by a short form
  made of its characters in order (安委会).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from .analyze import to_simplified
from .layout import ALIASES
from .lexicon import AFTER_NAME, APPOINTED, NAME, NOT_NAMES, REMOVED, ROLES, TITLE_ALT, H, is_person_name
from .models import Bulletin

NAME_AFTER_TITLE = re.compile(rf"(?:{TITLE_ALT}|{'|'.join(ROLES)})({NAME}?)(?={AFTER_NAME})")
LEADER_LIST = re.compile(rf"(?:区领导|市领导|领导)((?:{NAME}?、)+{NAME}?)(?=等|陪同|参加|出席|，|,|。|分别)")
# the entries of an award or 公示 list: a name after a label or a comma of the list, its unit in brackets
# (最美网格员：孟佳怡（鹤鸣社区）、丁卫东（临江社区）)
LISTED_NAME = re.compile(rf"(?<=[：:、])({NAME})(?=[(（][^()（）]{{2,20}}[)）])")
QUOTED = re.compile(rf"[“《]([{H}A-Za-z0-9]{{2,10}})[”》]")
PLACE = re.compile(rf"(?:在|到|来到|对|赴)([{H}]{{2,5}}?(?:项目|河|路|村|社区|街道|小区|水库|市场|游园|大厦|公园))")
# the items of an enumeration closed by 等 (郑州CSD国际时尚商贸中心、花花牛项目(二期)、鑫苑名城等40个项目)
ENUMERATION = re.compile(rf"((?:[{H}A-Za-z0-9]{{2,14}}(?:[(（][^()（）]{{1,6}}[)）])?、)+[{H}A-Za-z0-9]{{2,14}})等")
FULL_NAME = re.compile(rf"[{H}]{{2,10}}?(?:委员会|领导小组|办公室|指挥部)")
SHORT_FORM = re.compile(rf"[{H}]{{1,3}}(?:委会|办|委|组|部)")


def _texts(b: Bulletin) -> Iterable[tuple[str, str]]:
    """(article id, text) for every article, titles included."""
    for a in b.articles:
        yield a.id, to_simplified("\n".join((a.full_title, *(p.text for p in a.paragraphs))))


def user_words(bulletins: Iterable[Bulletin]) -> list[str]:
    found: Counter[str] = Counter()
    for b in bulletins:
        for a in b.articles:
            found.update(to_simplified(r) for r in a.reporters)
        for _, text in _texts(b):
            for m in NAME_AFTER_TITLE.finditer(text):
                if is_person_name(m.group(1)):
                    found[m.group(1)] += 1
            for m in (*APPOINTED.finditer(text), *REMOVED.finditer(text)):  # 任免 lists: 覃雅雯为…局长
                if is_person_name(m.group(1)):
                    found[m.group(1)] += 1
            for m in LISTED_NAME.finditer(text):
                if is_person_name(m.group(1)):
                    found[m.group(1)] += 1
            for m in LEADER_LIST.finditer(text):
                found.update(n for n in m.group(1).split("、") if is_person_name(n))
            for m in QUOTED.finditer(text):
                found[m.group(1)] += 1
            for m in ENUMERATION.finditer(text):
                items = m.group(1).split("、")
                if len(items) >= 2:
                    found.update(re.sub(r"[(（].*", "", i) for i in items[1:] if 3 <= len(i) <= 10)
            for m in PLACE.finditer(text):
                if not re.search("[的及和与]", m.group(1)):
                    found[m.group(1)] += 1
    return sorted(w for w in found if w not in NOT_NAMES and len(w) >= 2)


def _subsequence(short: str, full: str) -> bool:
    it = iter(full)
    return all(ch in it for ch in short)


def corpus_aliases(bulletins: Iterable[Bulletin]) -> dict[str, list[str]]:
    """short form -> full names it abbreviates in these bulletins."""
    out: dict[str, set[str]] = {}
    for b in bulletins:
        for _, text in _texts(b):
            fulls = {m.group(0) for m in FULL_NAME.finditer(text)}
            if not fulls:
                continue
            shorts = {m.group(0)[k:] for m in SHORT_FORM.finditer(text) for k in range(len(m.group(0)) - 2)}
            for s in shorts:
                for full in fulls:
                    # the shortest tail of the full name that the short form abbreviates
                    for start in range(len(full) - len(s) - 1, -1, -1):
                        f = full[start:]
                        if s[0] == f[0] and s[-1] == f[-1] and s not in f and _subsequence(s, f):
                            out.setdefault(s, set()).add(f)
                            break
    return {k: sorted(v) for k, v in out.items()}


def maintained_aliases() -> dict[str, list[str]]:
    """The alias file shipped with the code: `short = full1, full2` per line, # comments."""
    text = resources.files("rag").joinpath("data/aliases.txt").read_text(encoding="utf-8")
    return parse_alias_lines(text)


def parse_alias_lines(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" not in line:
            continue
        short, fulls = line.split("=", 1)
        names = [f.strip() for f in re.split(r"[,，、]", fulls) if f.strip()]
        if short.strip() and names:
            out.setdefault(short.strip(), []).extend(names)
    return out


def save_aliases(folder: Path, aliases: dict[str, list[str]]) -> None:
    (folder / ALIASES).write_text(json.dumps(aliases, ensure_ascii=False, indent=1), encoding="utf-8")


def load_aliases(folder: Path) -> dict[str, list[str]]:
    """Maintained aliases merged with those harvested into this index."""
    merged = {k: list(v) for k, v in maintained_aliases().items()}
    p = folder / ALIASES
    if p.exists():
        for k, v in json.loads(p.read_text(encoding="utf-8")).items():
            merged.setdefault(k, [])
            merged[k].extend(x for x in v if x not in merged[k])
    return merged
