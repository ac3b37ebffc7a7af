"""A real Milvus server for tests: `milvus-lite server` (pure Python, gRPC, Milvus' protocol)
started as a subprocess on a free loopback port with a temp data folder, stopped at the end.

A server that cannot start fails the tests that need it, with its stderr; nothing is skipped.
Import the fixture into a test module: `from milvus_server import milvus_server`.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.stores.milvus import GRPC_OPTIONS

START_TIMEOUT = 90.0  # seconds: a cold start imports faiss, jieba and grpc on a busy 2-core PC


@dataclass(frozen=True)
class MilvusServer:
    uri: str  # http://127.0.0.1:<port>
    data_dir: Path
    log: Path  # the server's stdout and stderr


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(uri: str) -> bool:
    from pymilvus import MilvusClient

    try:
        client = MilvusClient(uri=uri, timeout=5, grpc_options=GRPC_OPTIONS)
        client.list_collections()
        client.close()
        return True
    except Exception:
        return False


def start_server(root: Path) -> tuple[subprocess.Popen[bytes], MilvusServer]:
    """Start `milvus-lite server` under root and wait until it answers (pytest.fail when not)."""
    port = _free_port()
    data = root / "data"
    log = root / "server.log"
    cmd = [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data), "--host", "127.0.0.1"]
    cmd += ["--port", str(port)]
    out = log.open("wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    server = MilvusServer(f"http://127.0.0.1:{port}", data, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"milvus-lite server exited with {proc.returncode} before answering ({' '.join(cmd)}):\n"
                f"{log.read_text(encoding='utf-8', errors='replace')[-4000:]}"
            )
        if _answers(server.uri):
            return proc, server
        time.sleep(0.5)
    stop_server(proc)
    pytest.fail(
        f"milvus-lite server did not answer on {server.uri} within {START_TIMEOUT:.0f} s ({' '.join(cmd)}):\n"
        f"{log.read_text(encoding='utf-8', errors='replace')[-4000:]}"
    )


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusServer]:
    """One `milvus-lite server` for the session (each test uses its own collection prefix)."""
    proc, server = start_server(tmp_path_factory.mktemp("milvus"))
    try:
        yield server
    finally:
        stop_server(proc)
