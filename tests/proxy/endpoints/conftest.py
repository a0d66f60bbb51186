"""Fixtures of the OpenAI-compatible endpoint tests (proxy/endpoints.py through the views and the
ASGI front): request logs written at once, the live processes' environment, a funded test key,
the Anthropic fake. Helpers are in tests/helpers/gateway.py."""

from __future__ import annotations

import pytest

from llmgateway.services import api_key_create
from tests.fakes.anthropic_fixture import fake_anthropic, fake_anthropic_server  # noqa: F401
from tests.helpers.money import USD
from wallets import services as wallet_services


@pytest.fixture(autouse=True)
def _log_at_once(settings):
    settings.REQUEST_LOG_FLUSH_SECONDS = 0


@pytest.fixture
def live_process_env(fake_openai_server):
    from tests.helpers.live import FAKE_OPENAI_API_KEY

    return {
        "OPENAI_BASE_URL": fake_openai_server.base_url,
        "OPENAI_API_KEY": FAKE_OPENAI_API_KEY,
        "REQUEST_LOG_FLUSH_SECONDS": "0",
    }


@pytest.fixture
def org_secret_key(project):
    """A test secret key whose organization holds $5 of test credits."""
    wallet_services.organization_credit_grant(
        organization_id=project.organization_id, amount_nanos=5 * USD, reason="t", livemode=False
    )
    return api_key_create(project=project, livemode=False)[1]
