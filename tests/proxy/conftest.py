"""Provider adapter tests: loopback fakes, isolated provider configuration, an async runner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import pytest
from asgiref.sync import async_to_sync

from billing.selectors import catalog_cache_clear
from proxy.providers.http import shared_client_close
from tests.billing.conftest import PROVIDER_ENVIRONMENT
from tests.fakes.anthropic_fixture import fake_anthropic, fake_anthropic_server  # noqa: F401

T = TypeVar("T")


@pytest.fixture(autouse=True)
def _isolated_provider_configuration(monkeypatch):
    for name in (
        *PROVIDER_ENVIRONMENT,
        "UPSTREAM_TIMEOUT_SECONDS",
        "TEST_MODEL_STREAM_DELAY_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    catalog_cache_clear()
    yield
    catalog_cache_clear()


def run(function: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """Run a coroutine function to completion from a sync test, as Django's views would:
    `sync_to_async` database work inside it comes back to this thread (the test's
    connection and transaction). The loop's shared httpx client is closed afterwards."""

    async def main() -> T:
        try:
            return await function(*args, **kwargs)
        finally:
            await shared_client_close()

    return async_to_sync(main)()


async def collect(stream: AsyncIterator[T]) -> list[T]:
    return [event async for event in stream]


def run_stream(stream_factory: Callable[[], AsyncIterator[T]]) -> list[T]:
    """All events of a stream made inside the runner's loop."""

    async def consume() -> list[T]:
        return await collect(stream_factory())

    return run(consume)
