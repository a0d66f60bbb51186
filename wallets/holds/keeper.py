"""Keeps the holds of requests that are still running from expiring under them.

A hold expires after `HOLD_TTL_SECONDS` so that one left by a crashed process is given back
(wallets.tasks.release_expired_holds). A request that is alive must not lose its hold that way:
a long answer (128k tokens at 50 tokens/s is 40 minutes) would otherwise be released mid-stream
and the freed money spent again. So each event loop has one keeper (wallets.holds makes it): a
request registers its hold while it runs, and a ticker pushes back the expiry of every registered
hold, in one statement, every third of the TTL. A process that dies stops ticking, and its holds
expire as before.

The keeper holds its requests weakly: a request object that was dropped without being settled
stops being kept alive, and its hold expires like a crashed process's.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable

from django.conf import settings

logger = logging.getLogger(__name__)

Extend = Callable[[list[str]], Awaitable[int]]


class HoldKeeper:
    """The live holds of one event loop and the ticker that extends them."""

    def __init__(self, extend: Extend) -> None:
        self.extend = extend
        self.live: weakref.WeakValueDictionary[str, object] = weakref.WeakValueDictionary()
        self.ticker: asyncio.Task | None = None

    def watch(self, hold_id: str, owner: object) -> None:
        self.live[hold_id] = owner
        if self.ticker is None or self.ticker.done():
            self.ticker = asyncio.get_running_loop().create_task(self._tick())

    def forget(self, hold_id: str) -> None:
        self.live.pop(hold_id, None)

    async def _tick(self) -> None:
        interval = max(0.05, settings.HOLD_TTL_SECONDS / 3)
        while self.live:
            await asyncio.sleep(interval)
            hold_ids = list(self.live.keys())
            if not hold_ids:
                break
            try:
                await self.extend(hold_ids)
            except Exception:  # the next tick tries again; expiry is a third of a TTL away
                logger.warning("could not extend %d live holds", len(hold_ids), exc_info=True)
