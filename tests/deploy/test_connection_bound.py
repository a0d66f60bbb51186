"""A burst of requests must not pile up PostgreSQL connections (docs/deploy.md "PostgreSQL").

Under ASGI every request runs its sync code (the ORM views: here session mints) on a thread of
its own. With persistent connections (`CONN_MAX_AGE` > 0) each finished thread left its
connection open until the garbage collector found it, and a burst of mints exhausted
`max_connections`. The default now closes each request's connection at its end, and
`DATABASE_POOL_MAX_SIZE` bounds a process's connections with Django's psycopg pool: both are
measured here on a live daphne, counting the server's backends in `pg_stat_activity`.
"""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.helpers.live import live_database_url

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (run with REDIS_URL=redis://…)"),
]

MINTS = 120
IN_FLIGHT = 40
POOL_MAX_SIZE = 4


@pytest.fixture(params=["per-request", "pool"])
def live_process_env(request, live_process_env: dict[str, str]) -> dict[str, str]:
    extra = {"RATE_LIMIT_SECRET_KEY_PER_MINUTE": "1000000000"}
    if request.param == "pool":
        extra["DATABASE_POOL_MAX_SIZE"] = str(POOL_MAX_SIZE)
    return {**live_process_env, **extra}


class BackendCounter:
    """Samples how many backends other than the test's own are connected to the test database."""

    def __init__(self) -> None:
        self._connection = psycopg.connect(live_database_url(), autocommit=True)
        connection.ensure_connection()  # the test's own Django connection, left out of the count
        self._ours = connection.connection.info.backend_pid
        self._stop = threading.Event()
        self.samples: list[int] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def count(self) -> int:
        row = self._connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid NOT IN (pg_backend_pid(), %s)",
            [self._ours],
        ).fetchone()
        return row[0]

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.count())
            time.sleep(0.01)

    def __enter__(self) -> BackendCounter:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def close(self) -> None:
        self._connection.close()


async def _mint_burst(url: str, key: str) -> list[int]:
    gate = asyncio.Semaphore(IN_FLIGHT)
    limits = httpx.Limits(max_connections=IN_FLIGHT)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def mint(index: int) -> int:
            async with gate:
                response = await client.post(
                    f"{url}/v1/sessions",
                    json={"customer": f"burst_{index}"},
                    headers={"Authorization": f"Bearer {key}"},
                )
                return response.status_code

        return await asyncio.gather(*(mint(index) for index in range(MINTS)))


def test_a_burst_of_session_mints_leaves_no_connection_behind(request, live_server_url, secret_key):
    pooled = request.node.callspec.params["live_process_env"] == "pool"
    counter = BackendCounter()
    try:
        idle = counter.count()  # the server's own (the hot path opens its pool lazily)
        with counter:
            statuses = asyncio.run(_mint_burst(live_server_url, secret_key))
        time.sleep(1.0)  # a request's connection closes as its response goes out
        after = counter.count()
    finally:
        counter.close()

    assert statuses == [201] * MINTS
    peak = max(counter.samples)
    assert peak > idle  # the burst did reach the database
    if pooled:
        assert peak <= idle + POOL_MAX_SIZE, (idle, peak)
        assert after <= idle + POOL_MAX_SIZE, (idle, after)
    else:
        assert peak <= idle + IN_FLIGHT, (idle, peak)
        assert after <= idle + 1, (idle, after)  # not one per finished thread
