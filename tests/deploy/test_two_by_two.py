"""Two web processes and two Celery workers on one PostgreSQL and one Redis (docs/deploy.md).

A scaled-down run of bench/load.py's mixed traffic (bench/harness/mixed.py), spread over both web
processes — a refresh on one and the next request on the other, a top-up made through one and
credited by either worker — then the same books check: no 5xx, nothing lost or doubled,
`ledger_check` passes.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings

from bench.harness.books import books_check
from bench.harness.mixed import (
    Stack,
    Tally,
    stack_fund,
    stack_prepare,
    traffic_run,
    webhook_receiver,
)
from tests.helpers.live import (
    DAPHNE_STARTUP_TIMEOUT_SECONDS,
    CeleryWorker,
    LiveProcess,
    child_environment,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (run with REDIS_URL=redis://…)"),
]

CUSTOMERS = 24
SECONDS = 5.0
CONCURRENCY = 8


@pytest.fixture
def live_process_env(live_process_env: dict[str, str]) -> dict[str, str]:
    return {
        **live_process_env,
        "WEBHOOK_ALLOW_HTTP_LOOPBACK": "true",  # the developer's endpoint is the test's loopback
        "RATE_LIMIT_SECRET_KEY_PER_MINUTE": "1000000000",
        "RATE_LIMIT_SESSION_PER_MINUTE": "1000000000",
        "HOTPATH_PG_POOL_SIZE": "4",
        "REQUEST_LOG_FLUSH_SECONDS": "0.2",
    }


@pytest.fixture
def two_workers(live_process_env, celery_test_queue, tmp_path):
    from tests.helpers.live import _purge_queue

    env = child_environment(live_process_env, queue=celery_test_queue, eager=False)
    workers = []
    _purge_queue(celery_test_queue)
    try:
        for number in (1, 2):
            worker = CeleryWorker(
                env=env, log_path=tmp_path / f"celery-{number}.log", queue=celery_test_queue
            )
            argv = worker.process.argv
            argv[argv.index("-n") + 1] = f"{celery_test_queue}-{number}@%h"
            worker.start()
            workers.append(worker)
        yield workers
    finally:
        for worker in workers:
            worker.stop()
        _purge_queue(celery_test_queue)


@pytest.fixture
def two_web_processes(two_workers, live_process_env, celery_test_queue, tmp_path):
    env = child_environment(live_process_env, queue=celery_test_queue, eager=False)
    daphne = str(Path(sys.executable).parent / "daphne")
    processes, urls = [], []
    try:
        for number in (1, 2):
            process = LiveProcess(
                argv=[daphne, "-b", "127.0.0.1", "-p", "0", "llmgateway.asgi:application"],
                env=env,
                log_path=tmp_path / f"web-{number}.log",
                name=f"web {number}",
            )
            match = process.start(
                ready=re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)"),
                timeout=DAPHNE_STARTUP_TIMEOUT_SECONDS,
            )
            processes.append(process)
            urls.append(f"http://127.0.0.1:{match.group(1)}")
        yield urls, env
    finally:
        for process in processes:
            process.stop()


def test_mixed_load_through_two_web_and_two_worker_processes_keeps_the_books(two_web_processes):
    urls, env = two_web_processes
    stack = Stack(base_urls=urls, database_url=env["DATABASE_URL"], env=env)
    tally = Tally()

    async def run():
        receiver = await webhook_receiver(stack, tally)
        try:
            await stack_prepare(stack, customers=CUSTOMERS, concurrency=8)
            await stack_fund(stack, tally, concurrency=8)
            await traffic_run(stack, tally, seconds=SECONDS, concurrency=CONCURRENCY)
            return await asyncio.to_thread(books_check, stack, tally)
        finally:
            receiver.close()

    books = asyncio.run(run())

    report = "\n".join(books.lines) + f"\nsamples: {tally.samples}"
    assert tally.server_errors() == 0, report
    assert tally.unexpected() == 0, report
    assert sum(tally.statuses[kind]["ok"] for kind in tally.statuses) > 0, report
    assert tally.topups, report  # top-ups were credited through the workers
    assert (books.lost, books.doubled) == (0, 0), report
    assert books.failures == [], report
