"""Per-event-loop state: one value for each running event loop, made on first use.

Whatever is bound to an event loop — an asyncio connection or client, a semaphore, the registry
a background task reads — must not be shared between loops. A server process runs one loop;
tests run one per test, one after another. So every such value lives in a `LoopLocal`: `get()`
answers the running loop's value, a loop that has gone takes its value with it, and a value
given a `close` is closed when its loop shuts down (`asyncio.run` cancels the tasks it leaves,
among them the keeper task that closes it), so no connection outlives its loop and a test
database can be dropped.

A lookup is a dictionary read on the loop's id, checked against a weak reference to the loop
(an id is reused once its loop is gone): it is on the hot path of every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class LoopLocal(Generic[T]):
    def __init__(
        self,
        factory: Callable[[], T],
        *,
        close: Callable[[T], Awaitable[object]] | None = None,
    ) -> None:
        self.factory = factory
        self.close = close
        # loop id -> (the loop, weakly; its value; the task that closes it at shutdown, if any)
        self.values: dict[int, tuple[weakref.ref, T, asyncio.Task | None]] = {}

    def get(self) -> T:
        """The running loop's value (from async code only)."""
        loop = asyncio.get_running_loop()
        entry = self.values.get(id(loop))
        if entry is not None and entry[0]() is loop:
            return entry[1]
        return self._make(loop)

    def __getitem__(self, loop: asyncio.AbstractEventLoop) -> T:
        """The value `loop` has, without making one (KeyError if it has none)."""
        entry = self.values.get(id(loop))
        if entry is None or entry[0]() is not loop:
            raise KeyError(loop)
        return entry[1]

    def pop(self) -> T | None:
        """Forget the running loop's value and hand it over (the caller closes it); the next
        `get()` makes a new one."""
        loop = asyncio.get_running_loop()
        entry = self.values.get(id(loop))
        if entry is None or entry[0]() is not loop:
            return None
        del self.values[id(loop)]
        if entry[2] is not None:
            entry[2].cancel()
        return entry[1]

    def _make(self, loop: asyncio.AbstractEventLoop) -> T:
        value = self.factory()
        key, values = id(loop), self.values

        def collected(reference: weakref.ref) -> None:
            entry = values.get(key)
            if entry is not None and entry[0] is reference:
                del values[key]

        closer = None
        if self.close is not None:
            closer = loop.create_task(self._close_at_shutdown(key, value))
        values[key] = (weakref.ref(loop, collected), value, closer)
        return value

    async def _close_at_shutdown(self, key: int, value: T) -> None:
        assert self.close is not None
        try:
            await asyncio.get_running_loop().create_future()
        finally:
            entry = self.values.get(key)
            if entry is not None and entry[1] is value:  # not handed over by pop()
                del self.values[key]
                with contextlib.suppress(Exception):
                    await self.close(value)
