"""Scale corpora made only of the seeds' own material, recombined.

Every sentence, title, sub-headline, reporter name, masthead line and district in a generated
bulletin is taken from the seed bulletins (`seeds/`); the generator only chooses and orders
them, writes mastheads, datelines and bylines in the seeds' own formats, and dates the issues
(about 100 a year per district, as a district paper prints). Nothing is written that the seeds
do not say, so figures measured on these corpora come from text of the real kind and length.

Deterministic: the same seeds, `seed` and size give byte-identical files.

    python -m bench.corpus OUT_DIR --passages 10000 --seed 7
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rag.chunk import chunk_bulletin, split_sentences
from rag.errors import BulletinError
from rag.ingest import read_bulletin, read_bytes
from rag.parse import DATELINE, DATELINE_PLAIN, parse_bulletin

GENERATOR_VERSION = 1
ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
WEEKDAYS = "一二三四五六日"
DISTRICT_MARK = "\x00D\x00"  # where a seed sentence named its district
_LEAD = re.compile(r"^[\s,，:：]*")


@dataclass
class SeedArticle:
    title: str
    subtitles: tuple[str, ...]
    lead: list[str]  # sentences of the first paragraph, dateline removed
    body: list[list[str]]  # the other paragraphs, as sentences
    reporters: tuple[str, ...]


@dataclass
class SeedPool:
    """What the generator may reuse, with the seeds' districts marked for substitution."""

    districts: list[str]
    articles: list[SeedArticle]
    sentences: list[str]  # every body sentence, for mixing across articles
    reporters: list[str]
    masthead_fixed: list[str]  # masthead lines that do not depend on the issue (资料号, 监督电话...)
    publisher_pattern: str  # e.g. "郑州市\x00D\x00融媒体中心编印"
    sections: list[str] = field(default_factory=lambda: ["短讯", "简讯"])

    @property
    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for a in self.articles:
            h.update(a.title.encode())
            for s in a.lead + [x for p in a.body for x in p]:
                h.update(s.encode())
        return h.hexdigest()[:12]


def strip_dateline(sentence: str) -> str:
    """`本报讯 11月22日上午,二七区召开…` -> `二七区召开…` (the generator writes its own datelines)."""
    m = DATELINE.match(sentence) or DATELINE_PLAIN.match(sentence)
    if m:
        sentence = sentence[m.end() :]
    sentence = _LEAD.sub("", sentence)
    for lead in ("近日", "日前"):
        if sentence.startswith(lead):
            sentence = sentence[len(lead) :]
    return _LEAD.sub("", sentence)


def _whole(sentences: list[str]) -> list[str]:
    """Only whole sentences (ending in 。！？；): a piece without one would run on into whatever
    follows it once recombined (the parser joins such lines as layout cuts)."""
    return [s for s in sentences if ends_sentence(s)]


def ends_sentence(s: str) -> bool:
    return s.rstrip("”’」』）)").endswith(tuple("。！？!?；;…"))


def mark_districts(text: str, districts: list[str]) -> str:
    for d in districts:
        text = text.replace(d, DISTRICT_MARK)
    return text


def load_pool(seeds: Path = SEEDS) -> SeedPool:
    bulletins = []
    for p in sorted(seeds.glob("*.txt")):
        try:
            bulletins.append(parse_bulletin(read_bulletin(p)))
        except BulletinError:
            continue
    districts = sorted({b.district for b in bulletins if b.district})
    if not districts:
        raise SystemExit(f"no district found in the seeds at {seeds}")
    articles: list[SeedArticle] = []
    sentences: list[str] = []
    reporters: set[str] = set()
    fixed: list[str] = []
    publisher = ""
    for b in bulletins:
        for line in b.masthead:
            if line.endswith("编印") and b.district and b.district in line:
                publisher = mark_districts(line, districts)
            elif re.search(r"连续性内资|内部资料|准印证|^【审", line) and line not in fixed:
                fixed.append(line)
        for a in b.articles:
            if a.section == "导读" or len(a.paragraphs) < 1:
                continue
            paras = [split_sentences(p.text) for p in a.paragraphs]
            paras = [[mark_districts(s, districts) for s in ps if len(s) >= 6] for ps in paras]
            paras = [ps for ps in paras if ps]
            if not paras:
                continue
            lead = [strip_dateline(paras[0][0]), *paras[0][1:]]
            lead = _whole([s for s in lead if len(s) >= 6])
            if not lead:
                continue
            art = SeedArticle(
                title=mark_districts(a.title, districts),
                subtitles=tuple(mark_districts(s, districts) for s in a.subtitles),
                lead=lead,
                body=[w for w in (_whole(ps) for ps in paras[1:]) if w],
                reporters=a.reporters,
            )
            articles.append(art)
            sentences.extend(s for ps in paras[1:] for s in ps if ends_sentence(s))
            reporters.update(a.reporters)
    return SeedPool(
        districts=districts,
        articles=articles,
        sentences=sentences,
        reporters=sorted(reporters),
        masthead_fixed=fixed,
        publisher_pattern=publisher or f"{DISTRICT_MARK}融媒体中心编印",
    )


def _fill(text: str, district: str) -> str:
    return text.replace(DISTRICT_MARK, district)


def _cut(paragraph: str, rng: random.Random) -> str:
    """Sometimes cut a line the way page layout does (`项目建` / blank / `设单位`); the parser rejoins it."""
    if len(paragraph) < 80 or rng.random() > 0.15:
        return paragraph
    i = rng.randrange(50, len(paragraph) - 20)  # the parser rejoins a cut line of 45+ characters
    if paragraph[i - 1] in "。！？；…”" or paragraph[i] in "。！？；，,":
        return paragraph
    return paragraph[:i] + "\n\n" + paragraph[i:]


def _byline(rng: random.Random, pool: SeedPool, bracketed: bool) -> str:
    names = rng.sample(pool.reporters, k=min(len(pool.reporters), rng.choice((1, 1, 2, 2, 3))))
    if bracketed:
        return f"(记者 {' '.join(names)})"
    if len(names) > 1 and rng.random() < 0.6:
        return f"记者 {names[0]} 通讯员 {' '.join(names[1:])}"
    return f"记者 {' '.join(names)}"


def _article(
    rng: random.Random, pool: SeedPool, district: str, when: dt.date, bracketed: bool, short: bool
) -> list[str]:
    tpl = rng.choice(pool.articles)
    lines = [_fill(tpl.title, district)]
    if tpl.subtitles and rng.random() < 0.4:
        lines.append(_fill(rng.choice(tpl.subtitles), district))
    day = when - dt.timedelta(days=rng.randrange(0, 6))
    part = rng.choice(("上午", "下午", "", ""))
    comma = "，" if bracketed else ","
    lead = rng.choice(("本报讯 ", "")) + f"{day.month}月{day.day}日{part}{comma}" + _fill(tpl.lead[0], district)
    lines.append(lead + "".join(_fill(s, district) for s in tpl.lead[1 : 1 + rng.randrange(0, 3)]))
    n_paras = rng.randrange(0, 2) if short else rng.randrange(1, 6)
    for k in range(n_paras):
        if k < len(tpl.body) and rng.random() < 0.6:
            sents = tpl.body[k][: rng.randrange(1, 5)]
        else:
            sents = [rng.choice(pool.sentences) for _ in range(rng.randrange(1, 4))]
        lines.append(_cut("".join(_fill(s, district) for s in sents), rng))
    lines.append(_byline(rng, pool, bracketed))
    return lines


def bulletin_text(rng: random.Random, pool: SeedPool, district: str, when: dt.date, issue: int, total: int) -> str:
    """One issue: masthead, 6-12 articles, sometimes a ■ section of short reports."""
    bracketed = rng.random() < 0.5  # the two byline styles of the seeds
    mast = [
        _fill(pool.publisher_pattern, district),
        f"{when.year}年{when.month}月",
        str(when.day),
        f"星期{WEEKDAYS[when.weekday()]}",
        *pool.masthead_fixed[:2],
        f"第{issue}期(总第{total}期)",
        *pool.masthead_fixed[2:],
    ]
    blocks = ["\n".join(mast)]
    n = rng.randrange(6, 13)
    section_at = rng.randrange(2, n) if rng.random() < 0.3 else -1
    for i in range(n):
        if i == section_at:
            blocks.append("■ " + rng.choice(pool.sections))
        short = section_at >= 0 and i >= section_at
        blocks.append("\n\n".join(_article(rng, pool, district, when, bracketed, short)))
    return "\n\n".join(blocks) + "\n"


def issue_dates(start: dt.date) -> Iterator[dt.date]:
    """Tuesdays and Fridays: about 104 issues a year."""
    d = start
    while True:
        if d.weekday() in (1, 4):
            yield d
        d += dt.timedelta(days=1)


def generate(
    out: Path,
    passages: int,
    seed: int = 7,
    pool: SeedPool | None = None,
    start: dt.date = dt.date(2000, 1, 4),
    progress: bool = False,
) -> dict[str, int]:
    """Write bulletins into `out` until they hold at least `passages` passages (counted by the real
    parser and chunker). Returns counts. Issues alternate between the seeds' districts."""
    pool = pool or load_pool()
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    dates = {d: issue_dates(start) for d in pool.districts}
    numbers = dict.fromkeys(pool.districts, 0)
    per_year = dict.fromkeys(pool.districts, (0, 0))
    n_pass = n_files = n_articles = 0
    while n_pass < passages:
        district = pool.districts[n_files % len(pool.districts)]
        when = next(dates[district])
        year, k = per_year[district]
        k = k + 1 if year == when.year else 1
        per_year[district] = (when.year, k)
        numbers[district] += 1
        text = bulletin_text(rng, pool, district, when, k, numbers[district])
        code = pool.districts.index(district)
        name = f"{when:%Y%m%d}_d{code}_{k:03d}.txt"
        data = text.encode("utf-8")
        b = parse_bulletin(read_bytes(data, name))
        n_pass += len(chunk_bulletin(b))
        n_articles += len(b.articles)
        (out / name).write_bytes(data)
        n_files += 1
        if progress and n_files % 500 == 0:
            print(f"  corpus: {n_files} issues, {n_pass} passages", file=sys.stderr)
    return {"bulletins": n_files, "articles": n_articles, "passages": n_pass}


def extra_issue(pool: SeedPool, seed: int, district: str | None = None) -> tuple[str, bytes]:
    """A new issue dated after any generated one: what `update` adds in the benchmarks."""
    rng = random.Random(10_000 + seed)
    district = district or pool.districts[0]
    when = dt.date(2099, 1, 6) + dt.timedelta(days=seed % 300)
    text = bulletin_text(rng, pool, district, when, 1, 99_000 + seed)
    return f"{when:%Y%m%d}_new_{seed:03d}.txt", text.encode("utf-8")


def cached_corpus(cache: Path, passages: int, seed: int) -> tuple[Path, dict[str, int]]:
    """The corpus of that size and seed under `cache`, generated once."""
    import json

    pool = load_pool()
    folder = cache / f"corpus-g{GENERATOR_VERSION}-{pool.fingerprint}-s{seed}-n{passages}"
    meta = folder / ".meta.json"
    if meta.exists():
        return folder, json.loads(meta.read_text())
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    counts = generate(tmp, passages, seed, pool, progress=passages >= 20_000)
    (tmp / ".meta.json").write_text(json.dumps(counts))
    tmp.rename(folder)
    return folder, counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--passages", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    counts = generate(a.out, a.passages, a.seed, progress=True)
    print(f"{a.out}: {counts['bulletins']} bulletins, {counts['articles']} articles, {counts['passages']} passages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
