"""What the app says to its users, in Chinese only.

The library (`rag/`) writes its errors for the command line as well: many are "中文（English）"
and some, written for an administrator, are English only and name server paths. The app shows
none of that English: `user_message` turns an error into the Chinese message a user can act on,
by the error's class (`rag.errors`) and, for the rest, by dropping the English part; the English
stays in the log (the callers log the original). No message names a server path or lists the
library's files.
"""

from __future__ import annotations

import html
import re

from rag.errors import (
    BulletinError,
    CitationNotFoundError,
    IndexBusyError,
    IndexDamagedError,
    IndexMismatchError,
    IndexMissingError,
    IndexWriteError,
    QueryError,
    RagError,
)
from rag.library import UPLOAD_EMPTY  # noqa: F401 (shown by the app too)

# ---- the catalogue -----------------------------------------------------------------------------

QUESTION_EMPTY = "请先输入问题，例如：谁主持了安委会会议"
QUESTION_TOO_LONG = "问题有 {n} 个字，超过 {limit} 字的上限：请只写要问的事，缩短后再问"
INDEX_BUSY = "索引正在更新，请等更新完成后再试"
INDEX_MISSING = "还没有索引：请到“公报库”上传公报，或点“重建索引”"
INDEX_MISMATCH = "索引与本程序的版本不一致：请到“公报库”点“重建索引”"
INDEX_WRITE = "无法写入新的索引（磁盘已满或文件夹不可写）：原来的索引保持不变，问答照常；请清理磁盘空间后再更新"
INDEX_DAMAGED = "索引文件已损坏：请到“公报库”点“更新索引”修复（只重新计算损坏的部分），或运行 python -m rag repair"
CITATION_NOT_FOUND = "没有找到引用编号“{cid}”：引用编号是 12 位字母和数字，例如 b65cc29fcaa5，问答里每个段落下方都有"
CITATION_EMPTY = "请输入引用编号，例如 b65cc29fcaa5（问答里每个段落下方都有）"
BULLETIN_NOT_FOUND = "索引里没有公报“{source}”：它可能已被删除或改名，请在“浏览公报”里搜索"
FAILED = "操作没有完成，请稍后再试；如果一再出现，请联系管理员查看服务器日志"
REMOVE_CANCELLED = "已取消，没有删除任何文件"
REBUILD_CANCELLED = "已取消，索引没有重建"

# reasons the indexer gives in English only (rag/index.py, rag/ingest.py, rag/parse.py)
_ENGLISH_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"holds no text|is empty", re.I), "文件是空的，没有索引"),
    (re.compile(r"not a [\w./]+ file", re.I), "不是 .txt 纯文本文件，没有索引"),
    (re.compile(r"larger than", re.I), "文件太大，没有索引：请拆分后再放入公报库"),
    (re.compile(r"cannot be read", re.I), "文件无法读取，没有索引"),
    (re.compile(r"no article", re.I), "没有找到文章：公报应由标题和正文段落组成，没有索引"),
    (re.compile(r"duplicate|same (?:content|issue|text)", re.I), "与公报库里的另一份公报重复，没有索引"),
    (re.compile(r"not valid UTF-8", re.I), "文件名不是有效的 UTF-8，请重命名"),
]

# three Latin-script words in a row: an English sentence (file names and ids are single words)
LATIN_SENTENCE = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ \t,:;]+[A-Za-z][A-Za-z'’-]*){2,}")
_PATH = re.compile(r"(?:[\\/][\w.\-]*[A-Za-z][\w.\-]*){2,}")  # /srv/index/v-1, not 2021/12/01


def has_latin_sentence(text: str) -> bool:
    return bool(LATIN_SENTENCE.search(text or ""))


def strip_english(text: str) -> str:
    """Drop the English explanations the library puts in full-width brackets: "中文（English）"
    -> "中文". The brackets are matched by depth, so English holding ( ) or （ ） goes whole."""
    out: list[str] = []
    i = 0
    while i < len(text):
        j = text.find("（", i)
        if j < 0:
            out.append(text[i:])
            break
        depth, k = 0, j
        while k < len(text):
            if text[k] == "（":
                depth += 1
            elif text[k] == "）":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        inner = text[j + 1 : k]
        out.append(text[i:j])
        if not has_latin_sentence(inner) and not _PATH.search(inner):
            out.append(text[j : k + 1])
        i = k + 1
    return "".join(out).strip()


def reason_zh(reason: str) -> str:
    """A reason from the library (why a file was not indexed) in Chinese."""
    text = strip_english(reason or "")
    if text and not has_latin_sentence(text) and not _PATH.search(text):
        return text
    for pattern, zh in _ENGLISH_REASONS:
        if pattern.search(reason or ""):
            return zh
    return "无法索引这个文件"


def user_message(err: BaseException, *, citation_id: str = "") -> str:
    """The Chinese message for an error of the library (or of the app), without paths or English."""
    if isinstance(err, IndexBusyError):
        return INDEX_BUSY
    if isinstance(err, IndexMissingError):
        return INDEX_MISSING
    if isinstance(err, IndexMismatchError):
        return INDEX_MISMATCH
    if isinstance(err, IndexDamagedError):
        return INDEX_DAMAGED
    if isinstance(err, IndexWriteError):
        return INDEX_WRITE
    if isinstance(err, CitationNotFoundError):
        return CITATION_NOT_FOUND.format(cid=short(citation_id)) if citation_id else CITATION_EMPTY
    if isinstance(err, BulletinError):
        return f"{err.source}：{reason_zh(err.reason)}"
    reason = getattr(err, "reason", None)  # rag.library.UploadRefused: the name is the user's own
    if isinstance(reason, str) and isinstance(getattr(err, "name", None), str):
        return f"{getattr(err, 'name', '')}：{reason_zh(reason)}"
    if isinstance(err, (QueryError, RagError)):
        text = strip_english(str(err))
        if text and not has_latin_sentence(text) and not _PATH.search(text):
            return text
    return FAILED


def short(text: str, limit: int = 40) -> str:
    """User input echoed in a message, cut to a readable length."""
    t = " ".join((text or "").split())
    return t if len(t) <= limit else t[:limit] + "…"


def render_hint(message: str) -> str:
    """A message under the question box (why a question was not sent)."""
    return f'<div class="ask-hint" role="alert">{html.escape(message)}</div>' if message else ""
