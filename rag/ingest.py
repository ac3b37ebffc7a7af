"""Reading bulletin files: bytes -> text, with a clear error for anything unreadable.

District papers arrive as UTF-8, UTF-8 with BOM, UTF-16 (Windows "Unicode", with or without its
byte-order mark) or GB18030/GBK (which older Chinese Windows tools still write). We try them in
that order and refuse binaries.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import BulletinError

MAX_BYTES = 20 * 1024 * 1024
MAX_DAMAGED = 8  # undecodable byte sequences tolerated in an otherwise valid UTF-8 file
SUFFIXES = (".txt",)


@dataclass(frozen=True)
class RawBulletin:
    source: str
    text: str
    encoding: str
    sha256: str


def _printable_ratio(text: str) -> float:
    if not text:
        return 1.0
    bad = sum(
        1
        for ch in text
        if (unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\n\r\t\f\v") or ch == "\ufffd"
    )
    return 1 - bad / len(text)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _utf16_without_bom(data: bytes) -> list[str]:
    """UTF-16 saved without its byte-order mark (some export tools do): the NUL bytes of its ASCII
    characters (digits, newlines) stand almost all at odd offsets (little-endian) or even ones."""
    if len(data) % 2 or b"\x00" not in data:
        return []
    odd, even = data[1::2].count(0), data[0::2].count(0)
    if odd > 4 * even + 1:
        return ["utf-16-le"]
    if even > 4 * odd + 1:
        return ["utf-16-be"]
    return []


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Return (text, encoding) or raise BulletinError naming the file."""
    if not data.strip():
        raise BulletinError(
            source,
            "文件是空的：请放入公报正文，或把它移出公报文件夹"
            "（the file is empty: put the bulletin's text in it, or remove it from the folder）",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = [*_utf16_without_bom(data), "utf-8", "gb18030"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text or _printable_ratio(text) < 0.97:
            continue
        return _newlines(text), enc
    if candidates[0] == "utf-8":
        # UTF-8 with a few damaged bytes (a truncated copy, a stray byte): keep the text, mark the damage
        text = data.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        if bad <= MAX_DAMAGED and bad < len(text) / 1000 and "\x00" not in text and _printable_ratio(text) >= 0.97:
            return _newlines(text), f"utf-8 ({bad} damaged byte sequence{'s' if bad > 1 else ''} replaced)"
    raise BulletinError(
        source,
        "不是文本公报：文件是二进制或编码无法识别，请另存为 UTF-8 或 GB18030 纯文本 .txt"
        "（not a text bulletin: it is binary or in an unknown encoding "
        "(save it as UTF-8 or GB18030 plain text, .txt)）",
    )


def read_bulletin(path: Path) -> RawBulletin:
    source = path.name
    if path.suffix.lower() not in SUFFIXES:
        raise BulletinError(
            source,
            f"只接受纯文本公报，请先另存为 .txt（only plain-text bulletins ({', '.join(SUFFIXES)}) are taken）",
        )
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise BulletinError(
                source, f"{size // 1024 // 1024} MB is larger than the {MAX_BYTES // 1024 // 1024} MB limit"
            )
        data = path.read_bytes()
    except OSError as e:
        raise BulletinError(source, f"cannot be read ({e.strerror or e})") from e
    return read_bytes(data, source)


def read_bytes(data: bytes, source: str) -> RawBulletin:
    text, enc = decode(data, source)
    return RawBulletin(source=source, text=text, encoding=enc, sha256=hashlib.sha256(data).hexdigest())
