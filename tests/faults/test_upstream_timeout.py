"""An upstream that stops answering: the configured read timeout (UPSTREAM_TIMEOUT_SECONDS)
fires, the client gets an error in the API's shape, and the hold is given back exactly."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.helpers.faults import (
    HELLO,
    MODEL,
    UPSTREAM_TIMEOUT_SECONDS,
    assert_error_shape,
    chat,
    sse_events,
)
from tests.helpers.gateway import expected_cost
from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import Hold, Wallet

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _wallet(session) -> tuple[int, int]:
    wallet = Wallet.objects.get(pk=session.wallet_id)
    return wallet.balance_nanos, wallet.held_nanos


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_upstream_hung_before_answering_times_out_and_releases_the_hold(
    asgi_server, fake_openai, live_session, stream
):
    session, token = live_session(balance_nanos=USD)
    fake_openai.hang = "before_response"

    started = time.monotonic()
    with httpx.Client(base_url=asgi_server.url, timeout=15) as client:
        response = chat(client, token, stream=stream)
    elapsed = time.monotonic() - started

    assert fake_openai.hang_started.is_set()
    error = assert_error_shape(response, {502, 504}, code="upstream_error")
    assert "nothing was charged" in error["message"]
    assert UPSTREAM_TIMEOUT_SECONDS <= elapsed < UPSTREAM_TIMEOUT_SECONDS + 5
    assert _wallet(session) == (USD, 0)
    assert list(Hold.objects.values_list("status", "charged_nanos")) == [("released", 0)]
    assert_ledger_ok()


def test_upstream_silent_mid_stream_times_out_and_bills_only_what_was_delivered(
    asgi_server, fake_openai, live_session
):
    session, token = live_session(balance_nanos=USD)
    fake_openai.hang = "mid_stream"
    body = {"model": MODEL, "messages": HELLO, "max_tokens": 200, "stream": True}

    with httpx.Client(base_url=asgi_server.url, timeout=15) as client:
        response = client.post(
            "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {token}"}
        )

    assert response.status_code == 200  # the headers had left before the upstream went quiet
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    errors = [e for e in events[:-1] if "error" in e]
    assert len(errors) == 1 and errors[0]["error"]["code"] == "upstream_error", events
    delivered = "".join(
        choice["delta"].get("content") or ""
        for e in events[:-1]
        if "choices" in e
        for choice in e["choices"]
    )
    assert delivered  # the first chunk came through before the upstream hung
    usage = events[-2]["usage"]
    cost = expected_cost(MODEL, usage)
    assert 0 < cost < Hold.objects.get().amount_nanos
    assert _wallet(session) == (USD - cost, 0)
    assert list(Hold.objects.values_list("status", "charged_nanos")) == [("settled", cost)]
    assert_ledger_ok()
