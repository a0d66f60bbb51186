"""Failover before the first byte: try a request's routes in order until one answers.

An attempt fails over to the next route when its upstream fails in a way another deployment
may not: 429 (rate limited), 5xx, a timeout or a connection that could not be made (502/504
from the adapters), and 401/403 (this deployment's credentials were refused). A request the
upstream refuses as invalid (400, 404, 413, 422) or that no adapter can serve is not retried:
it would fail the same everywhere. A stream fails over only until its first event: once
output has reached the client there is no retry (the stream is billed for what was delivered,
proxy/calls/chat_stream.py).

Bounds: the routes `order_routes` kept (`ROUTING_MAX_ATTEMPTS`), and no new attempt once
`ROUTING_MAX_SECONDS` (default 60) have passed since the request arrived. Every attempt's
outcome goes on the health board; only the attempt that answers is billed.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from llmgateway.environment import env_number
from proxy.providers.base import UpstreamError
from proxy.routing.health import HealthBoard
from proxy.routing.routes import Route

T = TypeVar("T")

# Upstream statuses that say something about the deployment rather than the request.
FAILOVER_STATUSES = frozenset({401, 403, 408, 409, 425, 429})


def max_seconds() -> float:
    return env_number("ROUTING_MAX_SECONDS", 60.0, positive=True)


def fails_over(error: UpstreamError) -> bool:
    """Would another deployment be worth trying after this failure?"""
    return error.status >= 500 or error.status in FAILOVER_STATUSES


class Attempts:
    """The routes of one request and which of them is being tried."""

    def __init__(self, routes: list[Route], *, board: HealthBoard, started: float) -> None:
        assert routes, "a call has at least one route"
        self.routes = routes
        self.board = board
        self.started = started  # time.perf_counter() when the request arrived
        self.route = routes[0]
        self.count = 0  # attempts made

    async def first_success(self, attempt: Callable[[Route], Awaitable[T]]) -> T:
        """`attempt(route)` on each route in turn until one succeeds; raises the last
        route's error when none does (or the first error that does not fail over)."""
        deadline = self.started + max_seconds()
        last_error: UpstreamError | None = None
        for index, route in enumerate(self.routes):
            if index and time.perf_counter() >= deadline:
                break
            self.route = route
            self.count = index + 1
            began = time.perf_counter()
            self.board.attempt_started(route.deployment_id, time.time())
            try:
                result = await attempt(route)
            except UpstreamError as error:
                if not fails_over(error):
                    raise
                self.board.failed(
                    route.deployment_id, now=time.time(), retry_after=error.retry_after
                )
                last_error = error
                if index + 1 == len(self.routes):
                    raise
                continue
            self.board.succeeded(
                route.deployment_id, latency_ms=(time.perf_counter() - began) * 1000
            )
            return result
        assert last_error is not None  # the loop stops early only after a failed attempt
        raise last_error
