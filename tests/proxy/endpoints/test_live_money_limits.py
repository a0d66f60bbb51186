"""On a live server against the fake upstream: a request is charged exactly the upstream's usage
however big its tools are; a stream that outlives the hold TTL is kept and charged in full; a
client that leaves after the first chunk leaves nothing held."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from llmgateway.money import nanos_to_usd
from tests.helpers.gateway import expected_cost, sse_events
from tests.helpers.money import USD, assert_ledger_ok
from wallets.holds.orm import holds_release_expired
from wallets.models import Hold, Wallet

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
MODEL = "openai/gpt-4o-mini"
HOLD_TTL_SECONDS = 2


SLOW_STREAM = {
    "model": MODEL,
    "messages": [{"role": "user", "content": "one two three four five six seven"}],
    "stream": True,
}


@pytest.fixture
def live_process_env(live_process_env):
    return {**live_process_env, "HOLD_TTL_SECONDS": str(HOLD_TTL_SECONDS)}


def _stream(live_server_url: str, token: str):
    return httpx.stream(
        "POST",
        f"{live_server_url}/v1/chat/completions",
        json=SLOW_STREAM,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def _tools(count: int) -> list[dict]:
    return [
        {
            "type": "function",
            "function": {
                "name": f"tool_{index}",
                "description": "Looks up one record of the shop's catalogue by its id. " * 6,
                "parameters": {
                    "type": "object",
                    "properties": {"id": {"type": "string", "description": "record id"}},
                },
            },
        }
        for index in range(count)
    ]


def test_a_chat_with_huge_tools_is_charged_exactly_the_upstreams_usage(
    live_server_url, funded_session, fake_openai
):
    session, token = funded_session(livemode=True, balance_nanos=USD)
    tools = _tools(400)
    assert len(json.dumps(tools)) > 100_000
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "one two three"}],
        "tools": tools,
        "max_tokens": 1,
    }

    response = httpx.post(
        f"{live_server_url}/v1/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )

    assert response.status_code == 200, response.text
    usage = response.json()["usage"]
    assert usage["prompt_tokens"] > 20_000  # the tools' words, as the fake bills them
    cost = expected_cost(MODEL, usage)
    assert response.headers["x-llmgateway-cost"] == nanos_to_usd(cost)
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - cost, 0)
    hold = Hold.objects.get()
    assert hold.amount_nanos >= cost  # the hold covered the whole request
    assert (hold.charged_nanos, hold.uncollected_nanos) == (cost, 0)
    assert_ledger_ok()


def test_a_stream_that_outlives_the_hold_ttl_is_kept_and_charged_in_full(
    live_server_url, funded_session, fake_openai
):
    session, token = funded_session(livemode=True)
    fake_openai.stream_delay_seconds = 0.5  # 9 words: about 4.5 s, over twice the TTL
    released_mid_stream: list[int] = []

    def expire_mid_stream() -> None:
        time.sleep(HOLD_TTL_SECONDS + 1.0)
        released_mid_stream.append(holds_release_expired())

    expiry = threading.Thread(target=expire_mid_stream)
    with _stream(live_server_url, token) as response:
        expiry.start()
        raw = b"".join(response.iter_bytes())
    expiry.join()

    assert released_mid_stream == [0]  # the live request's hold was kept past its TTL
    events = sse_events(raw)
    usage = events[-2]["usage"]
    cost = expected_cost(MODEL, usage)
    assert usage["completion_tokens"] == 8
    hold = Hold.objects.get()
    assert (hold.status, hold.charged_nanos) == ("settled", cost)
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - cost, 0)
    assert_ledger_ok()


def test_a_client_that_leaves_after_the_first_chunk_leaves_nothing_held(
    live_server_url, funded_session, fake_openai
):
    session, token = funded_session(livemode=True)
    fake_openai.stream_delay_seconds = 0.5

    with _stream(live_server_url, token) as response:
        first = next(response.iter_raw())
        assert first.startswith(b"data: ")
    time.sleep(2)

    hold = Hold.objects.get()
    assert hold.status == "settled"
    assert hold.charged_nanos > 0  # at least the prompt
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - hold.charged_nanos, 0)
    session.refresh_from_db()
    assert session.held_nanos == 0
    assert_ledger_ok()
