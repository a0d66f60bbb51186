"""Sockets close when their session expires or is revoked, or when idle; balance pushes."""

import time
from datetime import timedelta

import pytest
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.utils import timezone

from llmgateway.money import nanos_to_usd
from sessions_app.models import EmbeddedSession
from sessions_app.services import session_revoke, sessions_revoke_for_customer
from tests.helpers.money import USD, assert_ledger_ok
from tests.helpers.websocket import connect, db_call, run_async
from wallets import services as wallet_services
from wallets.models import Wallet
from wallets.notify import wallet_balance_changed

pytestmark = pytest.mark.django_db(transaction=True)
HELLO = [{"role": "user", "content": "Hello there, gateway"}]


async def _closed_within(socket, seconds: float) -> tuple[dict, int, float]:
    started = time.monotonic()
    error = await socket.receive(timeout=seconds + 1)
    code = await socket.closed()
    return error, code, time.monotonic() - started


@run_async
async def test_revoking_the_session_closes_its_sockets_with_4401_within_a_second(mint, project):
    session, token = await mint()
    async with connect(token=token) as first, connect(token=token) as second:
        started = time.monotonic()
        await db_call(session_revoke, project=project, livemode=False, session_id=session.pk)
        for socket in (first, second):
            error = await socket.receive(timeout=2)
            assert error["type"] == "error" and error["error"]["code"] == "session_revoked"
            assert await socket.closed() == 4401
        assert time.monotonic() - started < 1.0


@run_async
async def test_blocking_the_customer_closes_the_socket(mint):
    session, token = await mint()
    async with connect(token=token) as socket:
        await db_call(sessions_revoke_for_customer, customer_id=session.customer_id)
        error, code, elapsed = await _closed_within(socket, 1.0)
        assert (error["error"]["code"], code) == ("session_revoked", 4401)
        assert elapsed < 1.0


@run_async
async def test_session_expiry_closes_the_socket_with_4401_within_a_second(mint):
    session, token = await mint()
    expires_at = timezone.now() + timedelta(seconds=1)
    await db_call(EmbeddedSession.objects.filter(pk=session.pk).update, expires_at=expires_at)
    async with connect(token=token) as socket:
        error = await socket.receive(timeout=3)
        closed_at = timezone.now()
        assert error["error"]["code"] == "session_expired"
        assert await socket.closed() == 4401
    assert timedelta(0) <= closed_at - expires_at < timedelta(seconds=1)


@run_async
async def test_revocation_mid_stream_stops_the_chat_and_bills_what_was_delivered(
    mint, project, monkeypatch
):
    monkeypatch.setenv("TEST_MODEL_STREAM_DELAY_SECONDS", "0.05")
    session, token = await mint()
    async with connect(token=token) as socket:
        await socket.chat("c", model="test/lorem", messages=HELLO, max_tokens=400)
        assert (await socket.receive())["type"] == "chat.delta"
        await db_call(session_revoke, project=project, livemode=False, session_id=session.pk)
        await socket.receive_until("error", timeout=2)
        assert await socket.closed() == 4401
    wallet = await db_call(Wallet.objects.get, pk=session.wallet_id)
    assert wallet.held_nanos == 0 and USD - wallet.balance_nanos > 0
    await db_call(assert_ledger_ok)


@run_async
async def test_refreshing_the_session_closes_the_socket_of_the_old_token(mint):
    from sessions_app.services import session_refresh

    session, token = await mint()
    async with connect(token=token) as socket:
        fresh = await db_call(EmbeddedSession.objects.get, pk=session.pk)
        _, new_token = await db_call(session_refresh, session=fresh)
        error, code, elapsed = await _closed_within(socket, 1.0)
        assert (error["error"]["code"], code) == ("session_expired", 4401)
        assert "refreshed" in error["error"]["message"] and elapsed < 1.0
    async with connect(token=new_token) as socket:
        await socket.chat("c", model="test/echo", messages=HELLO)
        assert (await socket.receive_until("chat.done", "c"))[-1]["cost"] != "0.00"


@run_async
async def test_idle_socket_is_closed_with_4408(settings, mint):
    settings.WS_IDLE_TIMEOUT_SECONDS = 0.3
    _, token = await mint()
    async with connect(token=token) as socket:
        error = await socket.receive(timeout=2)
        assert error["error"]["code"] == "idle_timeout"
        assert await socket.closed() == 4408


@run_async
async def test_a_streaming_socket_is_not_idle(settings, mint, monkeypatch):
    settings.WS_IDLE_TIMEOUT_SECONDS = 0.3
    monkeypatch.setenv("TEST_MODEL_STREAM_DELAY_SECONDS", "0.05")
    _, token = await mint()
    async with connect(token=token) as socket:
        await socket.chat("c", model="test/lorem", messages=HELLO, max_tokens=15)  # ~0.75 s
        messages = await socket.receive_until("chat.done", "c")
        assert len(messages) == 16
        error = await socket.receive(timeout=2)  # idle from the end of the stream on
        assert error["error"]["code"] == "idle_timeout"
        assert await socket.closed() == 4408


@run_async
async def test_group_send_to_the_wallet_group_is_pushed_as_wallet_balance(mint):
    session, token = await mint()
    async with connect(token=token) as socket:
        await get_channel_layer().group_send(
            f"wallet.{session.wallet_id}", {"type": "wallet.balance", "balance": "12.50"}
        )
        assert await socket.receive_push() == {"type": "wallet.balance", "balance": "12.50"}


@run_async
async def test_other_wallets_pushes_do_not_reach_the_socket(mint):
    _, token = await mint(external_id="a")
    other, _ = await mint(external_id="b")
    async with connect(token=token) as socket:
        await get_channel_layer().group_send(
            f"wallet.{other.wallet_id}", {"type": "wallet.balance", "balance": "1.00"}
        )
        assert await socket.nothing_more(0.3)


def _credit_and_notify(wallet_id: str, amount_nanos: int) -> None:
    wallet_services.wallet_credit(wallet_id=wallet_id, amount_nanos=amount_nanos)
    with transaction.atomic():
        wallet_balance_changed(wallet_id=wallet_id)  # pushes at the commit, not before
        assert connection.run_on_commit  # deferred to the commit


@run_async
async def test_a_committed_wallet_change_pushes_the_new_balance(mint):
    session, token = await mint()
    async with connect(token=token) as socket:
        await db_call(_credit_and_notify, session.wallet_id, 2 * USD)
        assert await socket.receive_push() == {
            "type": "wallet.balance",
            "balance": nanos_to_usd(3 * USD),
        }


@run_async
async def test_another_tab_spending_pushes_the_new_balance(mint):
    _session, token = await mint()
    async with connect(token=token) as watcher, connect(token=token) as spender:
        await spender.chat("c", model="test/echo", messages=HELLO)
        done = (await spender.receive_until("chat.done", "c"))[-1]
        push = await watcher.receive_push()
        assert push == {"type": "wallet.balance", "balance": done["balance"]}
        assert (await spender.receive_push())["balance"] == done["balance"]


@run_async
async def test_a_burst_of_spending_ends_with_the_latest_balance_pushed(mint):
    session, token = await mint()
    async with connect(token=token) as watcher, connect(token=token) as spender:
        for index in range(4):
            await spender.chat(f"c{index}", model="test/echo", messages=HELLO)
        done = set()
        while len(done) < 4:
            message = await spender.receive()
            if message["type"] == "chat.done":
                done.add(message["id"])
        wallet = await db_call(Wallet.objects.get, pk=session.wallet_id)
        assert await watcher.nothing_more(0.5)
        last = watcher.pushes[-1]
        assert last == {"type": "wallet.balance", "balance": nanos_to_usd(wallet.balance_nanos)}
