"""The plain calls' connection pool (proxy/providers/upstream_pool.py) against a real loopback
HTTP/1.1 server that counts its connections: keep-alive reuse, the connection cap and the pool
timeout, stale connections, the idle cap, and cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpcore
import pytest

from proxy.providers.http import post_json
from proxy.providers.upstream_pool import UpstreamPool

TIMEOUTS = {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}


class CountingServer:
    """Answers every POST with its body echoed as JSON, after `delay` seconds; counts the
    connections it accepted and the most that were open at once. With `close_idle`, it closes
    each connection once it has answered (as a server whose keep-alive ran out does, without
    saying so)."""

    def __init__(self, *, delay: float = 0.0, close_idle: bool = False) -> None:
        self.delay, self.close_idle = delay, close_idle
        self.accepted = self.open = self.most_open = 0

    async def __aenter__(self) -> CountingServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/v1/echo"
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader, writer) -> None:
        self.accepted += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                body = await reader.readexactly(length)
                await asyncio.sleep(self.delay)
                answer = json.dumps({"echo": json.loads(body)}).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer)
                )
                await writer.drain()
                if self.close_idle:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open -= 1
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


def pool(**options) -> UpstreamPool:
    import ssl

    settings = {
        "max_connections": 100,
        "max_idle_connections": 100,
        "keepalive_expiry_seconds": 30.0,
        "ssl_context": ssl.create_default_context(),
        **options,
    }
    return UpstreamPool(**settings)


async def send(upstream: UpstreamPool, url: str, n: int = 0, **timeouts) -> dict:
    status, body, _ = await upstream.request(
        b"POST",
        httpcore.URL(url),
        headers=[(b"content-type", b"application/json")],
        content=json.dumps({"n": n}).encode(),
        timeouts={**TIMEOUTS, **timeouts},
    )
    assert status == 200
    return json.loads(body)


def test_sequential_requests_share_one_keep_alive_connection():
    async def go():
        async with CountingServer() as server:
            upstream = pool()
            answers = [await send(upstream, server.url, n) for n in range(20)]
            counts = (server.accepted, upstream.open_connections, upstream.idle_connections)
            await upstream.aclose()
            return answers, counts

    answers, counts = asyncio.run(go())
    assert answers == [{"echo": {"n": n}} for n in range(20)]
    assert counts == (1, 1, 1)


def test_concurrent_requests_open_connections_that_are_reused_afterwards():
    async def go():
        async with CountingServer(delay=0.05) as server:
            upstream = pool()
            answers = await asyncio.gather(*(send(upstream, server.url, n) for n in range(10)))
            after_burst = (server.accepted, upstream.idle_connections)
            for n in range(10):
                await send(upstream, server.url, n)
            await upstream.aclose()
            return answers, after_burst, server.accepted

    answers, after_burst, accepted = asyncio.run(go())
    assert sorted(answer["echo"]["n"] for answer in answers) == list(range(10))
    assert after_burst == (10, 10)
    assert accepted == 10  # the ten that followed found idle connections


def test_the_connection_cap_holds_and_a_request_waits_for_a_slot():
    async def go():
        async with CountingServer(delay=0.1) as server:
            upstream = pool(max_connections=2)
            answers = await asyncio.gather(*(send(upstream, server.url, n) for n in range(6)))
            await upstream.aclose()
            return len(answers), server.accepted, server.most_open

    assert asyncio.run(go()) == (6, 2, 2)


def test_no_free_slot_within_the_pool_timeout_is_a_pool_timeout():
    async def go():
        async with CountingServer(delay=0.5) as server:
            upstream = pool(max_connections=1)
            slow = asyncio.ensure_future(send(upstream, server.url))
            await asyncio.sleep(0.05)
            with pytest.raises(httpcore.PoolTimeout):
                await send(upstream, server.url, pool=0.1)
            await slow
            await send(upstream, server.url)  # the slot is free again
            await upstream.aclose()
            return server.accepted

    assert asyncio.run(go()) == 1


def test_a_connection_the_server_closed_is_not_reused():
    async def go():
        async with CountingServer(close_idle=True) as server:
            upstream = pool()
            for n in range(5):
                await send(upstream, server.url, n)
                await asyncio.sleep(0.02)  # let the server's close arrive
            await upstream.aclose()
            return server.accepted

    assert asyncio.run(go()) == 5  # each request succeeded, on a fresh connection


def test_idle_connections_beyond_the_cap_are_closed():
    async def go():
        async with CountingServer(delay=0.05) as server:
            upstream = pool(max_idle_connections=2)
            await asyncio.gather(*(send(upstream, server.url, n) for n in range(6)))
            await asyncio.sleep(0.05)
            counts = (upstream.open_connections, upstream.idle_connections, server.open)
            await upstream.aclose()
            return counts

    assert asyncio.run(go()) == (2, 2, 2)


def test_a_cancelled_request_closes_its_connection_and_frees_its_slot():
    async def go():
        async with CountingServer(delay=1.0) as server:
            upstream = pool(max_connections=1)
            request = asyncio.ensure_future(send(upstream, server.url))
            await asyncio.sleep(0.1)
            request.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await request
            after_cancel = upstream.open_connections
            server.delay = 0.0
            answer = await send(upstream, server.url, 7, pool=0.5)
            await upstream.aclose()
            return after_cancel, answer

    assert asyncio.run(go()) == (0, {"echo": {"n": 7}})


def test_post_json_uses_the_pool_and_keeps_one_connection(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)

    async def go():
        from proxy.providers.http import shared_client_close

        async with CountingServer() as server:
            for n in range(5):
                status, body, _ = await post_json(server.url, b'{"n": %d}' % n, {})
                assert (status, json.loads(body)) == (200, {"echo": {"n": n}})
            await shared_client_close()
            return server.accepted

    assert asyncio.run(go()) == 1


def test_under_churn_the_cap_holds_and_no_slot_is_lost():
    """50 requests through 3 connections while a third of them are cancelled at random points
    (waiting for a slot, or mid-answer): never more than 3 open at once (counted on our side:
    the server learns of a close a moment later), the pool's books end even, and it still
    serves."""
    import random

    rng = random.Random(7)

    async def go():
        async with CountingServer(delay=0.01) as server:
            upstream = pool(max_connections=3)
            most_open = 0
            make = upstream._new_connection

            def counted(origin):
                nonlocal most_open
                connection = make(origin)
                most_open = max(most_open, upstream.open_connections)
                return connection

            upstream._new_connection = counted
            tasks = [asyncio.ensure_future(send(upstream, server.url, n)) for n in range(50)]
            for task in rng.sample(tasks, 17):
                await asyncio.sleep(rng.random() * 0.02)
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            books = (upstream.open_connections, upstream.idle_connections, len(upstream._waiters))
            last = await send(upstream, server.url, 99, pool=1.0)
            await upstream.aclose()
            return results, books, most_open, last

    results, (open_count, idle_count, waiting), most_open, last = asyncio.run(go())
    served = [r for r in results if isinstance(r, dict)]
    cancelled = [r for r in results if isinstance(r, asyncio.CancelledError)]
    assert len(served) + len(cancelled) == 50 and len(served) >= 33
    assert most_open <= 3
    assert open_count == idle_count <= 3 and waiting == 0
    assert last == {"echo": {"n": 99}}


def test_a_connection_coming_back_skips_a_waiter_cancelled_a_moment_before():
    """The race the churn test rarely hits: a waiter's task is cancelled, and before it runs
    again a connection comes back. The connection must not go to the abandoned waiter."""
    from proxy.providers.upstream_pool import _key

    async def go():
        async with CountingServer() as server:
            upstream = pool(max_connections=1)
            await send(upstream, server.url)
            origin = httpcore.URL(server.url).origin
            connection = await upstream._connection_for(origin, 5.0)  # the one idle connection
            waiter = asyncio.ensure_future(upstream._connection_for(origin, 5.0))
            await asyncio.sleep(0)  # it is now waiting for a connection
            waiter.cancel()
            await upstream._give_back(_key(origin), connection)  # before the waiter runs again
            with contextlib.suppress(asyncio.CancelledError):
                await waiter
            books = (upstream.open_connections, upstream.idle_connections)
            answer = await send(upstream, server.url, 5, pool=0.5)
            await upstream.aclose()
            return waiter.cancelled(), books, answer, server.accepted

    assert asyncio.run(go()) == (True, (1, 1), {"echo": {"n": 5}}, 1)
