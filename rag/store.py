"""The passage and article store: one SQLite file per index version.

SQLite (stdlib, one file, readable by any tool) rather than pickles: citation lookup reads one
article by id without loading the corpus, and the file is written once and then only read.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path

from .layout import STORE, Layout
from .models import Article, Bulletin, Paragraph, Passage

SCHEMA = """
CREATE TABLE bulletins (
  source TEXT PRIMARY KEY, sha256 TEXT, encoding TEXT, publisher TEXT, district TEXT,
  issue_date TEXT, issue_no TEXT, masthead TEXT, warnings TEXT, indexed_at TEXT,
  n_articles INTEGER, n_passages INTEGER, text_key TEXT, words TEXT, aliases TEXT);
CREATE TABLE articles (
  id TEXT PRIMARY KEY, source TEXT, idx INTEGER, title TEXT, subtitles TEXT, section TEXT,
  dateline TEXT, date TEXT, reporters TEXT, byline TEXT, paragraphs TEXT, title_from_body INTEGER);
CREATE TABLE passages (
  row INTEGER PRIMARY KEY, id TEXT UNIQUE, source TEXT, article_id TEXT, article_index INTEGER,
  title TEXT, paragraph INTEGER, paragraph_end INTEGER, text TEXT, district TEXT, date TEXT,
  citation TEXT, embed_key TEXT);
"""
INDEXES = """
CREATE INDEX passages_source ON passages(source);
CREATE INDEX articles_source ON articles(source);
"""

PASSAGE_COLS = "source, article_id, article_index, title, paragraph, paragraph_end, text, district, date, citation"
# what the library table and the API show of a bulletin (not the update's bookkeeping)
LISTED_COLS = (
    "source, sha256, encoding, publisher, district, issue_date, issue_no, masthead, warnings, indexed_at, "
    "n_articles, n_passages"
)


def _passage(row: tuple) -> Passage:
    return Passage(*row)


@dataclass(frozen=True)
class StoredBulletin:
    """A bulletin as an update sees it: what it needs to keep the bulletin without reading its
    articles (duplicate keys, harvested words and aliases, counts)."""

    bulletin: Bulletin  # articles left empty when read back from a store
    indexed_at: str
    n_articles: int
    n_passages: int
    text_key: str  # the text whatever its bytes (duplicate check)
    words: tuple[str, ...]  # user-dictionary words harvested from it
    aliases: dict[str, list[str]]  # short form -> full names found in it


def write_store(
    path: Path,
    old: Path | None,
    drop: Iterable[str],
    bulletins: Sequence[StoredBulletin],
    passages: Sequence[Passage],
    embed_keys: Sequence[str],
    first_row: int = 0,
) -> None:
    """Write a version's store: a copy of the `old` store (its parts merged into one file) without
    the `drop` sources, then `bulletins` (with their articles) and `passages` appended. The kept
    rows keep their order as rows 0..k-1 (`Store.rows_except`) and the new passages follow, so row
    numbers stay those of the FAISS and BM25 rows. Copying the old file keeps an update's cost to
    what changed. Without `old`, the passages are numbered from `first_row` (a part of a store)."""
    drop = sorted(set(drop))
    if old is not None:
        shutil.copyfile(old, path)
    con = sqlite3.connect(path)
    try:
        if old is None:
            con.executescript(SCHEMA + INDEXES)
        else:
            _insert_parts(con, _parts_beside(old))
        if old is not None and drop:
            con.execute("CREATE TEMP TABLE dropped (source TEXT PRIMARY KEY)")
            con.executemany("INSERT INTO dropped VALUES (?)", [(s,) for s in drop])
            for table in ("bulletins", "articles", "passages"):
                con.execute(f"DELETE FROM {table} WHERE source IN (SELECT source FROM dropped)")
            n, end = con.execute("SELECT COUNT(*), COALESCE(MAX(row) + 1, 0) FROM passages").fetchone()
            if n != end:
                _renumber(con)
        start = first_row + con.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        _insert(con, bulletins, passages, embed_keys, start)
        con.commit()
    finally:
        con.close()


def _insert_parts(con: sqlite3.Connection, parts: Sequence[Path]) -> None:
    """Append the rows of the stores `parts`, in order (nothing is written to them)."""
    for i, part in enumerate(parts):
        con.execute(f"ATTACH DATABASE ? AS merged{i}", (str(part),))
        for table in TABLES:
            con.execute(f"INSERT INTO main.{table} SELECT * FROM merged{i}.{table}")
        con.commit()
        con.execute(f"DETACH DATABASE merged{i}")


def merge_stores(path: Path, parts: Sequence[Path]) -> None:
    """A new store at `path` holding the rows of the stores `parts`, in order (a version's later
    parts merged into one)."""
    con = sqlite3.connect(path)
    try:
        con.executescript(SCHEMA + INDEXES)
        _insert_parts(con, parts)
    finally:
        con.close()


def _insert(
    con: sqlite3.Connection,
    bulletins: Sequence[StoredBulletin],
    passages: Sequence[Passage],
    embed_keys: Sequence[str],
    start: int,
) -> None:
    """Insert bulletins with their articles, and passages numbered from row `start`."""
    for sb in bulletins:
        b = sb.bulletin
        con.execute(
            "INSERT INTO bulletins VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
                sb.indexed_at,
                sb.n_articles,
                sb.n_passages,
                sb.text_key,
                json.dumps(sb.words, ensure_ascii=False),
                json.dumps(sb.aliases, ensure_ascii=False),
            ),
        )
        con.executemany(
            "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
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
                    int(a.title_from_body),
                )
                for a in b.articles
            ],
        )
    con.executemany(
        "INSERT INTO passages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                start + i,
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
                k,
            )
            for i, (p, k) in enumerate(zip(passages, embed_keys, strict=True))
        ],
    )


class StoreWriter:
    """A new store written a bulletin at a time (a build streams the archive through it, so its
    parsed bulletins and passages need not all be held at once); rows are numbered in order."""

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path)
        self.con.executescript(SCHEMA + INDEXES)
        self.rows = 0
        self._pending = 0

    def add(self, sb: StoredBulletin, passages: Sequence[Passage], embed_keys: Sequence[str]) -> None:
        _insert(self.con, [sb], passages, embed_keys, self.rows)
        self.rows += len(passages)
        self._pending += len(passages)
        if self._pending >= 20_000:
            self.con.commit()
            self._pending = 0

    def close(self) -> None:
        self.con.commit()
        self.con.close()


TABLES = ("bulletins", "articles", "passages")


def _parts_beside(path: Path) -> list[Path]:
    """The further parts of a version's store (`store.1.sqlite`, ...) beside its base file."""
    return Layout(path.parent).parts(STORE)[1:] if path.name == STORE else []


def _renumber(con: sqlite3.Connection) -> None:
    """Rows 0..n-1 again, in the same order, after passages were deleted (inside SQLite: fast)."""
    con.execute("ALTER TABLE passages RENAME TO passages_old")
    con.execute(SCHEMA[SCHEMA.index("CREATE TABLE passages") :].strip().rstrip(";"))
    con.execute(
        f"INSERT INTO passages SELECT ROW_NUMBER() OVER (ORDER BY row) - 1, id, {PASSAGE_COLS}, embed_key "
        "FROM passages_old"
    )
    con.execute("DROP TABLE passages_old")
    con.execute("CREATE INDEX passages_source ON passages(source)")


BULLETIN_COLS = "source, sha256, encoding, publisher, district, issue_date, issue_no, masthead, warnings"
ARTICLE_COLS = "source, idx, title, subtitles, section, paragraphs, dateline, date, reporters, byline, title_from_body"


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
        title_from_body=bool(r[10]),
    )


LEADS_SQL = """
SELECT a.source, a.title, a.subtitles, d.first_date, d.last_date
FROM {db}.articles AS a JOIN (
  SELECT source, MIN(idx) AS lead,
         MIN(CASE WHEN date <> '' THEN substr(date, -5) END) AS first_date,
         MAX(CASE WHEN date <> '' THEN substr(date, -5) END) AS last_date
  FROM {db}.articles GROUP BY source
) AS d ON a.source = d.source AND a.idx = d.lead
"""


class Store:
    """Read-only view of one index version's store (a version's store is written once, so what is
    read from it may be kept for the life of this object)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parts = _parts_beside(path)  # rows added by updates since the base file was written
        self._leads: dict[str, tuple[str, str]] | None = None
        self._lock = threading.RLock()
        self._shared: sqlite3.Connection | None = None

    def bulletin_leads(self) -> dict[str, tuple[str, str]]:
        """source -> (lead title with its sub-headlines, span of article dates as MM-DD) of every
        bulletin, for the bulletin list: one query instead of building 4,600 bulletins."""
        if self._leads is None:
            with self._con() as con:  # a bulletin's articles all lie in one part
                rows = [r for db in self._dbs() for r in con.execute(LEADS_SQL.format(db=db))]
            leads: dict[str, tuple[str, str]] = {}
            for source, title, subtitles, first, last in rows:
                subs = json.loads(subtitles) if subtitles else []
                lead = " / ".join((title, *subs)) if subs else title
                leads[source] = (lead, "" if first is None else first if first == last else f"{first} 至 {last}")
            self._leads = leads
        return self._leads

    def _dbs(self) -> list[str]:
        """The schema names of the parts on a connection from `_con`, in row order."""
        return ["main", *(f"part{i}" for i in range(1, len(self.parts) + 1))]

    def _in_row_order(self, con: sqlite3.Connection, cols: str) -> Iterator[tuple]:
        """`cols` of every passage in row order: each part in turn, read in its own row order (a
        part holds the rows after those of the parts before it), so nothing is sorted."""
        return chain.from_iterable(con.execute(f"SELECT {cols} FROM {db}.passages ORDER BY row") for db in self._dbs())

    @contextlib.contextmanager
    def _con(self) -> Iterator[sqlite3.Connection]:
        """This store's connection, one query at a time: opened once (with its parts attached, a
        few milliseconds that a question would otherwise pay at every lookup), then kept."""
        with self._lock:
            if self._shared is None:
                self._shared = self._connect()
            yield self._shared

    def _connect(self) -> sqlite3.Connection:
        """A read-only connection; a store in parts is read through temporary views of the union
        of its parts' tables, under the tables' own names, so every query reads the whole store."""
        con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        if self.parts:
            try:
                for i, part in enumerate(self.parts, 1):
                    con.execute(f"ATTACH DATABASE ? AS part{i}", (f"file:{part}?mode=ro",))
                for table in TABLES:
                    arms = " UNION ALL ".join(f"SELECT * FROM {db}.{table}" for db in self._dbs())
                    con.execute(f"CREATE TEMP VIEW {table} AS {arms}")
            except BaseException:
                con.close()
                raise
        return con

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        """The rows of a read-only query over the whole store (every part): for a server store
        that copies the tables."""
        con = self._connect()
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def batches(self, size: int = 4096) -> Iterator[list[Passage]]:
        """Every passage in row order, `size` at a time (a build reads its 1M passages back so)."""
        con = self._connect()
        try:
            rows = self._in_row_order(con, PASSAGE_COLS)
            while batch := list(islice(rows, size)):
                yield [_passage(r) for r in batch]
        finally:
            con.close()

    def passages(self) -> list[Passage]:
        with self._con() as con:
            return [_passage(r) for r in self._in_row_order(con, PASSAGE_COLS)]

    def embed_rows(self) -> dict[str, int]:
        """embed key -> a row with that vector: what an update reuses for text it has embedded before."""
        with self._con() as con:
            return {k: r for r, k in con.execute("SELECT row, embed_key FROM passages ORDER BY row DESC")}

    def embed_samples(self, k: int) -> list[tuple[str, str]]:
        """(embed key, text embedded) of the first k rows: enough to tell which embedder made them."""
        with self._con() as con:
            rows = list(islice(self._in_row_order(con, f"embed_key, {PASSAGE_COLS}"), k))
        return [(r[0], _passage(r[1:]).embed_text) for r in rows]

    def passage_count(self) -> int:
        with self._con() as con:
            return sum(int(con.execute(f"SELECT count(*) FROM {db}.passages").fetchone()[0]) for db in self._dbs())

    def bulletin_hashes(self) -> dict[str, str]:
        """source -> sha256 of every bulletin held (what the manifest's list must say)."""
        with self._con() as con:
            return dict(con.execute("SELECT source, sha256 FROM bulletins"))

    def embed_keys(self) -> list[str]:
        """The embed key of every row, in row order (written beside the vectors as embed_keys.txt)."""
        with self._con() as con:
            return [k for (k,) in self._in_row_order(con, "embed_key")]

    def columns(self) -> tuple[list[str], list[str], list[str], list[str]]:
        """(citation id, source, district, date) of every passage in row order: what search and
        filters read of each passage, without building 100k `Passage` objects."""
        with self._con() as con:
            rows = list(self._in_row_order(con, "id, source, district, date"))
        if not rows:
            return [], [], [], []
        ids, sources, districts, dates = (list(c) for c in zip(*rows))
        return ids, sources, districts, dates

    def passages_at(self, rows: Sequence[int]) -> list[Passage]:
        """The passages of `rows` (row numbers), in that order."""
        if not len(rows):
            return []
        with self._con() as con:
            found: dict[int, Passage] = {}
            want = [int(r) for r in rows]
            for i in range(0, len(want), 500):  # SQLite's bound-parameter limit
                part = want[i : i + 500]
                sql = f"SELECT row, {PASSAGE_COLS} FROM passages WHERE row IN ({','.join('?' * len(part))})"
                for r in con.execute(sql, part):
                    found[r[0]] = _passage(r[1:])
        return [found[r] for r in want if r in found]

    def passage_ids(self) -> list[str]:
        """Citation ids in row order, as stored (not re-hashed from 100k texts at every load)."""
        with self._con() as con:
            return [r[0] for r in self._in_row_order(con, "id")]

    def rows_except(self, sources: Iterable[str]) -> list[int]:
        """Rows of the passages of every bulletin but `sources`, in order: what an update keeps
        (`write_store` deletes the others and renumbers these 0..k-1)."""
        drop = set(sources)
        if not drop:  # every row, numbered 0..n-1 (`write_store` keeps them so): not read one by one
            return list(range(self.passage_count()))
        with self._con() as con:
            return [r for r, s in self._in_row_order(con, "row, source") if s not in drop]

    def titles_and_texts(self) -> list[tuple[str, str]]:
        """(title, text) of every passage in row order (what BM25 tokenised, with the title)."""
        with self._con() as con:
            return [(t, x) for t, x in self._in_row_order(con, "title, text")]

    def bulletins(self) -> list[dict]:
        with self._con() as con:
            cur = con.cursor()
            cur.row_factory = sqlite3.Row
            return [dict(r) for r in cur.execute(f"SELECT {LISTED_COLS} FROM bulletins ORDER BY source")]

    def text_keys(self) -> dict[str, str]:
        """text key -> source of every bulletin: what an upload compares a new file's text with."""
        with self._con() as con:
            return {k: src for src, k in con.execute("SELECT source, text_key FROM bulletins ORDER BY source DESC")}

    def stored_bulletins(self) -> dict[str, StoredBulletin]:
        """Every bulletin without its articles, in one query: what an update keeps."""
        with self._con() as con:
            rows = con.execute(
                f"SELECT {BULLETIN_COLS}, indexed_at, n_articles, n_passages, text_key, words, aliases FROM bulletins"
            ).fetchall()
        return {
            r[0]: StoredBulletin(
                bulletin=_bulletin(r, []),
                indexed_at=r[9],
                n_articles=r[10],
                n_passages=r[11],
                text_key=r[12],
                words=tuple(json.loads(r[13])),
                aliases=json.loads(r[14]),
            )
            for r in rows
        }

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
