"""The pooled upstream clients every call shares (one of each per event loop, made lazily).

Streams go through one httpx client. Plain JSON calls (a non-streamed chat, embeddings, images)
go through `post_json`, which speaks httpcore (httpx's own HTTP layer) directly, from a pool
that finds an idle connection in O(1) (upstream_pool.py); skipping httpx's request and response
models and httpcore's pool walk cut the gateway's CPU per plain request (measured in
docs/performance.md). With a proxy configured in
the environment (`HTTPS_PROXY` and friends, which httpx honours and httpcore does not), plain
calls take the httpx client too.

Timeouts: connect 5 s, read `UPSTREAM_TIMEOUT_SECONDS` (default 60; the longest silence
allowed between two bytes of an answer, so long streams are fine), write 30 s, and 10 s to
get a connection from the pool. `UPSTREAM_MAX_CONNECTIONS` (default 500) caps open
connections per process; up to `UPSTREAM_MAX_KEEPALIVE_CONNECTIONS` (default 100) idle ones
are kept for reuse.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Iterable
from typing import Any, NamedTuple

import httpcore
import httpx

from llmgateway.environment import env, env_number
from llmgateway.loop_local import LoopLocal
from proxy.providers.upstream_pool import UpstreamPool

CONNECT_TIMEOUT_SECONDS = 5.0
WRITE_TIMEOUT_SECONDS = 30.0
POOL_TIMEOUT_SECONDS = 10.0
KEEPALIVE_EXPIRY_SECONDS = 30.0

PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
)


# The longest Retry-After an upstream's answer is taken at its word for (proxy/routing/).
MAX_RETRY_AFTER_SECONDS = 300.0


def upstream_timeout(read_seconds: float | None = None) -> httpx.Timeout:
    """The timeouts of an upstream call; `read_seconds` (a deployment's own) replaces
    `UPSTREAM_TIMEOUT_SECONDS`."""
    return httpx.Timeout(
        connect=CONNECT_TIMEOUT_SECONDS,
        read=read_seconds or env_number("UPSTREAM_TIMEOUT_SECONDS", 60.0, positive=True),
        write=WRITE_TIMEOUT_SECONDS,
        pool=POOL_TIMEOUT_SECONDS,
    )


def stream_timeout(read_seconds: float | None) -> Any:
    """The `timeout=` of a streamed call: the shared client's, unless the deployment sets one."""
    return upstream_timeout(read_seconds) if read_seconds else httpx.USE_CLIENT_DEFAULT


def retry_after_seconds(headers: Iterable[tuple[str | bytes, str | bytes]]) -> float | None:
    """How long an answer asks the caller to wait: `retry-after-ms` (OpenAI), else
    `retry-after` in seconds or as an HTTP date; None when absent or unreadable; at most
    MAX_RETRY_AFTER_SECONDS."""
    values = {}
    for name, value in headers:
        name = name.decode("latin-1") if isinstance(name, bytes) else name
        value = value.decode("latin-1") if isinstance(value, bytes) else value
        values[name.lower()] = value.strip()
    seconds: float | None = None
    try:
        if "retry-after-ms" in values:
            seconds = float(values["retry-after-ms"]) / 1000
        elif "retry-after" in values:
            seconds = float(values["retry-after"])
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(values["retry-after"])
            seconds = when.timestamp() - time.time()
        except (KeyError, TypeError, ValueError):
            return None
    if seconds is None or seconds != seconds:  # absent, or NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class UpstreamAnswer(NamedTuple):
    """A whole answer to a plain call."""

    status: int
    content: bytes
    retry_after: float | None = None  # seconds, from the answer's headers (retry_after_seconds)


def upstream_limits() -> httpx.Limits:
    return httpx.Limits(
        max_connections=int(env_number("UPSTREAM_MAX_CONNECTIONS", 500, positive=True)),
        max_keepalive_connections=int(
            env_number("UPSTREAM_MAX_KEEPALIVE_CONNECTIONS", 100, positive=True)
        ),
        keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS,
    )


def _new_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=upstream_timeout(),
        limits=upstream_limits(),
        headers={"User-Agent": "llmgateway"},
        follow_redirects=False,
    )


def _new_pool() -> UpstreamPool:
    limits = upstream_limits()
    return UpstreamPool(
        max_connections=limits.max_connections or 500,
        max_idle_connections=limits.max_keepalive_connections or 100,
        keepalive_expiry_seconds=limits.keepalive_expiry or KEEPALIVE_EXPIRY_SECONDS,
        # httpx's verification defaults (certifi, or SSL_CERT_FILE / SSL_CERT_DIR), made
        # once: httpcore would build a context for every new connection.
        ssl_context=httpx.create_ssl_context(),
    )


# Per event loop: a client's connections belong to the loop that opened them. In production
# there is one loop per process; tests make a loop per test.
_clients: LoopLocal[httpx.AsyncClient] = LoopLocal(_new_client)
_pools: LoopLocal[UpstreamPool] = LoopLocal(_new_pool)  # plain JSON calls (post_json)


def shared_client() -> httpx.AsyncClient:
    """The running loop's client; call from async code only."""
    client = _clients.get()
    if client.is_closed:
        _clients.pop()
        client = _clients.get()
    return client


async def shared_client_close() -> None:
    """Close the running loop's clients (at shutdown, or at the end of a test's loop)."""
    client = _clients.pop()
    if client is not None:
        await client.aclose()
    pool = _pools.pop()
    if pool is not None:
        await pool.aclose()


def json_bytes(body: object) -> bytes:
    """A request body as httpx's `json=` would encode it (compact, UTF-8, no NaN)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _proxy_configured() -> bool:
    return any(env.str(name, default="") for name in PROXY_VARIABLES)


async def post_json(
    url: str, content: bytes, headers: dict[str, str], *, read_timeout: float | None = None
) -> UpstreamAnswer:
    """POST a JSON body and read the whole answer (`read_timeout`: a deployment's own, else
    `UPSTREAM_TIMEOUT_SECONDS`).

    Failures raise httpx's exceptions, as the client's own calls do: `httpx.TimeoutException`
    for a timeout (connect, write, read or waiting for a pooled connection), another
    `httpx.TransportError` for anything else on the wire."""
    merged = {"user-agent": "llmgateway", "content-type": "application/json"}
    merged.update((name.lower(), value) for name, value in headers.items())
    merged["accept-encoding"] = "identity"  # nothing to decode on our side
    if _proxy_configured():
        response = await shared_client().post(
            url, content=content, headers=merged, timeout=stream_timeout(read_timeout)
        )
        return UpstreamAnswer(
            response.status_code,
            response.content,
            retry_after_seconds(response.headers.items()) if response.status_code >= 400 else None,
        )
    timeout = upstream_timeout(read_timeout)
    header_list = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in merged.items()
    ]
    try:
        status, body, answer_headers = await _pools.get().request(
            b"POST",
            httpcore.URL(url),
            headers=header_list,
            content=content,
            timeouts={
                "connect": timeout.connect,
                "read": timeout.read,
                "write": timeout.write,
                "pool": timeout.pool,
            },
        )
    except httpcore.TimeoutException as error:
        raise httpx.TimeoutException(str(error) or type(error).__name__) from None
    except (httpcore.ProtocolError, httpcore.NetworkError, httpcore.UnsupportedProtocol) as error:
        raise httpx.TransportError(str(error) or type(error).__name__) from None
    if status < 400:
        return UpstreamAnswer(status, body)
    return UpstreamAnswer(status, body, retry_after_seconds(answer_headers))
