"""Fault tests: the environment of the live processes, addresses through the TCP proxies,
waiting for a condition, restarting daphne, and the checks every fault test ends with."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from tests.faults.tcp_proxy import TcpProxy
from tests.helpers.live import FAKE_OPENAI_API_KEY

MODEL = "openai/gpt-4o-mini"
HELLO = [{"role": "user", "content": "Hello there, gateway"}]
# Short enough that a test waits seconds, not the production 900 s, for a dead process's hold.
HOLD_TTL_SECONDS = 3
UPSTREAM_TIMEOUT_SECONDS = 1.5


def base_env(fake_openai_server) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": fake_openai_server.base_url,
        "OPENAI_API_KEY": FAKE_OPENAI_API_KEY,
        "REQUEST_LOG_FLUSH_SECONDS": "0",
        "HOLD_TTL_SECONDS": str(HOLD_TTL_SECONDS),
        "UPSTREAM_TIMEOUT_SECONDS": str(UPSTREAM_TIMEOUT_SECONDS),
    }


def url_through(url: str, proxy: TcpProxy) -> str:
    """`url` with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    address = f"{proxy.host}:{proxy.port}"
    netloc = f"{credentials}@{address}" if credentials else address
    return urlunsplit(parts._replace(netloc=netloc))


def wait_until(condition: Callable[[], object], *, timeout: float, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {message}")
        time.sleep(0.05)


def assert_error_shape(response, status: set[int] | int, code: str | None = None) -> dict:
    """A JSON error in the DESIGN.md shape (no HTML page, no traceback)."""
    statuses = {status} if isinstance(status, int) else status
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json"), response.text[:500]
    body = json.loads(response.text)
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"type", "code", "message", "param"}, body
    assert "Traceback" not in response.text and "<html" not in response.text.lower()
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def sse_events(text: str) -> list:
    events = []
    for line in text.splitlines():
        if line.startswith("data: "):
            data = line[len("data: ") :]
            events.append(data if data == "[DONE]" else json.loads(data))
    return events


def daphne_start_again(server) -> str:
    """Start the (killed) daphne of `server` again on the same database; its new base URL."""
    import re

    import httpx

    from tests.helpers.live import DAPHNE_STARTUP_TIMEOUT_SECONDS

    match = server.process.start(
        ready=re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)"),
        timeout=DAPHNE_STARTUP_TIMEOUT_SECONDS,
    )
    server.url = f"http://127.0.0.1:{match.group(1)}"
    wait_until(
        lambda: _healthy(httpx, server.url),
        timeout=DAPHNE_STARTUP_TIMEOUT_SECONDS,
        message="healthz",
    )
    return server.url


def _healthy(httpx, url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def chat(client, token: str, *, stream: bool = False, max_tokens: int = 50):
    return client.post(
        "/v1/chat/completions",
        headers={"Authorization": f"Bearer {token}"},
        json={"model": MODEL, "messages": HELLO, "max_tokens": max_tokens, "stream": stream},
    )
