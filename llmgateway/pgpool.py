"""A small pool of async psycopg connections per event loop, for the statements of the hot path.

The money steps of a model request (wallets/holds/pg.py) and the request-log writer
(proxy/logs_pg.py) run plain SQL on these autocommit connections straight from the event loop:
no thread hop, no ORM (DESIGN.md §7). Everything else uses Django's connections. At most
`HOTPATH_PG_POOL_SIZE` connections per loop are open at once; `HOTPATH_PG_PREPARE_THRESHOLD` is
psycopg's (None: never prepare, for a transaction-mode pooler in front of PostgreSQL).
"""

from __future__ import annotations

import asyncio
import contextlib

import psycopg
from django.conf import settings
from django.db import connections

from llmgateway.loop_local import LoopLocal


class LoopPool:
    """Autocommit connections for one event loop, at most `max_size` at once."""

    def __init__(self, conninfo: dict, max_size: int) -> None:
        self.conninfo, self.max_size = conninfo, max_size
        self.idle: list[psycopg.AsyncConnection] = []
        self.open_count = 0
        self.waiters: list[asyncio.Future] = []
        self.closed = False

    async def aclose(self) -> None:
        """At the loop's shutdown: close the idle connections; the busy ones close as they
        are given back."""
        self.closed = True
        idle, self.idle = self.idle, []
        for connection in idle:
            with contextlib.suppress(Exception):
                await connection.close()

    async def acquire(self) -> psycopg.AsyncConnection:
        while True:
            if self.idle:
                return self.idle.pop()
            if self.open_count < self.max_size:
                self.open_count += 1
                try:
                    return await psycopg.AsyncConnection.connect(**self.conninfo, autocommit=True)
                except BaseException:
                    self.open_count -= 1
                    raise
            waiter = asyncio.get_running_loop().create_future()
            self.waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self.waiters:
                    self.waiters.remove(waiter)

    def release(self, connection: psycopg.AsyncConnection, *, healthy: bool) -> None:
        reusable = (
            healthy
            and not self.closed
            and not connection.closed
            and connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        )
        if reusable:
            self.idle.append(connection)
        else:
            self.open_count -= 1
            if not connection.closed:
                asyncio.get_running_loop().create_task(connection.close())
        while self.waiters:
            waiter = self.waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                break

    @contextlib.asynccontextmanager
    async def connection(self):
        connection = await self.acquire()
        healthy = False
        try:
            yield connection
            healthy = True
        finally:
            self.release(connection, healthy=healthy)


def _conninfo() -> dict:
    database = connections["default"].settings_dict
    info = {
        "dbname": database["NAME"],
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "application_name": "llmgateway-hotpath",
    }
    info = {key: value for key, value in info.items() if value is not None}
    info["prepare_threshold"] = settings.HOTPATH_PG_PREPARE_THRESHOLD  # None: never prepare
    return info


_pools: LoopLocal[LoopPool] = LoopLocal(
    lambda: LoopPool(_conninfo(), settings.HOTPATH_PG_POOL_SIZE), close=LoopPool.aclose
)


def pool() -> LoopPool:
    """The running loop's pool."""
    return _pools.get()
