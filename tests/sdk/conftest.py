"""Fixtures of the SDK tests: the SDK pointed at a live daphne, and a loopback fake gateway."""

from __future__ import annotations

import pytest
from llmgateway_server import LLMGateway

from tests.sdk.fake_gateway import FakeGateway


@pytest.fixture
def live_process_env(live_process_env):
    # Test-mode webhook endpoints may point at the loopback receiver (docs/webhooks.md).
    return {**live_process_env, "WEBHOOK_ALLOW_HTTP_LOOPBACK": "true"}


@pytest.fixture
def fund_organization(project):
    """Grant the project's organization test-mode credits (what wallet grants draw on)."""
    from wallets import services

    def fund(amount_nanos: int) -> None:
        services.organization_credit_grant(
            organization_id=project.organization_id,
            amount_nanos=amount_nanos,
            reason="sdk tests",
            livemode=False,
        )

    return fund


@pytest.fixture
def gateway(live_server_url, secret_key):
    """The sync SDK against the live server, with the project's sk_test_ key."""
    client = LLMGateway(api_key=secret_key, base_url=live_server_url)
    yield client
    client.close()


@pytest.fixture
def fake_gateway():
    fake = FakeGateway().start()
    yield fake
    fake.stop()
