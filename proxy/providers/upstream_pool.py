"""The connection pool of the plain upstream calls: an idle connection found in O(1).

httpcore's AsyncConnectionPool walks every connection it holds on each request, and polls
every idle one's socket to see whether the server closed it. A busy worker holds dozens of
keep-alive connections to one provider, and that walk was about a sixth of its CPU at 32
concurrent requests (docs/performance.md). Here idle connections wait on a stack per origin: a
request takes the most recently used one and checks only that one; the oldest idle connection
is checked as each one comes back, so stale ones don't pile up. The HTTP is still httpcore's
(one `AsyncHTTPConnection` per socket), and so are its exceptions.

Every open connection holds one of `max_connections` slots. A request that finds no idle
connection and no free slot waits, first come first served, up to the pool timeout
(`httpcore.PoolTimeout`): a connection coming back goes straight to a waiter for its origin,
and a closed one's slot to the first waiter.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ssl

import httpcore


class UpstreamPool:
    def __init__(
        self,
        *,
        max_connections: int,
        max_idle_connections: int,
        keepalive_expiry_seconds: float,
        ssl_context: ssl.SSLContext,
    ) -> None:
        # By (scheme, host, port): httpcore's Origin is not hashable.
        self._idle: dict[_Key, list[httpcore.AsyncHTTPConnection]] = {}
        self._idle_count = 0
        self._max_connections = max_connections
        self._max_idle = max_idle_connections
        self._keepalive_expiry = keepalive_expiry_seconds
        self._ssl_context = ssl_context
        self._open: set[httpcore.AsyncHTTPConnection] = set()
        # Requests waiting for a connection, first come first served. A waiter is handed an
        # idle connection of its origin, or None: a slot was freed and kept for it.
        self._waiters: collections.deque[tuple[_Key, asyncio.Future]] = collections.deque()
        self._slots_kept_for_waiters = 0

    @property
    def open_connections(self) -> int:
        return len(self._open)

    @property
    def idle_connections(self) -> int:
        return self._idle_count

    async def request(
        self,
        method: bytes,
        url: httpcore.URL,
        *,
        headers: list[tuple[bytes, bytes]],
        content: bytes,
        timeouts: dict[str, float | None],  # None: no limit (httpcore and asyncio alike)
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """Send one request and read its whole answer: (status, body, headers)."""
        connection = await self._connection_for(url.origin, timeouts["pool"])
        headers = [
            (b"host", _host_header(url)),
            (b"content-length", b"%d" % len(content)),
            *headers,
        ]
        request = httpcore.Request(
            method, url, headers=headers, content=content, extensions={"timeout": timeouts}
        )
        try:
            response = await connection.handle_async_request(request)
            try:
                body = await response.aread()
            finally:
                await response.aclose()
        except BaseException:
            await self._close(connection)
            raise
        await self._give_back(_key(url.origin), connection)
        return response.status, body, response.headers

    async def aclose(self) -> None:
        for connection in list(self._open):
            await self._close(connection)
        self._idle.clear()
        self._idle_count = 0

    async def _connection_for(
        self, origin: httpcore.Origin, pool_timeout: float | None
    ) -> httpcore.AsyncHTTPConnection:
        key = _key(origin)
        stack = self._idle.get(key)
        while stack:
            connection = stack.pop()
            self._idle_count -= 1
            if connection.is_idle() and not connection.has_expired():
                return connection
            await self._close(connection)  # the server closed it, or it is past its keep-alive
        if not self._has_free_slot() and self._idle_count:
            await self._close_oldest_idle()  # an idle connection elsewhere gives up its slot
        if self._has_free_slot():
            return self._new_connection(origin)
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append((key, waiter))
        try:
            async with asyncio.timeout(pool_timeout):
                granted = await waiter
        except BaseException as error:
            await self._forgo(key, waiter)
            if isinstance(error, TimeoutError):
                raise httpcore.PoolTimeout("No upstream connection became free in time.") from None
            raise
        if granted is None:
            self._slots_kept_for_waiters -= 1
            return self._new_connection(origin)
        return granted

    def _has_free_slot(self) -> bool:
        return len(self._open) + self._slots_kept_for_waiters < self._max_connections

    def _new_connection(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        connection = httpcore.AsyncHTTPConnection(
            origin=origin, ssl_context=self._ssl_context, keepalive_expiry=self._keepalive_expiry
        )
        self._open.add(connection)
        return connection

    async def _forgo(self, key: _Key, waiter: asyncio.Future) -> None:
        """A waiter that timed out or was cancelled: whatever it was handed goes back."""
        with contextlib.suppress(ValueError):
            self._waiters.remove((key, waiter))
        if not waiter.done():
            waiter.cancel()
        elif not waiter.cancelled():
            granted = waiter.result()
            if granted is None:
                self._slots_kept_for_waiters -= 1
                self._grant_free_slot()
            else:
                await self._give_back(key, granted)

    async def _give_back(self, key: _Key, connection: httpcore.AsyncHTTPConnection) -> None:
        if not connection.is_idle():
            await self._close(connection)  # the server said Connection: close
            return
        self._drop_abandoned_waiters()
        for waiting in self._waiters:
            if waiting[0] == key and not waiting[1].done():
                self._waiters.remove(waiting)
                waiting[1].set_result(connection)
                return
        if self._waiters or self._idle_count >= self._max_idle:
            await self._close(connection)  # its slot goes to a waiter for another origin
            return
        stack = self._idle.setdefault(key, [])
        if stack and stack[0].has_expired():
            self._idle_count -= 1
            await self._close(stack.pop(0))
        stack.append(connection)
        self._idle_count += 1

    async def _close_oldest_idle(self) -> None:
        for stack in self._idle.values():
            if stack:
                self._idle_count -= 1
                await self._close(stack.pop(0))
                return

    async def _close(self, connection: httpcore.AsyncHTTPConnection) -> None:
        if connection in self._open:
            self._open.discard(connection)
            self._grant_free_slot()
        with contextlib.suppress(Exception):
            await connection.aclose()

    def _grant_free_slot(self) -> None:
        self._drop_abandoned_waiters()
        if self._waiters and self._has_free_slot():
            _, waiter = self._waiters.popleft()
            self._slots_kept_for_waiters += 1
            waiter.set_result(None)

    def _drop_abandoned_waiters(self) -> None:
        # A waiter whose task was cancelled (or timed out) has a cancelled future until that
        # task runs again and forgoes its place.
        if any(waiter.done() for _, waiter in self._waiters):
            self._waiters = collections.deque(
                (key, waiter) for key, waiter in self._waiters if not waiter.done()
            )


_Key = tuple[bytes, bytes, int]


def _key(origin: httpcore.Origin) -> tuple[bytes, bytes, int]:
    return origin.scheme, origin.host, origin.port


def _host_header(url: httpcore.URL) -> bytes:
    default_port = {b"http": 80, b"https": 443}.get(url.scheme)
    if url.port is None or url.port == default_port:
        return url.host
    return b"%s:%d" % (url.host, url.port)
