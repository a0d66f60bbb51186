"""The one pooled httpx client every upstream call shares (one per event loop, made lazily).

Timeouts: connect 5 s, read `UPSTREAM_TIMEOUT_SECONDS` (default 60; the longest silence
allowed between two bytes of an answer, so long streams are fine), write 30 s, and 10 s to
get a connection from the pool. `UPSTREAM_MAX_CONNECTIONS` (default 500) caps open
connections per process; up to `UPSTREAM_MAX_KEEPALIVE_CONNECTIONS` (default 100) idle ones
are kept for reuse.
"""

from __future__ import annotations

import asyncio
import os
import weakref

import httpx

CONNECT_TIMEOUT_SECONDS = 5.0
WRITE_TIMEOUT_SECONDS = 30.0
POOL_TIMEOUT_SECONDS = 10.0
KEEPALIVE_EXPIRY_SECONDS = 30.0

# Per event loop: an httpx client's connections belong to the loop that opened them. In
# production (daphne) there is one loop per process; tests make a loop per test.
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def upstream_timeout() -> httpx.Timeout:
    return httpx.Timeout(
        connect=CONNECT_TIMEOUT_SECONDS,
        read=_env_number("UPSTREAM_TIMEOUT_SECONDS", 60.0),
        write=WRITE_TIMEOUT_SECONDS,
        pool=POOL_TIMEOUT_SECONDS,
    )


def upstream_limits() -> httpx.Limits:
    return httpx.Limits(
        max_connections=int(_env_number("UPSTREAM_MAX_CONNECTIONS", 500)),
        max_keepalive_connections=int(_env_number("UPSTREAM_MAX_KEEPALIVE_CONNECTIONS", 100)),
        keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS,
    )


def shared_client() -> httpx.AsyncClient:
    """The running loop's client; call from async code only."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        client = httpx.AsyncClient(
            timeout=upstream_timeout(),
            limits=upstream_limits(),
            headers={"User-Agent": "llmgateway"},
            follow_redirects=False,
        )
        _clients[loop] = client
    return client


async def shared_client_close() -> None:
    """Close the running loop's client (at shutdown, or at the end of a test's loop)."""
    client = _clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()
