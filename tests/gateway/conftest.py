"""Fixtures for the OpenAI-compatible endpoints: funded sessions, keys, SSE parsing."""

from __future__ import annotations

import json

import pytest

from billing.models import CatalogModel
from billing.pricing import cost_nanos
from llmgateway.services import api_key_create
from sessions_app.services import session_mint
from tests.fakes.anthropic_fixture import fake_anthropic, fake_anthropic_server  # noqa: F401
from wallets import services as wallet_services

USD = 1_000_000_000


@pytest.fixture(autouse=True)
def _log_at_once(settings):
    settings.REQUEST_LOG_FLUSH_SECONDS = 0


@pytest.fixture
def live_process_env(fake_openai_server):
    from tests.live import FAKE_OPENAI_API_KEY

    return {
        "OPENAI_BASE_URL": fake_openai_server.base_url,
        "OPENAI_API_KEY": FAKE_OPENAI_API_KEY,
        "REQUEST_LOG_FLUSH_SECONDS": "0",
    }


@pytest.fixture
def funded_session(project):
    """Mint a session on a wallet funded with `balance_nanos`; returns (session, token)."""

    def make(*, balance_nanos=USD, external_id="user_1", livemode=False, **scope):
        session, token = session_mint(
            project=project, livemode=livemode, external_id=external_id, **scope
        )
        if balance_nanos:
            wallet_services.wallet_credit(wallet_id=session.wallet_id, amount_nanos=balance_nanos)
        return session, token

    return make


@pytest.fixture
def org_secret_key(project):
    """A test secret key whose organization holds $5 of test credits."""
    wallet_services.organization_credit_grant(
        organization_id=project.organization_id, amount_nanos=5 * USD, reason="t", livemode=False
    )
    return api_key_create(project=project, livemode=False)[1]


def expected_cost(model_id: str, usage: dict, images: int = 0) -> int:
    model = CatalogModel.objects.get(pk=model_id)
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
    return cost_nanos(
        model,
        input_tokens=usage.get("prompt_tokens", 0) - cached,
        output_tokens=usage.get("completion_tokens", 0),
        cached_input_tokens=cached,
        images=images,
    )


def sse_events(raw: bytes) -> list:
    """The `data:` payloads of an SSE body, JSON-decoded ("[DONE]" kept as a string)."""
    events = []
    for line in raw.decode().splitlines():
        if line.startswith("data: "):
            data = line[len("data: ") :]
            events.append(data if data == "[DONE]" else json.loads(data))
    return events


def post_json(client, path, body, key, **headers):
    return client.post(
        path,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}", **headers},
    )


def post_stream(path: str, body: dict, key: str):
    """POST through Django's AsyncClient and read the whole stream in the same event loop (as
    an ASGI server does); returns (response, body bytes)."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    async def go():
        response = await AsyncClient().post(
            path,
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )
        if not response.streaming:
            return response, response.content
        return response, b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(go)()
