"""Reading bulletin files: encodings that must decode to the same articles, and the bad inputs
that must be refused with a message that names the file and says what to do."""

from __future__ import annotations

import errno
import hashlib
import random
from pathlib import Path

import pytest

from rag.errors import BulletinError
from rag.ingest import MAX_BYTES, read_bulletin, read_bytes
from rag.models import Bulletin
from rag.parse import parse_bulletin

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED_NAMES = sorted(p.name for p in SEEDS.glob("*.txt"))

# a real 1x1 PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4c80000000049454e44ae426082"
)


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def parse_bytes(data: bytes, source: str) -> Bulletin:
    return parse_bulletin(read_bytes(data, source))


# --- encodings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SEED_NAMES)
@pytest.mark.parametrize(
    ("encoding", "expected_label"),
    [
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),  # GBK is a subset of GB18030
        ("utf-16", "utf-16"),  # with its BOM, as Windows writes it
        ("utf-8-sig", "utf-8-sig"),
    ],
)
def test_other_encodings_give_the_same_articles(name: str, encoding: str, expected_label: str) -> None:
    text = seed_text(name)
    reference = parse_bytes(text.encode("utf-8"), name)
    raw = read_bytes(text.encode(encoding), name)
    assert raw.encoding == expected_label
    assert raw.text == text
    got = parse_bulletin(raw)
    assert got.articles == reference.articles
    assert (got.publisher, got.district, got.issue_no, got.issue_date) == (
        reference.publisher,
        reference.district,
        reference.issue_no,
        reference.issue_date,
    )


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_windows_and_old_mac_line_ends(newline: str) -> None:
    name = SEED_NAMES[0]
    text = seed_text(name)
    raw = read_bytes(text.replace("\n", newline).encode("gb18030"), name)
    assert "\r" not in raw.text
    assert parse_bulletin(raw).articles == parse_bytes(text.encode("utf-8"), name).articles


def test_utf8_is_preferred_over_gb18030() -> None:
    raw = read_bytes("区领导调研工作".encode(), "a.txt")
    assert raw.encoding == "utf-8"
    assert raw.text == "区领导调研工作"


def test_files_saved_in_gb18030_are_read(seeds_dir: Path) -> None:
    for f in sorted(seeds_dir.glob("*.txt")):
        text = f.read_text(encoding="utf-8")
        f.write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
        raw = read_bulletin(f)
        assert (raw.source, raw.encoding, raw.text) == (f.name, "gb18030", text)


def test_sha256_is_of_the_bytes(tmp_path: Path) -> None:
    data = seed_text(SEED_NAMES[4]).encode("gb18030")
    f = tmp_path / "x.txt"
    f.write_bytes(data)
    assert read_bulletin(f).sha256 == hashlib.sha256(data).hexdigest()


def test_a_few_damaged_bytes_in_utf8_keep_the_text() -> None:
    data = seed_text(SEED_NAMES[0]).encode("utf-8")
    cut = data.index("项目建".encode())
    damaged = data[:cut] + b"\xff" + data[cut:-1]  # a stray byte, and a last character cut short
    raw = read_bytes(damaged, "damaged.txt")
    assert raw.encoding.startswith("utf-8")
    assert "damaged" in raw.encoding
    b = parse_bulletin(raw)
    # decoded as UTF-8, not as GB18030 mojibake
    assert b.articles[0].title == "二七区召开生态建设工作推进会"
    assert len(b.articles) == 7


# --- bad inputs ------------------------------------------------------------------------------------


def refused(data: bytes, source: str) -> BulletinError:
    with pytest.raises(BulletinError) as info:
        parse_bytes(data, source)
    err = info.value
    assert err.source == source
    assert str(err).startswith(f"{source}: ")
    return err


@pytest.mark.parametrize("data", [b"", b"   \n\n\t  \r\n"], ids=["zero-bytes", "whitespace"])
def test_empty_file(data: bytes) -> None:
    err = refused(data, "empty.txt")
    assert "empty" in err.reason
    assert "remove it" in err.reason or "put" in err.reason


def test_full_width_spaces_only() -> None:
    err = refused("\u3000\u3000\n\u3000\n".encode(), "blank.txt")
    assert "no text" in err.reason


@pytest.mark.parametrize(
    "data",
    [PNG, random.Random(7).randbytes(4096), b"\x00\x01\x02" * 300, "区领导调研工作".encode("utf-16-le")],
    ids=["png", "random", "control-bytes", "utf16-without-bom"],
)
def test_binary_is_refused(data: bytes) -> None:
    err = refused(data, "scan.txt")
    assert "binary" in err.reason
    # says what to do: which plain-text encodings are taken
    assert "UTF-8" in err.reason and "GB18030" in err.reason


def test_heavily_damaged_utf8_is_refused() -> None:
    data = bytearray(seed_text(SEED_NAMES[1]).encode("utf-8"))
    for i in range(10, len(data), 200):
        data[i] = 0xFF
    err = refused(bytes(data), "broken.txt")
    assert "binary or in an unknown encoding" in err.reason


@pytest.mark.parametrize(
    "text",
    [
        "你好",
        "会议通知",
        "二七区\n上街区\n金水区\n中原区\n",  # a list, no article
        "区领导调研工作\n\n详见二版\n",  # a teaser only
    ],
    ids=["two-chars", "four-chars", "list", "teaser-only"],
)
def test_no_article(text: str) -> None:
    err = refused(text.encode("utf-8"), "notes.txt")
    assert "no article found" in err.reason
    assert "headlines followed by paragraphs" in err.reason


def test_masthead_only_is_not_an_article() -> None:
    masthead = "\n".join(seed_text(SEED_NAMES[4]).splitlines()[:13])
    assert "监督电话" in masthead
    err = refused(masthead.encode("utf-8"), "mast.txt")
    assert "no article found" in err.reason


@pytest.mark.parametrize("name", ["bulletin.pdf", "bulletin.docx", "bulletin", "bulletin.txt.bak"])
def test_only_txt_files_are_read(tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    f.write_text(seed_text(SEED_NAMES[0]), encoding="utf-8")
    with pytest.raises(BulletinError) as info:
        read_bulletin(f)
    assert info.value.source == name
    assert ".txt" in info.value.reason


def test_upper_case_suffix_is_fine(tmp_path: Path) -> None:
    f = tmp_path / "BULLETIN.TXT"
    f.write_text(seed_text(SEED_NAMES[0]), encoding="utf-8")
    assert read_bulletin(f).source == "BULLETIN.TXT"


def test_missing_file_is_a_bulletin_error(tmp_path: Path) -> None:
    with pytest.raises(BulletinError) as info:
        read_bulletin(tmp_path / "gone.txt")
    assert info.value.source == "gone.txt"
    assert "cannot be read" in info.value.reason


def test_too_large_file(tmp_path: Path) -> None:
    f = tmp_path / "huge.txt"
    with f.open("wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: no real 20 MB written
    with pytest.raises(BulletinError) as info:
        read_bulletin(f)
    assert info.value.source == "huge.txt"
    assert "larger than" in info.value.reason


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "locked.txt"
    f.write_text(seed_text(SEED_NAMES[0]), encoding="utf-8")

    def denied(self: Path) -> bytes:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(BulletinError) as info:
        read_bulletin(f)
    assert info.value.source == "locked.txt"
    assert "cannot be read (Permission denied)" in info.value.reason
