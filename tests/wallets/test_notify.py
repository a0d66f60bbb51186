"""`wallet.balance` pushes from the event loop: one push at a time per wallet, commits close
together share one push, and the last push always carries the balance read after the last
commit. The channel layer is the real one of the settings (Redis when REDIS_URL is set)."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from wallets.notify import wallet_balance_changed_soon, wallet_balance_group

WALLET = "wal_notify_test"


async def _listen(layer) -> tuple[str, list[dict]]:
    channel = await layer.new_channel()
    await layer.group_add(wallet_balance_group(WALLET), channel)
    return channel, []


async def _drain(layer, channel: str, received: list[dict], quiet: float = 0.3) -> None:
    while True:
        try:
            received.append(await asyncio.wait_for(layer.receive(channel), quiet))
        except TimeoutError:
            return


def _burst(settings, *, window: float, commits: int, gap: float) -> tuple[int, list[dict]]:
    """`commits` balance changes `gap` apart; returns (balance reads, pushes received)."""
    settings.WALLET_PUSH_COALESCE_SECONDS = window
    balance = {"nanos": 0}
    reads = []

    async def read_balance(wallet_id: str) -> int:
        reads.append(wallet_id)
        return balance["nanos"]

    async def go():
        layer = get_channel_layer()
        channel, received = await _listen(layer)
        try:
            for _ in range(commits):
                balance["nanos"] += 1_000_000_000  # a commit: $1 more
                wallet_balance_changed_soon(wallet_id=WALLET, read_balance=read_balance)
                await asyncio.sleep(gap)
            await _drain(layer, channel, received)
        finally:
            await layer.group_discard(wallet_balance_group(WALLET), channel)
        return received

    pushes = async_to_sync(go)()
    return len(reads), pushes


@pytest.mark.parametrize("window", [0.0, 0.05])
def test_the_last_push_carries_the_latest_balance(settings, window):
    reads, pushes = _burst(settings, window=window, commits=20, gap=0.001)

    assert pushes, "no push arrived"
    assert pushes[-1] == {"type": "wallet.balance", "balance": "20.00"}
    assert len(pushes) == reads <= 20


def test_a_burst_inside_the_window_is_one_or_two_pushes(settings):
    reads, pushes = _burst(settings, window=0.2, commits=10, gap=0.001)

    assert 1 <= len(pushes) <= 2
    assert reads == len(pushes)
    assert pushes[-1]["balance"] == "10.00"


def test_changes_further_apart_than_the_window_each_get_a_push(settings):
    reads, pushes = _burst(settings, window=0.01, commits=4, gap=0.15)

    assert reads == 4
    assert [push["balance"] for push in pushes] == ["1.00", "2.00", "3.00", "4.00"]
