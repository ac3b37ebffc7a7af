"""The passage and article store: one SQLite file per index version.

SQLite (stdlib, one file, readable by any tool) rather than pickles: citation lookup reads one
article by id without loading the corpus, and the file is written once and then only read.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path

from .models import Article, Bulletin, Paragraph, Passage

SCHEMA = """
CREATE TABLE bulletins (
  source TEXT PRIMARY KEY, sha256 TEXT, encoding TEXT, publisher TEXT, district TEXT,
  issue_date TEXT, issue_no TEXT, masthead TEXT, warnings TEXT, indexed_at TEXT,
  n_articles INTEGER, n_passages INTEGER);
CREATE TABLE articles (
  id TEXT PRIMARY KEY, source TEXT, idx INTEGER, title TEXT, subtitles TEXT, section TEXT,
  dateline TEXT, date TEXT, reporters TEXT, byline TEXT, paragraphs TEXT);
CREATE TABLE passages (
  row INTEGER PRIMARY KEY, id TEXT UNIQUE, source TEXT, article_id TEXT, article_index INTEGER,
  title TEXT, paragraph INTEGER, paragraph_end INTEGER, text TEXT, district TEXT, date TEXT,
  citation TEXT, tokens TEXT, embed_key TEXT);
CREATE INDEX passages_source ON passages(source);
CREATE INDEX articles_source ON articles(source);
"""

PASSAGE_COLS = "source, article_id, article_index, title, paragraph, paragraph_end, text, district, date, citation"


def _passage(row: tuple) -> Passage:
    return Passage(*row)


def write_store(
    path: Path,
    bulletins: Iterable[tuple[Bulletin, str, int]],
    passages: list[Passage],
    tokens: list[list[str]],
    embed_keys: list[str],
) -> None:
    """bulletins: (bulletin, indexed_at, n_passages); passages in FAISS row order."""
    con = sqlite3.connect(path)
    try:
        con.executescript(SCHEMA)
        for b, indexed_at, n_pass in bulletins:
            con.execute(
                "INSERT INTO bulletins VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    b.source,
                    b.sha256,
                    b.encoding,
                    b.publisher,
                    b.district,
                    b.issue_date,
                    b.issue_no,
                    json.dumps(b.masthead, ensure_ascii=False),
                    json.dumps(b.warnings, ensure_ascii=False),
                    indexed_at,
                    len(b.articles),
                    n_pass,
                ),
            )
            con.executemany(
                "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        a.id,
                        a.source,
                        a.index,
                        a.title,
                        json.dumps(a.subtitles, ensure_ascii=False),
                        a.section,
                        a.dateline,
                        a.date,
                        json.dumps(a.reporters, ensure_ascii=False),
                        a.byline,
                        json.dumps([[p.text, p.raw] for p in a.paragraphs], ensure_ascii=False),
                    )
                    for a in b.articles
                ],
            )
        con.executemany(
            "INSERT INTO passages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    i,
                    p.id,
                    p.source,
                    p.article_id,
                    p.article_index,
                    p.title,
                    p.paragraph,
                    p.paragraph_end,
                    p.text,
                    p.district,
                    p.date,
                    p.citation,
                    " ".join(t),
                    k,
                )
                for i, (p, t, k) in enumerate(zip(passages, tokens, embed_keys))
            ],
        )
        con.commit()
    finally:
        con.close()


BULLETIN_COLS = "source, sha256, encoding, publisher, district, issue_date, issue_no, masthead, warnings"
ARTICLE_COLS = "source, idx, title, subtitles, section, paragraphs, dateline, date, reporters, byline"


def _bulletin(r: tuple, articles: list[Article]) -> Bulletin:
    """A Bulletin from a row of BULLETIN_COLS and its articles in order."""
    return Bulletin(
        source=r[0],
        sha256=r[1],
        encoding=r[2],
        publisher=r[3],
        district=r[4],
        issue_date=r[5],
        issue_no=r[6],
        articles=tuple(articles),
        masthead=tuple(json.loads(r[7])),
        warnings=tuple(json.loads(r[8])),
    )


def _article(r: tuple) -> Article:
    """An Article from a row of the columns `source, idx, title, ... byline` (see `article`)."""
    return Article(
        source=r[0],
        index=r[1],
        title=r[2],
        subtitles=tuple(json.loads(r[3])),
        section=r[4],
        paragraphs=tuple(Paragraph(t, raw) for t, raw in json.loads(r[5])),
        dateline=r[6],
        date=r[7],
        reporters=tuple(json.loads(r[8])),
        byline=r[9],
    )


class Store:
    """Read-only view of one index version's store."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _con(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)

    def passages(self) -> list[Passage]:
        with self._con() as con:
            return [_passage(r) for r in con.execute(f"SELECT {PASSAGE_COLS} FROM passages ORDER BY row")]

    def tokens_and_keys(self) -> list[tuple[str, list[str], str]]:
        """(passage id, tokens, embed key) in row order: what an update reuses."""
        with self._con() as con:
            return [
                (r[0], [sys.intern(t) for t in r[1].split(" ")] if r[1] else [], r[2])
                for r in con.execute("SELECT id, tokens, embed_key FROM passages ORDER BY row")
            ]

    def bulletins(self) -> list[dict]:
        with self._con() as con:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute("SELECT * FROM bulletins ORDER BY source")]

    def all_bulletins(self) -> dict[str, Bulletin]:
        """Every bulletin with its articles, read in two queries (an update reuses them all)."""
        with self._con() as con:
            rows = con.execute(f"SELECT {BULLETIN_COLS} FROM bulletins").fetchall()
            arts = con.execute(f"SELECT {ARTICLE_COLS} FROM articles ORDER BY source, idx").fetchall()
        by_source: dict[str, list[Article]] = {}
        for r in arts:
            by_source.setdefault(r[0], []).append(_article(r))
        return {r[0]: _bulletin(r, by_source.get(r[0], [])) for r in rows}

    def bulletin(self, source: str) -> Bulletin | None:
        """One bulletin with its articles, in two queries on one connection."""
        with self._con() as con:
            r = con.execute(f"SELECT {BULLETIN_COLS} FROM bulletins WHERE source=?", (source,)).fetchone()
            if r is None:
                return None
            arts = con.execute(f"SELECT {ARTICLE_COLS} FROM articles WHERE source=? ORDER BY idx", (source,)).fetchall()
        return _bulletin(r, [_article(a) for a in arts])

    def article(self, article_id: str) -> Article | None:
        with self._con() as con:
            r = con.execute(f"SELECT {ARTICLE_COLS} FROM articles WHERE id=?", (article_id,)).fetchone()
        return None if r is None else _article(r)

    def passage(self, passage_id: str) -> tuple[int, Passage] | None:
        with self._con() as con:
            r = con.execute(f"SELECT row, {PASSAGE_COLS} FROM passages WHERE id=?", (passage_id,)).fetchone()
        return (r[0], _passage(r[1:])) if r else None

    def article_passages(self, article_id: str) -> list[Passage]:
        with self._con() as con:
            return [
                _passage(r)
                for r in con.execute(
                    f"SELECT {PASSAGE_COLS} FROM passages WHERE article_id=? ORDER BY row", (article_id,)
                )
            ]
