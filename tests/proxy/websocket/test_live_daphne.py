"""The WebSocket chat against a real daphne process, with the `websockets` client library.

Needs Redis (the channel layer between the Celery worker and daphne, and the broker): run with
REDIS_URL=redis://… (and DATABASE_URL=postgres://… for the 200-socket test).
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from django.conf import settings
from websockets.asyncio.client import connect as connect_async
from websockets.sync.client import connect

from llmgateway.money import nanos_to_usd, usd_to_nanos
from tests.helpers.gateway import expected_cost
from tests.helpers.money import USD, assert_ledger_ok
from tests.helpers.websocket import ORIGIN
from wallets.models import Hold, Wallet

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (run with REDIS_URL=redis://…)"),
]
HELLO = [{"role": "user", "content": "Hello there, gateway"}]
TIMEOUT_SECONDS = 10


@pytest.fixture
def live_process_env(fake_openai_server):
    from tests.helpers.live import FAKE_OPENAI_API_KEY

    return {
        "OPENAI_BASE_URL": fake_openai_server.base_url,
        "OPENAI_API_KEY": FAKE_OPENAI_API_KEY,
        "REQUEST_LOG_FLUSH_SECONDS": "0",
        "TEST_MODEL_STREAM_DELAY_SECONDS": "0.02",
    }


def _receive(websocket) -> dict:
    return json.loads(websocket.recv(timeout=TIMEOUT_SECONDS))


def _until(websocket, kind: str, request_id: str | None = None) -> list[dict]:
    messages = []
    while True:
        message = _receive(websocket)
        messages.append(message)
        if message["type"] == kind and (request_id is None or message.get("id") == request_id):
            return messages


def _text(messages: list[dict], request_id: str) -> str:
    return "".join(
        m["content"] for m in messages if m["type"] == "chat.delta" and m["id"] == request_id
    )


def test_stream_cancel_and_top_up_push_through_daphne_and_a_celery_worker(
    celery_worker_process, asgi_server, funded_session
):
    session, token = funded_session(balance_nanos=USD)
    with connect(asgi_server.ws_url + "/v1/ws", origin=ORIGIN, open_timeout=10) as websocket:
        websocket.send(json.dumps({"type": "session.auth", "token": token}))
        ready = _receive(websocket)
        assert ready == {**ready, "type": "session.ready", "walletId": session.wallet_id}
        assert ready["balance"] == "1.00"

        websocket.send(
            json.dumps({"type": "chat.request", "id": "a", "model": "test/echo", "messages": HELLO})
        )
        answer = _until(websocket, "chat.done", "a")
        assert _text(answer, "a") == "Hello there, gateway"
        done_a = answer[-1]
        cost_a = expected_cost("test/echo", done_a["usage"])
        assert done_a["cost"] == nanos_to_usd(cost_a)

        websocket.send(
            json.dumps(
                {
                    "type": "chat.request",
                    "id": "b",
                    "model": "test/lorem",
                    "messages": HELLO,
                    "max_tokens": 1000,
                }
            )
        )
        streamed = [m for m in _until(websocket, "chat.delta", "b")]
        streamed += _until(websocket, "chat.delta", "b")
        websocket.send(json.dumps({"type": "chat.cancel", "id": "b"}))
        streamed += _until(websocket, "chat.done", "b")
        done_b = streamed[-1]
        assert done_b["finish_reason"] == "cancelled"
        assert 2 <= done_b["usage"]["completion_tokens"] < 200
        assert done_b["usage"]["completion_tokens"] == len(_text(streamed, "b").split())
        cost_b = usd_to_nanos(done_b["cost"])
        assert cost_b == expected_cost("test/lorem", done_b["usage"])
        assert done_b["balance"] == nanos_to_usd(USD - cost_a - cost_b)

        with httpx.Client(
            base_url=asgi_server.url,
            headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN},
            timeout=TIMEOUT_SECONDS,
        ) as browser:
            topup = browser.post("/v1/wallet/top-ups", json={"amount": "10.00"})
            assert topup.status_code == 201, topup.text
            simulated = browser.post(
                f"/v1/wallet/top-ups/{topup.json()['id']}/simulate", json={"outcome": "succeeded"}
            )
            assert simulated.status_code == 200, simulated.text
        expected = nanos_to_usd(USD - cost_a - cost_b + usd_to_nanos("8.333333333"))
        deadline = time.monotonic() + TIMEOUT_SECONDS
        pushes = []
        while time.monotonic() < deadline:
            message = _receive(websocket)
            assert message["type"] == "wallet.balance", message
            pushes.append(message["balance"])
            if message["balance"] == expected:
                break
        assert pushes[-1] == expected, pushes

    assert "topup_credit" in celery_worker_process.log_text()
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (usd_to_nanos(expected), 0)
    assert sorted(Hold.objects.values_list("charged_nanos", flat=True)) == sorted([cost_a, cost_b])
    assert_ledger_ok()


SOCKETS = 200


@pytest.mark.postgres
def test_200_concurrent_sockets_stream_from_the_upstream_and_each_wallet_is_charged_exactly(
    asgi_server, fake_openai, funded_session, monkeypatch
):
    from billing.selectors import catalog_cache_clear
    from tests.helpers.live import FAKE_OPENAI_API_KEY

    fake_openai.stream_delay_seconds = 0.01
    # Live mode needs the provider configured here too, where the sessions are minted.
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    catalog_cache_clear()
    sessions = [
        funded_session(balance_nanos=USD, external_id=f"user_{index}", livemode=True)
        for index in range(SOCKETS)
    ]

    async def one(index: int, token: str) -> dict:
        async with connect_async(
            asgi_server.ws_url + "/v1/ws", origin=ORIGIN, open_timeout=60, max_queue=None
        ) as websocket:
            await websocket.send(json.dumps({"type": "session.auth", "token": token}))
            ready = json.loads(await websocket.recv())
            assert ready["type"] == "session.ready", ready
            prompt = f"Conversation {index} says hello to the gateway"
            await websocket.send(
                json.dumps(
                    {
                        "type": "chat.request",
                        "id": f"c{index}",
                        "model": "openai/gpt-4o-mini",
                        "messages": [{"role": "user", "content": prompt}],
                    }
                )
            )
            text = ""
            while True:
                message = json.loads(await websocket.recv())
                if message["type"] == "chat.delta":
                    text += message["content"]
                elif message["type"] == "chat.done":
                    return {**message, "text": text, "prompt": prompt}
                elif message["type"] != "wallet.balance":
                    raise AssertionError(message)

    async def all_of_them() -> list[dict]:
        return await asyncio.wait_for(
            asyncio.gather(*(one(i, token) for i, (_, token) in enumerate(sessions))), 180
        )

    results = asyncio.run(all_of_them())

    assert len(results) == SOCKETS
    for (session, _), done in zip(sessions, results, strict=True):
        assert done["text"] == f"Echo: {done['prompt']}"
        cost = expected_cost("openai/gpt-4o-mini", done["usage"])
        assert cost > 0 and done["cost"] == nanos_to_usd(cost)
        wallet = Wallet.objects.get(pk=session.wallet_id)
        assert (wallet.balance_nanos, wallet.held_nanos) == (USD - cost, 0)
        assert done["balance"] == nanos_to_usd(USD - cost)
    assert Hold.objects.filter(status="settled").count() == SOCKETS
    assert_ledger_ok()
