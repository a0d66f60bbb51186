"""How each deployment has been doing: consecutive failures, cooldowns, probes and latency.

A deployment that fails `ROUTING_COOLDOWN_FAILURES` times in a row (default 3), or answers 429
with a Retry-After, cools down: routing skips it for `ROUTING_COOLDOWN_SECONDS` (default 30)
or the Retry-After, whichever is longer. When the cooldown ends, one request probes it (the
others keep skipping it for up to `ROUTING_PROBE_SECONDS`, default 10): a success brings it
back in, a failure cools it down again. Only failures that say something about the deployment
count (proxy/routing/failover.py): a request the upstream refuses as invalid does not.

The board is per process and lives on the event loop's thread. With `REDIS_URL` set, a
cooldown is also written to one Redis hash and every process reads that hash at most once per
`SYNC_SECONDS`, off the request path, so one process's discovery spares the others the
failures; a process that probes a deployment back in removes its entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings

from llmgateway.environment import env_number
from proxy.providers.http import MAX_RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)

COOLDOWNS_KEY = "llmgateway:routing:cooldowns"  # hash: deployment id -> until (epoch seconds)
SYNC_SECONDS = 1.0
LATENCY_SMOOTHING = 0.2  # weight of the newest sample in the moving average


def cooldown_failures() -> int:
    return int(env_number("ROUTING_COOLDOWN_FAILURES", 3, positive=True))


def cooldown_seconds() -> float:
    return env_number("ROUTING_COOLDOWN_SECONDS", 30.0, positive=True)


def probe_seconds() -> float:
    return env_number("ROUTING_PROBE_SECONDS", 10.0, positive=True)


@dataclass
class DeploymentState:
    failures: int = 0  # in a row
    cooldown_until: float = 0.0  # epoch seconds; 0: not cooling down
    probe_until: float = 0.0  # a probe is under way until then
    latency_ms: float | None = None  # moving average of successful attempts


class HealthBoard:
    """The health of every deployment this process has tried."""

    def __init__(self, *, shared: bool | None = None) -> None:
        self.states: dict[int, DeploymentState] = {}
        self.shared = bool(settings.REDIS_URL) if shared is None else shared
        self.synced_at = 0.0
        self.syncing: asyncio.Task | None = None
        self.pending: set[asyncio.Task] = set()

    # Reading (routing order)

    def cooling(self, deployment_id: int, now: float) -> bool:
        """Is this deployment to be skipped now: cooling down, or being probed by another
        request?"""
        state = self.states.get(deployment_id)
        if state is None or not state.cooldown_until:
            return False
        return now < state.cooldown_until or now < state.probe_until

    def cooldown_until(self, deployment_id: int) -> float:
        state = self.states.get(deployment_id)
        return state.cooldown_until if state else 0.0

    def latency_ms(self, deployment_id: int) -> float | None:
        state = self.states.get(deployment_id)
        return state.latency_ms if state else None

    # Writing (the outcome of each attempt)

    def attempt_started(self, deployment_id: int, now: float) -> None:
        """An attempt on a deployment whose cooldown has ended is its probe: others wait."""
        state = self.states.get(deployment_id)
        if state is not None and state.cooldown_until and now >= state.cooldown_until:
            state.probe_until = now + probe_seconds()

    def succeeded(self, deployment_id: int, *, latency_ms: float) -> None:
        state = self.states.get(deployment_id)
        if state is None:
            self.states[deployment_id] = DeploymentState(latency_ms=latency_ms)
            return
        was_cooling = bool(state.cooldown_until)
        state.failures, state.cooldown_until, state.probe_until = 0, 0.0, 0.0
        previous = state.latency_ms
        state.latency_ms = (
            latency_ms
            if previous is None
            else previous + LATENCY_SMOOTHING * (latency_ms - previous)
        )
        if was_cooling and self.shared:
            self._spawn(_forget_shared(deployment_id))

    def failed(self, deployment_id: int, *, now: float, retry_after: float | None = None) -> None:
        state = self.states.setdefault(deployment_id, DeploymentState())
        state.failures += 1
        state.probe_until = 0.0
        wait = 0.0
        if state.failures >= cooldown_failures():
            wait = cooldown_seconds()
        if retry_after:
            wait = max(wait, retry_after)
        if wait:
            state.cooldown_until = max(state.cooldown_until, now + wait)
            logger.warning(
                "deployment %s cools down for %.1f s after %d failure(s)",
                deployment_id,
                state.cooldown_until - now,
                state.failures,
            )
            if self.shared:
                self._spawn(_share(deployment_id, state.cooldown_until))

    def adopt(self, deployment_id: int, until: float, now: float) -> None:
        """Another process's cooldown, read from Redis."""
        if until <= now:
            return
        state = self.states.setdefault(deployment_id, DeploymentState())
        if until > state.cooldown_until:
            state.cooldown_until = until
            state.failures = max(state.failures, cooldown_failures())

    # Sharing

    def sync_soon(self, now: float) -> None:
        """Read the other processes' cooldowns, at most once per SYNC_SECONDS, in the
        background (never on the request's path)."""
        if not self.shared or now - self.synced_at < SYNC_SECONDS:
            return
        if self.syncing is not None and not self.syncing.done():
            return
        self.synced_at = now
        self.syncing = self._spawn(self.sync())

    async def sync(self) -> None:
        from proxy.auth import redis_for_loop

        try:
            shared = await redis_for_loop().hgetall(COOLDOWNS_KEY)
        except Exception:  # routing works on this process's own knowledge without Redis
            logger.warning("routing cooldowns unavailable in Redis", exc_info=True)
            return
        now = time.time()
        for key, value in shared.items():
            with contextlib.suppress(ValueError):
                self.adopt(int(key), float(value), now)

    def _spawn(self, coroutine) -> asyncio.Task | None:
        try:
            task = asyncio.get_running_loop().create_task(coroutine)
        except RuntimeError:  # no running loop (a sync caller): nothing shared
            coroutine.close()
            return None
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)
        return task


async def _share(deployment_id: int, until: float) -> None:
    from proxy.auth import redis_for_loop

    try:
        async with redis_for_loop().pipeline(transaction=False) as pipe:
            pipe.hset(COOLDOWNS_KEY, str(deployment_id), repr(until))
            # Longer than any cooldown in it: entries end by their value, the hash when idle.
            pipe.expire(COOLDOWNS_KEY, int(max(until - time.time(), MAX_RETRY_AFTER_SECONDS)) + 60)
            await pipe.execute()
    except Exception:
        logger.warning("could not share a routing cooldown through Redis", exc_info=True)


async def _forget_shared(deployment_id: int) -> None:
    from proxy.auth import redis_for_loop

    try:
        await redis_for_loop().hdel(COOLDOWNS_KEY, str(deployment_id))
    except Exception:
        logger.warning("could not clear a routing cooldown in Redis", exc_info=True)


_board = HealthBoard()


def board() -> HealthBoard:
    """This process's board."""
    return _board


def board_reset() -> HealthBoard:
    """A fresh board for this process (tests; an operator's reset)."""
    global _board
    _board = HealthBoard()
    return _board
