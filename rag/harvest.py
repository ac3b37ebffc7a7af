"""Words the index learns from its own bulletins, and the alias dictionary.

- user words: person names after titles (区长苏建设), names in 区领导 lists, reporters,
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

from .models import Bulletin

H = "\u4e00-\u9fff"
TITLES = (
    "区委书记|区委副书记|市委书记|书记|副书记|区长|副区长|常务副区长|主任|副主任|局长|副局长|部长|副部长|组长|"
    "副组长|主席|副主席|总经理|董事长|院长|校长|所长|处长|科长|镇长|村支书|常委|委员|监委主任|巡视员|代表"
)
AFTER_NAME = (
    "提出|指出|要求|强调|表示|带队|带领|主持|参加|出席|一行|对|在|到|等|和|与|作|汇报|陪同|率|宣布|传达|讲话|说|"
    "就|深入|实地|先后|调研|督导|检查|听取|介绍|走访|看望|慰问|会见|莅临|为|向|、|，|,|。|：|:|（|\\("
)
NAME_AFTER_TITLE = re.compile(rf"(?:{TITLES})([{H}]{{2,3}}?)(?={AFTER_NAME})")
LEADER_LIST = re.compile(rf"(?:区领导|市领导|领导)((?:[{H}]{{2,3}}、)+[{H}]{{2,3}})(?=等|陪同|参加|出席|，|,|。|分别)")
QUOTED = re.compile(rf"[“《]([{H}A-Za-z0-9]{{2,10}})[”》]")
PLACE = re.compile(rf"(?:在|到|来到|对|赴)([{H}]{{2,5}}?(?:项目|河|路|村|社区|街道|小区|水库|市场|游园|大厦|公园))")
FULL_NAME = re.compile(rf"[{H}]{{2,10}}?(?:委员会|领导小组|办公室|指挥部)")
SHORT_FORM = re.compile(rf"[{H}]{{1,3}}(?:委会|办|委|组|部)")
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢"
    "安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路"
    "游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全"
    "佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝乐鄂"
)
NOT_NAMES = {"全区", "我区", "各级", "相关", "有关", "全体", "一行", "下一步", "今后", "要求", "工作"}


def _texts(b: Bulletin) -> Iterable[tuple[str, str]]:
    """(article id, text) for every article, titles included."""
    for a in b.articles:
        yield a.id, "\n".join((a.full_title, *(p.text for p in a.paragraphs)))


def user_words(bulletins: Iterable[Bulletin]) -> list[str]:
    found: Counter[str] = Counter()
    for b in bulletins:
        for a in b.articles:
            found.update(a.reporters)
        for _, text in _texts(b):
            for m in NAME_AFTER_TITLE.finditer(text):
                if m.group(1)[0] in SURNAMES:
                    found[m.group(1)] += 1
            for m in LEADER_LIST.finditer(text):
                found.update(n for n in m.group(1).split("、") if n[0] in SURNAMES)
            for m in QUOTED.finditer(text):
                found[m.group(1)] += 1
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
    (folder / "aliases.json").write_text(json.dumps(aliases, ensure_ascii=False, indent=1), encoding="utf-8")


def load_aliases(folder: Path) -> dict[str, list[str]]:
    """Maintained aliases merged with those harvested into this index."""
    merged = {k: list(v) for k, v in maintained_aliases().items()}
    p = folder / "aliases.json"
    if p.exists():
        for k, v in json.loads(p.read_text(encoding="utf-8")).items():
            merged.setdefault(k, [])
            merged[k].extend(x for x in v if x not in merged[k])
    return merged
