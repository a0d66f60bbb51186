"""Retries against a loopback fake gateway: which calls are retried, how long the SDK waits, and
what it raises when it gives up. The fake only scripts answers; the SDK's own code decides."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from llmgateway_server import (
    APIConnectionError,
    APIError,
    AsyncLLMGateway,
    LLMGateway,
    NotFoundError,
    RateLimitError,
    UpstreamError,
)

from tests.sdk.fake_gateway import Answer, error_answer

KEY = "sk_test_" + "a" * 32
WALLET = {
    "id": "wal_1",
    "object": "wallet",
    "customerId": "cus_1",
    "balance": "1.50",
    "held": "0.25",
    "available": "1.25",
    "currency": "usd",
    "status": "active",
    "livemode": False,
}
CREDIT = {
    "id": "txn_1",
    "object": "wallet_credit",
    "walletId": "wal_1",
    "amount": "2.00",
    "reason": "promo",
    "balance": "2.00",
    "createdAt": "2026-01-02T03:04:05.678901Z",
}


def unavailable(**headers: str) -> Answer:
    return error_answer(503, "internal_error", "Service unavailable.", **headers)


def test_a_get_answered_503_twice_then_200_succeeds_on_the_third_request(fake_gateway):
    now = {"Retry-After": "0"}
    fake_gateway.script(unavailable(**now), unavailable(**now), Answer(200, WALLET))
    with LLMGateway(api_key=KEY, base_url=fake_gateway.url) as gateway:
        wallet = gateway.wallets.get("wal_1")

    assert str(wallet.available) == "1.25"
    assert [(r.method, r.path) for r in fake_gateway.requests] == [("GET", "/v1/wallets/wal_1")] * 3


def test_without_retry_after_the_sdk_backs_off_exponentially_with_jitter(fake_gateway):
    fake_gateway.script(unavailable(), unavailable(), Answer(200, WALLET))
    started = time.monotonic()
    with LLMGateway(api_key=KEY, base_url=fake_gateway.url) as gateway:
        gateway.wallets.get("wal_1")
    elapsed = time.monotonic() - started

    # Waits of 0.5 s then 1 s, each scaled by a jitter in [0.5, 1): 0.75 s to 1.5 s in all.
    assert 0.75 <= elapsed < 3.0
    assert len(fake_gateway.requests) == 3


def test_retry_after_is_honoured(fake_gateway):
    fake_gateway.script(
        error_answer(429, "rate_limited", **{"Retry-After": "1"}), Answer(200, WALLET)
    )
    started = time.monotonic()
    with LLMGateway(api_key=KEY, base_url=fake_gateway.url) as gateway:
        gateway.wallets.get("wal_1")

    assert time.monotonic() - started >= 1.0
    assert len(fake_gateway.requests) == 2


def test_a_post_without_an_idempotency_key_is_not_retried(fake_gateway):
    fake_gateway.script(unavailable(**{"Retry-After": "0"}), Answer(201, {}))
    with (
        LLMGateway(api_key=KEY, base_url=fake_gateway.url) as gateway,
        pytest.raises(APIError) as raised,
    ):
        gateway.sessions.create(customer="user_1")

    assert raised.value.status == 503
    assert raised.value.code == "internal_error"
    assert len(fake_gateway.requests) == 1


def test_a_wallet_credit_is_retried_with_the_same_idempotency_key(fake_gateway):
    fake_gateway.script(
        error_answer(502, "upstream_error", **{"Retry-After": "0"}), Answer(201, CREDIT)
    )
    with LLMGateway(api_key=KEY, base_url=fake_gateway.url) as gateway:
        credit = gateway.wallets.credit("wal_1", amount="2.00", reason="promo")

    assert credit.replayed is False
    first, second = fake_gateway.requests
    assert first.json() == second.json()
    key = first.json()["idempotencyKey"]
    assert key.startswith("sdk_") and len(key) > 20
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == key
    assert first.json()["amount"] == "2.00"


def test_generated_idempotency_keys_differ_between_calls(fake_gateway):
    fake_gateway.script(Answer(201, CREDIT), Answer(201, CREDIT))
    with LLMGateway(api_key=KEY, base_url=fake_gateway.url) as gateway:
        gateway.wallets.credit("wal_1", amount="2.00")
        gateway.wallets.credit("wal_1", amount="2.00")

    keys = [request.json()["idempotencyKey"] for request in fake_gateway.requests]
    assert keys[0] != keys[1]


def test_the_sdk_gives_up_after_max_retries_and_raises_the_last_error(fake_gateway):
    fake_gateway.script(*[error_answer(502, "upstream_error", **{"Retry-After": "0"})] * 5)
    with (
        LLMGateway(api_key=KEY, base_url=fake_gateway.url, max_retries=2) as gateway,
        pytest.raises(UpstreamError) as raised,
    ):
        gateway.balance.get()

    assert raised.value.status == 502
    assert len(fake_gateway.requests) == 3


def test_max_retries_zero_raises_the_rate_limit_with_its_retry_after(fake_gateway):
    fake_gateway.script(error_answer(429, "rate_limited", **{"Retry-After": "7"}))
    with (
        LLMGateway(api_key=KEY, base_url=fake_gateway.url, max_retries=0) as gateway,
        pytest.raises(RateLimitError) as raised,
    ):
        gateway.customers.list()

    assert raised.value.retry_after == 7.0
    assert len(fake_gateway.requests) == 1


def test_a_retry_after_longer_than_a_minute_is_not_waited_for(fake_gateway):
    fake_gateway.script(error_answer(429, "rate_limited", **{"Retry-After": "3600"}))
    started = time.monotonic()
    with (
        LLMGateway(api_key=KEY, base_url=fake_gateway.url) as gateway,
        pytest.raises(RateLimitError),
    ):
        gateway.customers.list()

    assert time.monotonic() - started < 1.0
    assert len(fake_gateway.requests) == 1


def test_4xx_answers_are_not_retried(fake_gateway):
    fake_gateway.script(error_answer(404, "not_found"), Answer(200, WALLET))
    with (
        LLMGateway(api_key=KEY, base_url=fake_gateway.url) as gateway,
        pytest.raises(NotFoundError, match="scripted"),
    ):
        gateway.wallets.get("wal_1")
    assert len(fake_gateway.requests) == 1


def test_a_refused_connection_is_retried_then_raises_api_connection_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = LLMGateway(api_key=KEY, base_url=f"http://127.0.0.1:{port}", max_retries=1)
    started = time.monotonic()
    with pytest.raises(APIConnectionError) as raised:
        gateway.sessions.create(customer="user_1")

    assert "Could not reach" in str(raised.value)
    assert time.monotonic() - started >= 0.25  # it waited before its one retry


def test_a_body_that_is_not_json_is_an_api_error(fake_gateway):
    fake_gateway.script(Answer(200, b"<html>proxy</html>"))
    with (
        LLMGateway(api_key=KEY, base_url=fake_gateway.url) as gateway,
        pytest.raises(APIError, match="not JSON"),
    ):
        gateway.balance.get()


def test_the_async_client_retries_the_same_way(fake_gateway):
    fake_gateway.script(unavailable(**{"Retry-After": "0"}), Answer(200, WALLET))
    fake_gateway.script(unavailable(**{"Retry-After": "0"}), Answer(201, {}))

    async def run():
        async with AsyncLLMGateway(api_key=KEY, base_url=fake_gateway.url) as gateway:
            wallet = await gateway.wallets.get("wal_1")
            with pytest.raises(APIError):
                await gateway.sessions.create(customer="user_1")
            return wallet

    wallet = asyncio.run(run())
    assert str(wallet.balance) == "1.50"
    assert [r.method for r in fake_gateway.requests] == ["GET", "GET", "POST"]


def test_requests_carry_the_key_and_the_sdk_user_agent(fake_gateway):
    fake_gateway.script(Answer(200, WALLET))
    with LLMGateway(api_key=KEY, base_url=fake_gateway.url + "/v1/") as gateway:
        gateway.wallets.get("ext wallet/1")

    request = fake_gateway.requests[0]
    assert request.path == "/v1/wallets/ext%20wallet%2F1"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["user-agent"].startswith("llmgateway-server-python/")
