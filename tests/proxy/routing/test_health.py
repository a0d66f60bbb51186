"""Failures, cooldowns, probes and latency per deployment (proxy/routing/health.py), and the
cooldowns shared between processes through Redis."""

from __future__ import annotations

import asyncio

import pytest
from django.conf import settings

from proxy.routing.health import COOLDOWNS_KEY, HealthBoard

NOW = 1_000_000.0


@pytest.fixture(autouse=True)
def _cooldown_settings(monkeypatch):
    monkeypatch.setenv("ROUTING_COOLDOWN_FAILURES", "3")
    monkeypatch.setenv("ROUTING_COOLDOWN_SECONDS", "30")
    monkeypatch.setenv("ROUTING_PROBE_SECONDS", "10")


def test_a_deployment_cools_down_after_failures_in_a_row_only():
    board = HealthBoard(shared=False)
    board.failed(7, now=NOW)
    board.failed(7, now=NOW)
    board.succeeded(7, latency_ms=10)  # a success breaks the run
    board.failed(7, now=NOW)
    board.failed(7, now=NOW)
    assert not board.cooling(7, NOW)
    board.failed(7, now=NOW)
    assert board.cooling(7, NOW) and board.cooling(7, NOW + 29.9)
    assert not board.cooling(7, NOW + 30)


def test_retry_after_cools_at_once_for_as_long_as_asked():
    board = HealthBoard(shared=False)
    board.failed(7, now=NOW, retry_after=45)
    assert board.cooling(7, NOW + 44) and not board.cooling(7, NOW + 45)


def test_one_probe_at_a_time_and_its_outcome_decides():
    board = HealthBoard(shared=False)
    for _ in range(3):
        board.failed(7, now=NOW)
    after = NOW + 31
    assert not board.cooling(7, after)  # the cooldown is over: a request may probe
    board.attempt_started(7, after)
    assert board.cooling(7, after + 1)  # others skip it while the probe is out
    board.failed(7, now=after + 2)  # the probe failed: a full cooldown again
    assert board.cooling(7, after + 31) and not board.cooling(7, after + 33)
    board.attempt_started(7, after + 33)
    board.succeeded(7, latency_ms=5)  # probed back in
    assert not board.cooling(7, after + 34)
    board.failed(7, now=after + 34)  # and its count starts over
    assert not board.cooling(7, after + 34)


def test_latency_is_a_moving_average_of_successes():
    board = HealthBoard(shared=False)
    assert board.latency_ms(7) is None
    board.succeeded(7, latency_ms=100)
    board.succeeded(7, latency_ms=200)
    assert board.latency_ms(7) == pytest.approx(120.0)


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_a_cooldown_found_by_one_process_reaches_another_through_redis():
    import time

    async def scenario():
        from proxy.auth import redis_for_loop

        redis = redis_for_loop()
        await redis.delete(COOLDOWNS_KEY)
        finder, other = HealthBoard(shared=True), HealthBoard(shared=True)
        now = time.time()
        for _ in range(3):
            finder.failed(4242, now=now)
        await asyncio.gather(*finder.pending)
        assert not other.cooling(4242, now)
        other.sync_soon(now)
        await other.syncing
        assert other.cooling(4242, now) and other.cooling(4242, now + 29)
        assert not other.cooling(4242, now + 31)
        # a successful probe in the first process clears the shared entry
        finder.attempt_started(4242, now + 31)
        finder.succeeded(4242, latency_ms=3)
        await asyncio.gather(*finder.pending)
        assert await redis.hget(COOLDOWNS_KEY, "4242") is None
        await redis.delete(COOLDOWNS_KEY)

    asyncio.run(scenario())
