"""chat.request → chat.delta… → chat.done, billed exactly; cancel, concurrency and limits."""

import asyncio

import pytest

from billing.pricing import cost_nanos
from llmgateway.money import nanos_to_usd
from proxy import tokens
from proxy.models import RequestLog
from tests.helpers.gateway import deployment_of, expected_cost
from tests.helpers.money import USD, assert_ledger_ok
from tests.helpers.websocket import connect, db_call, deltas_text, run_async
from wallets.models import Hold, Wallet

pytestmark = pytest.mark.django_db(transaction=True)
HELLO = [{"role": "user", "content": "Hello there, gateway"}]


@pytest.fixture
def slow_streams(monkeypatch):
    """The local test models sleep this long before each word."""
    monkeypatch.setenv("TEST_MODEL_STREAM_DELAY_SECONDS", "0.05")


def _wallet(wallet_id: str) -> Wallet:
    return Wallet.objects.get(pk=wallet_id)


@run_async
async def test_chat_streams_deltas_then_done_with_exact_cost_and_balance(mint):
    session, token = await mint()
    async with connect(token=token) as socket:
        await socket.chat("c1", model="test/lorem", messages=HELLO, max_tokens=7)
        messages = await socket.receive_until("chat.done", "c1")

    assert all(m["type"] == "chat.delta" and m["id"] == "c1" for m in messages[:-1])
    assert len(messages) - 1 == 7  # lorem streams one word (one token) per delta
    text = deltas_text(messages, "c1")
    assert len(text.split()) == 7
    done = messages[-1]
    assert done["usage"]["completion_tokens"] == 7
    assert (done["finish_reason"], done["provider"]) == ("length", "test")
    cost = await db_call(expected_cost, "test/lorem", done["usage"])
    assert cost > 0
    assert done["cost"] == nanos_to_usd(cost)
    assert done["balance"] == nanos_to_usd(USD - cost)
    wallet = await db_call(_wallet, session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - cost, 0)
    log = await db_call(RequestLog.objects.get)
    assert (log.cost_nanos, log.stream, log.session_id, log.outcome) == (
        cost,
        True,
        session.pk,
        "completed",
    )
    await db_call(assert_ledger_ok)


@run_async
async def test_echo_answers_the_last_user_message(mint):
    _, token = await mint()
    async with connect(token=token) as socket:
        await socket.chat("e", model="test/echo", messages=HELLO)
        messages = await socket.receive_until("chat.done", "e")
    assert deltas_text(messages, "e") == "Hello there, gateway"
    assert messages[-1]["finish_reason"] == "stop"


def _delivered_cost(model_id: str, usage: dict, text: str) -> int:
    model = deployment_of(model_id)
    output_tokens = tokens.count_text_tokens(text, model=model.upstream_model) if text else 0
    assert usage["completion_tokens"] == output_tokens
    return cost_nanos(model, input_tokens=usage["prompt_tokens"], output_tokens=output_tokens)


@run_async
async def test_cancel_mid_stream_charges_only_the_delivered_tokens(mint, slow_streams):
    session, token = await mint()
    async with connect(token=token) as socket:
        await socket.chat("long", model="test/lorem", messages=HELLO, max_tokens=400)
        received = [await socket.receive() for _ in range(3)]
        await socket.send({"type": "chat.cancel", "id": "long"})
        received += await socket.receive_until("chat.done", "long")
        assert await socket.nothing_more(0.3)

    done = received[-1]
    assert done["finish_reason"] == "cancelled"
    text = deltas_text(received, "long")
    assert 3 <= len(text.split()) < 50  # stopped early: far fewer than the 400 asked for
    cost = await db_call(_delivered_cost, "test/lorem", done["usage"], text)
    assert done["cost"] == nanos_to_usd(cost)
    assert done["balance"] == nanos_to_usd(USD - cost)
    wallet = await db_call(_wallet, session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - cost, 0)
    hold = await db_call(Hold.objects.get)
    assert (hold.status, hold.charged_nanos) == ("settled", cost)
    await db_call(assert_ledger_ok)


@run_async
async def test_cancel_before_any_output_costs_nothing(mint, monkeypatch):
    monkeypatch.setenv("TEST_MODEL_STREAM_DELAY_SECONDS", "0.5")
    session, token = await mint()
    async with connect(token=token) as socket:
        await socket.chat("c", model="test/lorem", messages=HELLO, max_tokens=50)
        first = await socket.receive()  # the first word comes at once, then a long pause
        await socket.send({"type": "chat.cancel", "id": "c"})
        done = (await socket.receive_until("chat.done", "c"))[-1]
    assert first["type"] == "chat.delta"
    assert done["finish_reason"] == "cancelled"
    wallet = await db_call(_wallet, session.wallet_id)
    assert wallet.held_nanos == 0
    assert done["balance"] == nanos_to_usd(wallet.balance_nanos)
    assert done["cost"] == nanos_to_usd(USD - wallet.balance_nanos)
    await db_call(assert_ledger_ok)


@run_async
async def test_disconnect_mid_stream_bills_what_was_delivered_and_releases_the_hold(
    mint, slow_streams
):
    session, token = await mint()
    async with connect(token=token) as socket:
        await socket.chat("gone", model="test/lorem", messages=HELLO, max_tokens=400)
        received = [await socket.receive() for _ in range(4)]
    text = deltas_text(received, "gone")
    wallet = await db_call(_wallet, session.wallet_id)
    assert wallet.held_nanos == 0
    charged = USD - wallet.balance_nanos
    hold = await db_call(Hold.objects.get)
    assert (hold.status, hold.charged_nanos) == ("settled", charged)
    # The server may have handed out a word or two more than this client read before leaving.
    model = await db_call(deployment_of, "test/lorem")
    prompt_tokens = tokens.count_message_tokens(HELLO, model=model.upstream_model)
    at_least = cost_nanos(
        model,
        input_tokens=prompt_tokens,
        output_tokens=tokens.count_text_tokens(text, model=model.upstream_model),
    )
    assert at_least <= charged < cost_nanos(model, input_tokens=prompt_tokens, output_tokens=400)
    await db_call(assert_ledger_ok)


@run_async
async def test_several_conversations_stream_concurrently_on_one_socket(mint, slow_streams):
    session, token = await mint()
    prompts = {"a": "alpha one two three", "b": "bravo four five", "c": "charlie six"}
    async with connect(token=token) as socket:
        for request_id, prompt in prompts.items():
            await socket.chat(
                request_id, model="test/echo", messages=[{"role": "user", "content": prompt}]
            )
        messages = []
        done = {}
        while len(done) < len(prompts):
            message = await socket.receive()
            messages.append(message)
            if message["type"] == "chat.done":
                done[message["id"]] = message
    first_done = next(i for i, m in enumerate(messages) if m["type"] == "chat.done")
    # Interleaved: deltas of every conversation arrive before the first one finishes.
    assert {m["id"] for m in messages[:first_done]} == set(prompts)
    total = 0
    for request_id, prompt in prompts.items():
        assert deltas_text(messages, request_id) == prompt
        cost = await db_call(expected_cost, "test/echo", done[request_id]["usage"])
        assert done[request_id]["cost"] == nanos_to_usd(cost)
        total += cost
    wallet = await db_call(_wallet, session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - total, 0)
    assert done[max(done, key=lambda i: messages.index(done[i]))]["balance"] == nanos_to_usd(
        USD - total
    )
    await db_call(assert_ledger_ok)


@run_async
async def test_duplicate_id_in_flight_is_refused(mint, slow_streams):
    _, token = await mint()
    async with connect(token=token) as socket:
        await socket.chat("same", model="test/lorem", messages=HELLO, max_tokens=20)
        await socket.chat("same", model="test/lorem", messages=HELLO, max_tokens=20)
        messages = await socket.receive_until("error", "same")
        assert messages[-1]["error"]["code"] == "invalid_request"
        await socket.send({"type": "chat.cancel", "id": "same"})
        await socket.receive_until("chat.done", "same")


@run_async
async def test_more_chats_than_the_socket_limit_are_rate_limited(settings, mint, slow_streams):
    settings.WS_MAX_CONCURRENT_PER_SOCKET = 2
    _, token = await mint()
    async with connect(token=token) as socket:
        for request_id in ("one", "two", "three"):
            await socket.chat(request_id, model="test/lorem", messages=HELLO, max_tokens=10)
        messages = await socket.receive_until("error", "three")
        assert messages[-1]["error"]["code"] == "rate_limited"
        for request_id in ("one", "two"):
            await socket.receive_until("chat.done", request_id)
        # Slots free up once chats finish.
        await socket.chat("four", model="test/lorem", messages=HELLO, max_tokens=2)
        assert (await socket.receive_until("chat.done", "four"))[-1]["cost"] != "0.00"


@run_async
async def test_more_chats_than_the_session_limit_across_sockets_are_rate_limited(
    settings, mint, slow_streams
):
    settings.WS_MAX_CONCURRENT_PER_SOCKET = 4
    settings.WS_MAX_CONCURRENT_PER_SESSION = 2
    _, token = await mint()
    async with connect(token=token) as first, connect(token=token) as second:
        await first.chat("a", model="test/lorem", messages=HELLO, max_tokens=20)
        await second.chat("b", model="test/lorem", messages=HELLO, max_tokens=20)
        # Both hold their slot once their first word arrives.
        assert (await first.receive())["type"] == "chat.delta"
        assert (await second.receive())["type"] == "chat.delta"
        await second.chat("c", model="test/lorem", messages=HELLO, max_tokens=20)
        refused = (await second.receive_until("error", "c"))[-1]
        assert refused["error"]["code"] == "rate_limited"
        await first.receive_until("chat.done", "a")
        await second.receive_until("chat.done", "b")
        await second.chat("d", model="test/lorem", messages=HELLO, max_tokens=2)
        assert (await second.receive_until("chat.done", "d"))[-1]["id"] == "d"


@run_async
async def test_another_session_is_not_limited_by_a_busy_one(settings, mint, slow_streams):
    settings.WS_MAX_CONCURRENT_PER_SESSION = 1
    _, busy = await mint(external_id="busy")
    _, other = await mint(external_id="other")
    async with connect(token=busy) as first, connect(token=other) as second:
        await first.chat("a", model="test/lorem", messages=HELLO, max_tokens=10)
        assert (await first.receive())["type"] == "chat.delta"
        await second.chat("b", model="test/lorem", messages=HELLO, max_tokens=2)
        assert (await second.receive_until("chat.done", "b"))[-1]["id"] == "b"
        await first.receive_until("chat.done", "a")


@run_async
async def test_many_sockets_of_many_wallets_are_each_charged_exactly(mint):
    sessions = [await mint(external_id=f"user_{index}") for index in range(20)]

    async def one(token: str) -> dict:
        async with connect(token=token) as socket:
            await socket.chat("x", model="test/lorem", messages=HELLO, max_tokens=5)
            return (await socket.receive_until("chat.done", "x"))[-1]

    results = await asyncio.gather(*(one(token) for _, token in sessions))
    for (session, _), done in zip(sessions, results, strict=True):
        cost = await db_call(expected_cost, "test/lorem", done["usage"])
        wallet = await db_call(_wallet, session.wallet_id)
        assert (wallet.balance_nanos, wallet.held_nanos) == (USD - cost, 0)
        assert done["balance"] == nanos_to_usd(USD - cost)
    await db_call(assert_ledger_ok)
