"""Pushes a wallet's new balance to its WebSocket group (`wallet.<wallet_id>`) after a change.

Best effort everywhere: a lost notice only means the browser shows the new balance a little
later (the next `chat.done` or `GET /v1/wallet` carries it), so nothing here ever raises.

The one place that sends it, for top-ups and refunds (billing) as for spend (proxy):
`{"type": "wallet.balance", "balance": "<usd>"}`; consumers render it as it is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import transaction

from llmgateway.loop_local import LoopLocal
from llmgateway.money import nanos_to_usd
from wallets.models import Wallet

logger = logging.getLogger(__name__)
BALANCE_MESSAGE_TYPE = "wallet.balance"


# Channel-layer calls in flight at once per event loop. channels_redis draws each call's
# connection from a redis-py pool that refuses (not waits) past 100 connections: 200 sockets
# authenticating or settling at once would otherwise fail.
CHANNEL_LAYER_CONCURRENCY = 50
_layer_gates: LoopLocal[asyncio.Semaphore] = LoopLocal(
    lambda: asyncio.Semaphore(CHANNEL_LAYER_CONCURRENCY)
)


def wallet_balance_group(wallet_id: str) -> str:
    return f"wallet.{wallet_id}"


def channel_layer_gate() -> asyncio.Semaphore:
    """Hold this around a channel-layer call made from the event loop (see above)."""
    return _layer_gates.get()


def _balance_nanos(wallet_id: str) -> int | None:
    return Wallet.objects.filter(pk=wallet_id).values_list("balance_nanos", flat=True).first()


def _balance_message(balance_nanos: int | None) -> dict | None:
    if balance_nanos is None:
        return None
    return {"type": BALANCE_MESSAGE_TYPE, "balance": nanos_to_usd(balance_nanos)}


# How the event loop's pushes read a balance: through the ORM on a thread unless the caller
# names a faster async reader (the gateway's PostgreSQL pool).
BalanceReader = Callable[[str], Awaitable[int | None]]
_orm_balance_reader: BalanceReader = sync_to_async(_balance_nanos, thread_sensitive=False)


def _push_now(wallet_id: str) -> None:
    from channels.layers import get_channel_layer

    try:
        layer = get_channel_layer()
        message = _balance_message(_balance_nanos(wallet_id))
        if layer is None or message is None:
            return
        async_to_sync(layer.group_send)(wallet_balance_group(wallet_id), message)
    except Exception:
        logger.warning("could not push the balance of wallet %s", wallet_id, exc_info=True)


def wallet_balance_changed(*, wallet_id: str) -> None:
    """From sync code: push the wallet's balance once the current transaction commits.

    The balance is read at push time, not passed in, so pushes racing each other still end
    with the latest committed balance on every socket.
    """
    transaction.on_commit(lambda: _push_now(wallet_id))


# One push task at a time per wallet (and loop): a commit landing while a push is running marks
# the wallet dirty and that task pushes again after its send; each push first waits
# WALLET_PUSH_COALESCE_SECONDS, so commits close together share one read and one send. A burst
# of settles on one wallet then costs few reads and sends, pushes of one wallet never overtake
# each other, and the last one sent always reads after the last commit. Per loop too: a task
# left on a closed loop (tests run several) must not mute a wallet.
# wallet id -> dirty (a commit landed after the last read)
_running: LoopLocal[dict[str, bool]] = LoopLocal(dict)
_running_pushes: set[asyncio.Task] = set()


def wallet_balance_changed_soon(
    *, wallet_id: str, read_balance: BalanceReader | None = None
) -> None:
    """From the event loop, after a commit: push without making the caller wait.

    `read_balance` must read the committed balance after the call (any connection will do: the
    one-push-at-a-time rule above is what keeps the pushes in order)."""
    try:
        running = _running.get()
    except RuntimeError:  # not called from async code
        return
    if wallet_id in running:
        running[wallet_id] = True
        return
    running[wallet_id] = True
    task = asyncio.get_running_loop().create_task(
        _push_async(running, wallet_id, read_balance or _orm_balance_reader)
    )
    _running_pushes.add(task)  # the loop keeps only weak references to tasks
    task.add_done_callback(_running_pushes.discard)


async def _push_async(
    running: dict[str, bool], wallet_id: str, read_balance: BalanceReader
) -> None:
    window = settings.WALLET_PUSH_COALESCE_SECONDS
    try:
        while running.get(wallet_id):
            if window > 0:
                await asyncio.sleep(window)  # commits landing meanwhile ride on this push
            running[wallet_id] = False  # from here on a new commit needs a read of its own
            await _push_once(wallet_id, read_balance)
    finally:
        running.pop(wallet_id, None)


async def _push_once(wallet_id: str, read_balance: BalanceReader) -> None:
    from channels.layers import get_channel_layer

    try:
        layer = get_channel_layer()
        if layer is None:
            return
        message = _balance_message(await read_balance(wallet_id))
        if message is not None:
            async with channel_layer_gate():
                await layer.group_send(wallet_balance_group(wallet_id), message)
    except Exception:
        logger.warning("could not push the balance of wallet %s", wallet_id, exc_info=True)
