"""The app's front door (`ui.guard`), the exposure check and the configuration's errors.

The middleware is tested on a small Starlette app with a login route that behaves like Gradio's
(400 on wrong credentials); tests/test_app_client.py runs the same checks against the real server.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from rag.config import Settings, load_settings
from rag.errors import RagError
from ui.app import check_exposure, launch_options
from ui.guard import Guard, allowed_hosts, host_of

ROOT = Path(__file__).resolve().parents[1]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _app(clock: Clock, hosts: frozenset[str] = frozenset({"testserver", "127.0.0.1", "localhost"})) -> TestClient:
    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def login(request: Request) -> PlainTextResponse:
        form = await request.form()
        ok = form.get("password") == "s3cret"
        return PlainTextResponse("in" if ok else "Incorrect credentials.", status_code=200 if ok else 400)

    app = Starlette(
        routes=[Route("/", home), Route("/login", login, methods=["POST"]), Route("/login/", login, methods=["POST"])],
        middleware=[Middleware(Guard, hosts=hosts, max_failures=3, window=60.0, clock=clock)],
    )
    return TestClient(app)


def test_requests_for_another_host_or_from_another_site_are_refused() -> None:
    c = _app(Clock())
    assert c.get("/").status_code == 200
    assert c.get("/", headers={"host": "localhost:7860"}).status_code == 200
    assert c.get("/", headers={"origin": "http://testserver"}).status_code == 200
    assert c.get("/", headers={"host": "localhost:7860", "origin": "http://127.0.0.1:7860"}).status_code == 200
    assert c.get("/", headers={"host": "192.168.1.20:7860"}).status_code == 200  # an address: no rebinding
    # another service on this machine (another port), a sandboxed frame or a data: page of another site
    assert c.get("/", headers={"host": "localhost:7860", "origin": "http://localhost:8000"}).status_code == 403
    assert c.post("/login", headers={"origin": "null"}, data={"password": "s3cret"}).status_code == 403
    r = c.get("/", headers={"host": "evil.example:7860"})
    assert r.status_code == 400 and "主机名" in r.text
    r = c.post("/login", headers={"origin": "http://evil.example"}, data={"password": "s3cret"})
    assert r.status_code == 403 and "其他网站" in r.text and "access-control-allow-origin" not in r.headers


def test_failed_logins_are_limited_per_client_and_the_limit_expires() -> None:
    clock = Clock()
    c = _app(clock)
    for _ in range(3):
        assert c.post("/login", data={"password": "wrong"}).status_code == 400
    r = c.post("/login", data={"password": "s3cret"})  # the right one is refused too, for now
    assert r.status_code == 429 and "秒后再试" in r.text
    clock.now += 61
    assert c.post("/login", data={"password": "s3cret"}).status_code == 200


def test_the_limit_holds_with_a_trailing_slash_and_for_attempts_sent_at_once() -> None:
    import asyncio

    import httpx

    clock = Clock()
    c = _app(clock)
    for _ in range(3):
        c.post("/login/", data={"password": "wrong"})
    assert c.post("/login/", data={"password": "s3cret"}).status_code == 429

    clock.now += 61
    app = c.app

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as ac:
            rs = await asyncio.gather(*(ac.post("/login", data={"password": "wrong"}) for _ in range(20)))
        return [r.status_code for r in rs]

    codes = asyncio.run(burst())
    assert codes.count(400) <= 3 and codes.count(429) >= 17


def test_the_failure_table_forgets_old_clients() -> None:
    clock = Clock()
    guard = Guard(lambda *a: None, frozenset({"testserver"}), max_failures=3, window=60.0, clock=clock)  # type: ignore[arg-type,return-value]
    guard.failures = {f"10.0.{i // 256}.{i % 256}": [clock.now] for i in range(2000)}
    clock.now += 61
    guard._forget_old(clock.now)
    assert guard.failures == {}


def test_a_successful_login_clears_the_count() -> None:
    c = _app(Clock())
    for _ in range(2):
        c.post("/login", data={"password": "wrong"})
    assert c.post("/login", data={"password": "s3cret"}).status_code == 200
    for _ in range(2):
        assert c.post("/login", data={"password": "wrong"}).status_code == 400


def test_host_names() -> None:
    assert host_of("Example.org:7860") == "example.org"
    assert host_of("[::1]:7860") == "::1"
    assert host_of("localhost") == "localhost"
    hosts = allowed_hosts("127.0.0.1", ["news-pc", " 10.0.0.5 ", ""])
    assert {"127.0.0.1", "localhost", "::1", "news-pc", "10.0.0.5"} <= hosts and "" not in hosts
    assert "0.0.0.0" not in allowed_hosts("0.0.0.0")
    options = launch_options(Settings())
    assert options["app_kwargs"]["middleware"][0].cls is Guard


@pytest.mark.parametrize(
    "settings, refused",
    [
        (Settings(host="127.0.0.1"), False),
        (Settings(host="localhost"), False),
        (Settings(host="0.0.0.0"), True),
        (Settings(host="0.0.0.0", auth="editor:pw"), False),
        (Settings(host="0.0.0.0", allow_open=True), False),
        (Settings(host="192.168.1.20"), True),
    ],
)
def test_serving_beyond_this_machine_needs_a_login_or_allow_open(settings: Settings, refused: bool) -> None:
    if refused:
        with pytest.raises(RagError, match="allow-open"):
            check_exposure(settings)
    else:
        check_exposure(settings)


def test_serve_refuses_an_open_bind_in_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "RAG_CONFIG": str(tmp_path / "none.toml"), "RAG_INDEX_DIR": str(tmp_path / "i")}
    r = subprocess.run(
        [sys.executable, "-m", "rag", "serve", "--host", "0.0.0.0"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: 不设登录就向网络开放") and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "text, env, match",
    [
        ("port = 7860\naut = 'editor:pw'\n", {}, "不认识的配置项：aut"),
        ("port = [", {}, "无法读取"),
        ("port = 'abc'\n", {}, "port"),
        ("", {"RAG_PORT": "abc"}, "RAG_PORT"),
        ("", {"RAG_PORT": "²"}, "RAG_PORT"),
        ("", {"RAG_TOP_K": "--5"}, "RAG_TOP_K"),
        ("", {"RAG_PORT": "70000"}, "1 到 65535"),
        ("top_k = inf\n", {}, "top_k"),
        ("top_k = -3\n", {}, "不小于 1"),
        ("top_k = 0\n", {}, "top_k"),
        ("top_k = 1.5\n", {}, "top_k"),
        ("port = 1e3\n", {}, "port"),
        ("max_passages_per_bulletin = -1\n", {}, "max_passages_per_bulletin"),
        ("corpus_dir = [1, 2]\n", {}, "引号"),
        ("model = {a = 1}\n", {}, "model"),
        ("allow_open = 'maybe'\n", {}, "true 或 false"),
    ],
)
def test_bad_configuration_is_refused_with_the_key(tmp_path: Path, text: str, env: dict[str, str], match: str) -> None:
    cfg = tmp_path / "rag.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(RagError, match=match):
        load_settings(cfg, env=env)


def test_good_configuration_values(tmp_path: Path) -> None:
    cfg = tmp_path / "rag.toml"
    cfg.write_text("port = 8000\nallow_open = true\nallowed_hosts = 'news-pc'\n", encoding="utf-8")
    s = load_settings(cfg, env={"RAG_TOP_K": "7"})
    assert (s.port, s.allow_open, s.allowed_hosts, s.top_k) == (8000, True, "news-pc", 7)
    assert load_settings(None, env={"RAG_CONFIG": str(cfg)}).port == 8000


def test_cli_reports_a_bad_configuration_in_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "RAG_PORT": "abc", "RAG_CONFIG": str(tmp_path / "none.toml")}
    r = subprocess.run([sys.executable, "-m", "rag", "info"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "RAG_PORT" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
