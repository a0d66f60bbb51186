"""Provider adapters: the environment variables that configure them, and a runner for their
coroutines and streams from sync tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from asgiref.sync import async_to_sync

from proxy.providers.http import shared_client_close

PROVIDER_ENVIRONMENT = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_STYLE",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_API_STYLE",
    "CATALOG_CACHE_SECONDS",
)


T = TypeVar("T")


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
