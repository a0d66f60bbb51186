"""Run a callable from many real threads at once, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_concurrently(calls: list[Callable[[], Any]], *, threads: int = 50) -> list[Any]:
    """Run `calls` on `threads` threads released together by a barrier.

    Returns one result per call, in order: the return value or the exception it raised.
    """
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(min(threads, len(calls)))

    def worker(indexes: list[int]) -> None:
        try:
            barrier.wait()
            for index in indexes:
                try:
                    results[index] = calls[index]()
                except Exception as error:  # collected for the test to inspect
                    results[index] = error
        finally:
            connections.close_all()

    buckets = [list(range(start, len(calls), threads)) for start in range(min(threads, len(calls)))]
    workers = [threading.Thread(target=worker, args=(bucket,)) for bucket in buckets]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    return results
