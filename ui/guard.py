"""The app's front door: requests for another host or from another site are refused, and login
attempts are limited per client.

A web page on another site can make the browser of someone who runs the app send it requests
(DNS rebinding: the page's own name made to resolve to 127.0.0.1); such requests carry that
site's name in `Host` and `Origin`, and would otherwise reach `/update` or `/remove`. Only the
configured host, the loopback names, `allowed_hosts` and addresses typed as such (a rebinding
page needs a name) are answered, and an `Origin` must be one of those with the same port. An ASGI middleware rather
than a FastAPI dependency, so that it runs before every route Gradio adds, its file and queue
routes included.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WRONG_HOST = "请求的主机名不是本服务的地址，已拒绝（Host not served here: add it to allowed_hosts in rag.toml）"
WRONG_ORIGIN = "请求来自其他网站，已拒绝（a request from another site's page was refused）"
TOO_MANY = "登录失败次数过多，请 {s} 秒后再试（too many failed logins from this address: wait {s} s）"


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    return host in ("0.0.0.0", "::", "[::]")


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The names a request's Host may carry: the bound host, the loopback names, the configured
    extra names and, when bound to every interface, this machine's own names and addresses."""
    names = set(LOOPBACK_NAMES) | {host.lower().strip("[]")} | {h.strip().lower() for h in extra if h.strip()}
    if is_wildcard(host):
        try:
            name = socket.gethostname()
            names.add(name.lower())
            names.update(a.lower() for a in socket.gethostbyname_ex(name)[2])
        except OSError:
            pass
    return frozenset(names - {"0.0.0.0", "::"})


def is_ip_literal(host: str) -> bool:
    """An address typed as such: DNS rebinding needs a name, so an address in Host is always the
    address the browser connected to."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def host_of(value: str) -> str:
    """'Example.org:7860' -> 'example.org'; '[::1]:7860' -> '::1'."""
    return split_host(value)[0]


def split_host(value: str, default_port: str = "80") -> tuple[str, str]:
    """'Example.org:7860' -> ('example.org', '7860'); '[::1]' -> ('::1', default_port)."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return value, default_port
        rest = value[end + 1 :]
        return value[1:end], rest[1:] if rest.startswith(":") and rest[1:] else default_port
    if value.count(":") == 1:
        host, port = value.split(":")
        return host, port or default_port
    return value, default_port


class Guard:
    """ASGI middleware: Host/Origin check, then a limit of `max_failures` failed logins per client
    address within `window` seconds (further attempts get 429 until the window has passed)."""

    def __init__(
        self,
        app: ASGIApp,
        hosts: frozenset[str],
        max_failures: int = 5,
        window: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self.failures: dict[str, list[float]] = {}

    def _allowed(self, host: str) -> bool:
        return host in self.hosts or is_ip_literal(host)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host, port = split_host(headers.get("host", ""))
        if not self._allowed(host):
            log.warning("refused a request for host %r (allowed: %s)", host, ", ".join(sorted(self.hosts)))
            return await _refuse(scope, send, 400, WRONG_HOST)
        origin = headers.get("origin")
        if origin is not None:
            parts = urlsplit(origin)
            o_host, o_port = split_host(parts.netloc, "443" if parts.scheme == "https" else "80")
            # the app's own pages send their own origin: the same name (or an allowed one) and port;
            # "null" comes from sandboxed frames and data: pages, which another site can make
            if origin == "null" or not self._allowed(o_host) or o_port != port:
                log.warning("refused a request from origin %r", origin)
                return await _refuse(scope, send, 403, WRONG_ORIGIN)
        path = scope.get("path", "").rstrip("/")
        if scope["type"] == "http" and scope.get("method") == "POST" and path.endswith("/login"):
            return await self._login(scope, receive, send)
        return await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = (scope.get("client") or ("?", 0))[0]
        now = self.clock()
        self._forget_old(now)
        recent = [t for t in self.failures.get(client, []) if now - t < self.window]
        if len(recent) >= self.max_failures:
            self.failures[client] = recent
            wait = int(self.window - (now - recent[0])) + 1
            log.warning("login refused for %s: %d failures in %.0f s", client, len(recent), self.window)
            return await _refuse(scope, send, 429, TOO_MANY.format(s=wait))
        # the attempt counts as a failure from the start, so attempts sent at once are counted too;
        # a successful login clears the count
        recent.append(now)
        self.failures[client] = recent[-self.max_failures :]

        async def watch(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                self.failures.pop(client, None)
            await send(message)

        await self.app(scope, receive, watch)

    def _forget_old(self, now: float) -> None:
        """Drop clients whose failures are all older than the window (the table cannot grow with
        every address that ever failed once)."""
        if len(self.failures) > 1000:
            for client in [c for c, ts in self.failures.items() if not ts or now - ts[-1] >= self.window]:
                del self.failures[client]


async def _refuse(scope: Scope, send: Send, status: int, text: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = text.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
