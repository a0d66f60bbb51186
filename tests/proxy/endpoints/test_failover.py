"""Routing and failover against two loopback upstreams (real HTTP, the fake speaks OpenAI's wire
protocol): `openai/gpt-4o-mini` is served first by "openai" (fake A) and then by "backup" (fake
B, dearer). A failure before any output moves the request to B, billed at B's prices; a failure
after the first streamed byte is not retried; a deployment that keeps failing cools down and is
probed back in.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections import Counter

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

from billing.models import Deployment
from billing.selectors import catalog_cache_clear
from llmgateway.money import nanos_to_usd
from proxy.models import RequestLog
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers.api import assert_error
from tests.helpers.gateway import expected_cost, post_json, post_stream, sse_events
from tests.helpers.live import FAKE_OPENAI_API_KEY
from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import Hold, Wallet

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CHAT = "/v1/chat/completions"
MODEL = "openai/gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "alpha beta gamma delta epsilon"}]
BACKUP_OUTPUT_NANOS = 900_000_000  # $0.90/M output at the backup, against openai's $0.60/M


@pytest.fixture
def fake_backup():
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


@pytest.fixture
def two_upstreams(fake_openai, fake_backup, monkeypatch):
    """gpt-4o-mini on "openai" (priority 0) and on "backup" (priority 1, dearer output)."""
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("BACKUP_API_KEY", "sk-backup-0123456789")
    monkeypatch.setenv("BACKUP_BASE_URL", fake_backup.base_url)
    monkeypatch.setenv("UPSTREAM_TIMEOUT_SECONDS", "1")
    primary = Deployment.objects.get(model_id=MODEL, provider="openai")
    backup = Deployment.objects.create(
        model_id=MODEL,
        provider="backup",
        upstream_model="mini-backup",
        priority=1,
        input_nanos_per_million_tokens=primary.input_nanos_per_million_tokens,
        output_nanos_per_million_tokens=BACKUP_OUTPUT_NANOS,
    )
    catalog_cache_clear()
    yield fake_openai, fake_backup, primary, backup
    catalog_cache_clear()


@pytest.fixture
def live_session(funded_session, two_upstreams):
    return funded_session(livemode=True)


def _chats(fake: FakeOpenAI) -> list:
    return [r for r in fake.requests if r.path == "/v1/chat/completions"]


def _served_by_backup(response, session, fake_openai, fake_backup, *, reached_primary: int = 1):
    """The answer came from the backup (after one attempt at openai, which got
    `reached_primary` requests), billed at its prices, logged and labelled with it."""
    assert response.status_code == 200, response.content
    assert response["X-LLMGateway-Provider"] == "backup"
    assert len(_chats(fake_openai)) == reached_primary
    (request,) = _chats(fake_backup)
    assert request.json["model"] == "mini-backup"  # the backup's own name for the model
    assert request.headers["authorization"] == "Bearer sk-backup-0123456789"
    log = RequestLog.objects.get()
    assert (log.provider, log.attempts, log.outcome) == ("backup", 2, "completed")
    hold = Hold.objects.get()
    assert (hold.status, hold.charged_nanos) == ("settled", log.cost_nanos)
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - log.cost_nanos, 0)
    assert_ledger_ok()
    return log


@pytest.mark.parametrize("status", [500, 502, 503, 429, 401])
def test_a_failing_first_deployment_is_replaced_by_the_next_at_its_price(
    client, live_session, two_upstreams, status
):
    fake_openai, fake_backup, _, _ = two_upstreams
    session, token = live_session
    fake_openai.fail(status)
    response = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
    log = _served_by_backup(response, session, fake_openai, fake_backup)
    usage = response.json()["usage"]
    assert log.cost_nanos == expected_cost(MODEL, usage, provider="backup")
    assert log.cost_nanos > expected_cost(MODEL, usage, provider="openai")  # not A's price
    assert response["X-LLMGateway-Cost"] == nanos_to_usd(log.cost_nanos)


def test_a_stream_fails_over_before_its_first_byte(live_session, two_upstreams):
    fake_openai, fake_backup, _, _ = two_upstreams
    session, token = live_session
    fake_openai.fail(503)
    body = {"model": MODEL, "messages": MESSAGES, "stream": True}
    response, raw = post_stream(CHAT, body, token)
    events = sse_events(raw)
    log = _served_by_backup(response, session, fake_openai, fake_backup)
    usage = events[-2]["usage"]
    assert log.cost_nanos == expected_cost(MODEL, usage, provider="backup")
    assert events[-2]["x_llmgateway"]["cost"] == nanos_to_usd(log.cost_nanos)


def test_a_timeout_before_output_fails_over(client, live_session, two_upstreams):
    fake_openai, fake_backup, _, _ = two_upstreams
    session, token = live_session
    fake_openai.hang = "before_response"
    started = time.monotonic()
    response = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
    fake_openai.release_hangs()
    assert time.monotonic() - started < 10  # one read timeout (1 s), then the backup
    _served_by_backup(response, session, fake_openai, fake_backup)


def test_a_deployment_timeout_of_its_own_fails_over_sooner(
    client, live_session, two_upstreams, monkeypatch
):
    fake_openai, fake_backup, primary, _ = two_upstreams
    session, token = live_session
    monkeypatch.setenv("UPSTREAM_TIMEOUT_SECONDS", "30")
    Deployment.objects.filter(pk=primary.pk).update(timeout_seconds=1)
    catalog_cache_clear()
    fake_openai.hang = "before_response"
    started = time.monotonic()
    response = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
    fake_openai.release_hangs()
    assert time.monotonic() - started < 10  # the deployment's 1 s, not the default 30 s
    _served_by_backup(response, session, fake_openai, fake_backup)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when this returns: nothing listens


def test_a_refused_connection_fails_over(client, live_session, two_upstreams, monkeypatch):
    fake_openai, fake_backup, _, _ = two_upstreams
    session, token = live_session
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{_closed_port()}/v1")
    catalog_cache_clear()
    response = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
    _served_by_backup(response, session, fake_openai, fake_backup, reached_primary=0)


def test_a_failure_after_the_first_streamed_byte_is_not_retried(live_session, two_upstreams):
    fake_openai, fake_backup, _, _ = two_upstreams
    session, token = live_session
    fake_openai.hang = "mid_stream"
    body = {"model": MODEL, "messages": MESSAGES, "stream": True}
    response, raw = post_stream(CHAT, body, token)
    fake_openai.release_hangs()
    assert response.status_code == 200
    assert response["X-LLMGateway-Provider"] == "openai"
    assert _chats(fake_backup) == []  # output had started: no second upstream
    events = sse_events(raw)
    usage = events[-2]["usage"]
    log = RequestLog.objects.get()
    assert (log.provider, log.attempts, log.outcome) == ("openai", 1, "failed")
    # billed for what was delivered, at the serving deployment's (A's) prices
    assert log.cost_nanos == expected_cost(MODEL, usage, provider="openai") > 0
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - log.cost_nanos, 0)
    assert_ledger_ok()


def test_a_refused_request_is_not_retried_elsewhere(client, live_session, two_upstreams):
    fake_openai, fake_backup, _, _ = two_upstreams
    session, token = live_session
    fake_openai.fail(400)
    response = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
    assert_error(response, 400, "invalid_request")
    assert _chats(fake_backup) == []
    assert Hold.objects.get().status == "released"
    assert Wallet.objects.get(pk=session.wallet_id).balance_nanos == USD
    assert_ledger_ok()


def test_when_every_deployment_fails_nothing_is_charged(client, live_session, two_upstreams):
    fake_openai, fake_backup, _, _ = two_upstreams
    session, token = live_session
    fake_openai.fail(500)
    fake_backup.fail(503)
    response = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
    assert_error(response, 502, "upstream_error")
    assert (len(_chats(fake_openai)), len(_chats(fake_backup))) == (1, 1)
    log = RequestLog.objects.get()
    assert (log.provider, log.attempts, log.outcome, log.cost_nanos) == ("backup", 2, "failed", 0)
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD, 0)
    assert Hold.objects.get().status == "released"
    assert_ledger_ok()


def test_the_hold_covers_the_dearest_candidate(client, funded_session, two_upstreams):
    """A wallet that covers the worst case at openai's prices but not at the backup's is
    refused up front: the backup might serve it."""
    fake_openai, _fake_backup, primary, backup = two_upstreams
    from billing.pricing import worst_case_cost_nanos
    from proxy.prompt_bound import chat_prompt_tokens

    prompt = chat_prompt_tokens(MESSAGES, {}, model="gpt-4o-mini")
    body = {"model": MODEL, "messages": MESSAGES, "max_tokens": 1000}
    at_primary = worst_case_cost_nanos(primary, prompt_tokens=prompt, max_output_tokens=1000)
    at_backup = worst_case_cost_nanos(backup, prompt_tokens=prompt, max_output_tokens=1000)
    assert at_primary < at_backup
    _, short = funded_session(livemode=True, balance_nanos=at_backup - 1, external_id="short")
    assert_error(post_json(client, CHAT, body, short), 402, "insufficient_balance")
    assert _chats(fake_openai) == []
    _, enough = funded_session(livemode=True, balance_nanos=at_backup, external_id="enough")
    response = post_json(client, CHAT, body, enough)
    assert response.status_code == 200, response.content
    assert response["X-LLMGateway-Provider"] == "openai"
    assert_ledger_ok()


def test_a_deployment_that_keeps_failing_cools_down_and_is_probed_back_in(
    client, live_session, two_upstreams, monkeypatch
):
    fake_openai, fake_backup, _, _ = two_upstreams
    monkeypatch.setenv("ROUTING_COOLDOWN_FAILURES", "2")
    monkeypatch.setenv("ROUTING_COOLDOWN_SECONDS", "1")
    _, token = live_session
    body = {"model": MODEL, "messages": MESSAGES}
    fake_openai.fail(500)
    for _ in range(2):  # two failures in a row: openai cools down
        assert post_json(client, CHAT, body, token)["X-LLMGateway-Provider"] == "backup"
    assert len(_chats(fake_openai)) == 2
    fake_openai.fail(None)  # healthy again, but still cooling down: skipped
    response = post_json(client, CHAT, body, token)
    assert response["X-LLMGateway-Provider"] == "backup"
    assert len(_chats(fake_openai)) == 2
    time.sleep(1.1)  # the cooldown ends: the next request probes openai
    assert post_json(client, CHAT, body, token)["X-LLMGateway-Provider"] == "openai"
    assert post_json(client, CHAT, body, token)["X-LLMGateway-Provider"] == "openai"
    assert len(_chats(fake_openai)) == 4 and len(_chats(fake_backup)) == 3
    logs = list(RequestLog.objects.order_by("created_at").values_list("provider", "attempts"))
    assert logs == [("backup", 2), ("backup", 2), ("backup", 1), ("openai", 1), ("openai", 1)]
    assert_ledger_ok()


def test_a_failed_probe_cools_the_deployment_down_again(
    client, live_session, two_upstreams, monkeypatch
):
    fake_openai, fake_backup, _, _ = two_upstreams
    monkeypatch.setenv("ROUTING_COOLDOWN_FAILURES", "1")
    monkeypatch.setenv("ROUTING_COOLDOWN_SECONDS", "1")
    _, token = live_session
    body = {"model": MODEL, "messages": MESSAGES}
    fake_openai.fail(500)
    post_json(client, CHAT, body, token)
    time.sleep(1.1)
    post_json(client, CHAT, body, token)  # the probe fails: cooling again
    post_json(client, CHAT, body, token)  # skipped
    assert len(_chats(fake_openai)) == 2 and len(_chats(fake_backup)) == 3


def test_a_429_with_retry_after_cools_the_deployment_for_that_long(
    client, live_session, two_upstreams
):
    fake_openai, _fake_backup, _, _ = two_upstreams
    _, token = live_session
    body = {"model": MODEL, "messages": MESSAGES}
    fake_openai.fail(429, times=1)
    fake_openai.retry_after = "1"
    assert post_json(client, CHAT, body, token)["X-LLMGateway-Provider"] == "backup"
    # One failure is below ROUTING_COOLDOWN_FAILURES (3), but the upstream asked for a second.
    assert post_json(client, CHAT, body, token)["X-LLMGateway-Provider"] == "backup"
    assert len(_chats(fake_openai)) == 1
    time.sleep(1.1)
    assert post_json(client, CHAT, body, token)["X-LLMGateway-Provider"] == "openai"


def test_a_project_allow_list_keeps_its_requests_off_other_providers(
    client, project, live_session, two_upstreams
):
    fake_openai, _fake_backup, _, _ = two_upstreams
    _, token = live_session
    project.allowed_providers = ["backup"]
    project.save(update_fields=["allowed_providers"])
    from proxy.auth import principal_cache_clear

    principal_cache_clear()
    response = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
    assert response["X-LLMGateway-Provider"] == "backup"
    assert _chats(fake_openai) == []
    project.allowed_providers = ["elsewhere"]
    project.save(update_fields=["allowed_providers"])
    principal_cache_clear()
    refused = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
    assert_error(refused, 403, "model_not_allowed")
    assert "exclude every provider" in refused.json()["error"]["message"]
    models = client.get("/v1/models", headers={"Authorization": f"Bearer {token}"}).json()
    assert MODEL not in {model["id"] for model in models["data"]}
    assert_ledger_ok()


def test_the_price_preference_tries_the_cheapest_deployment_of_a_priority_first(
    client, project, live_session, two_upstreams
):
    fake_openai, _fake_backup, _, backup = two_upstreams
    _, token = live_session
    Deployment.objects.filter(pk=backup.pk).update(
        priority=0,
        output_nanos_per_million_tokens=300_000_000,  # now cheaper than openai
    )
    catalog_cache_clear()
    project.routing_preference = "price"
    project.save(update_fields=["routing_preference"])
    from proxy.auth import principal_cache_clear

    principal_cache_clear()
    for _ in range(5):
        response = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
        assert response["X-LLMGateway-Provider"] == "backup"
    assert _chats(fake_openai) == []


def test_models_list_each_provider_and_the_highest_price(client, live_session, two_upstreams):
    _, token = live_session
    models = client.get("/v1/models", headers={"Authorization": f"Bearer {token}"}).json()
    (mini,) = [model for model in models["data"] if model["id"] == MODEL]
    assert mini["owned_by"] == "openai"
    assert mini["pricing"]["output_per_million_tokens"] == "0.90"
    assert {
        p["provider"]: p["pricing"]["output_per_million_tokens"] for p in mini["providers"]
    } == {
        "openai": "0.60",
        "backup": "0.90",
    }


def test_embeddings_fail_over_too(client, live_session, two_upstreams):
    fake_openai, fake_backup, _, _ = two_upstreams
    session, token = live_session
    model = "openai/text-embedding-3-small"
    Deployment.objects.create(
        model_id=model, provider="backup", upstream_model="embed-backup", priority=1,
        input_nanos_per_million_tokens=40_000_000,
    )  # fmt: skip
    catalog_cache_clear()
    fake_openai.fail(500)
    response = post_json(client, "/v1/embeddings", {"model": model, "input": "hello"}, token)
    assert response.status_code == 200, response.content
    assert response["X-LLMGateway-Provider"] == "backup"
    assert fake_backup.requests[-1].json["model"] == "embed-backup"
    tokens = response.json()["usage"]["prompt_tokens"]
    charged = USD - Wallet.objects.get(pk=session.wallet_id).balance_nanos
    assert charged == -(-tokens * 40_000_000 // 1_000_000)  # the backup's price, rounded up
    assert_ledger_ok()


def test_weights_spread_requests_within_a_priority(live_secret_key, project, two_upstreams):
    """1,000 requests over two healthy deployments of one priority weighted 3:1 land ~750/250
    (binomial sd ~13.7: the bound is more than 4 sd wide)."""
    fake_openai, fake_backup, primary, backup = two_upstreams
    Deployment.objects.filter(pk=primary.pk).update(weight=3)
    Deployment.objects.filter(pk=backup.pk).update(priority=0, weight=1)
    catalog_cache_clear()
    from wallets import services as wallet_services

    wallet_services.organization_credit_grant(
        organization_id=project.organization_id, amount_nanos=5 * USD, reason="t", livemode=True
    )
    body = json.dumps(
        {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
    )
    headers = {"Authorization": f"Bearer {live_secret_key}"}

    async def requests() -> list[str]:
        client = AsyncClient()

        async def one() -> str:
            response = await client.post(
                CHAT, body, content_type="application/json", headers=headers
            )
            assert response.status_code == 200, response.content
            return response["X-LLMGateway-Provider"]

        providers: list[str] = []
        for _ in range(50):  # 50 rounds of 20 concurrent requests, on one event loop
            providers += await asyncio.gather(*(one() for _ in range(20)))
        return providers

    served = Counter(async_to_sync(requests)())
    assert sum(served.values()) == 1000
    assert 690 <= served["openai"] <= 810, served
    assert (len(_chats(fake_openai)), len(_chats(fake_backup))) == (
        served["openai"],
        served["backup"],
    )
    assert_ledger_ok()


@pytest.mark.parametrize("stream", [False, True])
def test_claude_fails_over_from_anthropic_to_an_openai_compatible_host(
    client, funded_session, fake_anthropic, fake_backup, monkeypatch, stream
):
    """Two API styles behind one model: Anthropic's Messages API answers 529 (overloaded),
    an OpenAI-compatible host of the same model serves, at its own prices."""
    from tests.fakes.anthropic_fixture import FAKE_ANTHROPIC_API_KEY

    model = "anthropic/claude-haiku-4-5"
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_ANTHROPIC_API_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.base_url)
    monkeypatch.setenv("BACKUP_API_KEY", "sk-backup-0123456789")
    monkeypatch.setenv("BACKUP_BASE_URL", fake_backup.base_url)
    Deployment.objects.create(
        model_id=model, provider="backup", upstream_model="claude-haiku-hosted", priority=1,
        input_nanos_per_million_tokens=2 * USD, output_nanos_per_million_tokens=6 * USD,
    )  # fmt: skip
    catalog_cache_clear()
    session, token = funded_session(livemode=True)
    fake_anthropic.fail(529)
    body = {"model": model, "messages": MESSAGES, "stream": stream}
    if stream:
        response, raw = post_stream(CHAT, body, token)
        usage = sse_events(raw)[-2]["usage"]
    else:
        response = post_json(client, CHAT, body, token)
        usage = response.json()["usage"]
    assert response.status_code == 200
    assert response["X-LLMGateway-Provider"] == "backup"
    assert len([r for r in fake_anthropic.requests if r.path == "/v1/messages"]) == 1
    assert _chats(fake_backup)[-1].json["model"] == "claude-haiku-hosted"
    charged = USD - Wallet.objects.get(pk=session.wallet_id).balance_nanos
    assert charged == expected_cost(model, usage, provider="backup") > 0
    assert_ledger_ok()
