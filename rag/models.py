"""Small frozen records passed between the pipeline stages.

parse -> Bulletin(Article...) ; chunk -> Passage ; retrieve -> Hit ; answer -> Answer.
Ids are content hashes so that the same text gets the same id after any rebuild.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .analyze import to_simplified


def content_id(*parts: str, n: int = 12) -> str:
    """Stable short hash of the given strings (the basis of every id here)."""
    h = hashlib.sha1("\x1f".join(parts).encode("utf-8"))
    return h.hexdigest()[:n]


@dataclass(frozen=True)
class Paragraph:
    """One body paragraph: `text` has layout breaks repaired, `raw` is as printed."""

    text: str
    raw: str


@dataclass(frozen=True)
class Article:
    source: str  # bulletin file name, e.g. "004_5ae22829d223a388.txt"
    index: int  # position of the article in its bulletin (0-based)
    title: str
    subtitles: tuple[str, ...]  # over-/sub-headlines printed with the title
    section: str  # e.g. "短讯", "简讯" or "" when the article stands alone
    paragraphs: tuple[Paragraph, ...]
    dateline: str  # e.g. "本报讯 11月22日上午" or ""
    date: str  # "MM-DD" from the dateline, or "YYYY-MM-DD" only when the text gives the year
    reporters: tuple[str, ...]
    byline: str  # the byline as printed
    title_from_body: bool = False  # no headline printed: the title is made from the first sentence

    @property
    def id(self) -> str:
        return content_id(self.source, str(self.index), self.title)

    @property
    def full_title(self) -> str:
        return " / ".join((self.title, *self.subtitles)) if self.subtitles else self.title


@dataclass(frozen=True)
class Bulletin:
    source: str  # file name
    sha256: str  # of the file's bytes
    encoding: str  # encoding the file was decoded with
    publisher: str  # e.g. "郑州市上街区融媒体中心"
    district: str  # e.g. "上街区"
    issue_date: str  # "YYYY-MM-DD", "YYYY-MM" or ""
    issue_no: str  # e.g. "第35期(总第710期)" or ""
    articles: tuple[Article, ...]
    masthead: tuple[str, ...] = ()  # the masthead lines as printed (publisher, date, issue)
    warnings: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How people name the bulletin: publisher or district, issue number and date."""
        who = self.publisher or self.district or self.source
        return " ".join(x for x in (who, self.issue_no, self.issue_date) if x)


@dataclass(frozen=True)
class Passage:
    """A retrievable span of one article: consecutive sentences of one or more paragraphs."""

    source: str
    article_id: str
    article_index: int  # -1 for the masthead passage
    title: str
    paragraph: int  # first paragraph (1-based) the passage covers
    paragraph_end: int  # last paragraph (1-based)
    text: str  # the passage as shown and quoted
    district: str
    date: str  # article date ("MM-DD" / "YYYY-MM-DD") or the issue date, "" when unknown
    citation: str  # human-readable: publisher · issue · title · paragraph

    @property
    def id(self) -> str:
        """Citation id: same bulletin + same text -> same id, whatever else changed."""
        return content_id(self.source, self.text)

    @property
    def embed_text(self) -> str:
        """What the embedder sees: the title carried as context, in simplified characters."""
        return to_simplified(f"{self.title}\n{self.text}")


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    rank: int  # 0-based
    dense_score: float | None = None
    lexical_score: float | None = None
    matched_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """One quoted sentence and the number of the passage it comes from (1-based)."""

    sentence: str
    ref: int
    passage_id: str


@dataclass(frozen=True)
class Answer:
    question: str
    text: str  # first line: the short answer, then quoted evidence with [n] refs
    abstained: bool
    hits: tuple[Hit, ...]
    evidence: tuple[Evidence, ...] = ()
    note: str = ""  # why we abstained / what was searched
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
