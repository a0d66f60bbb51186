"""Connect onboarding and status endpoints, and `account.updated` through dj-stripe."""

from __future__ import annotations

import json
import socket
import time

import pytest
import stripe

from billing.stripe_setup import stripe_webhook_endpoint_ensure
from payouts.models import ConnectedAccount
from tests.helpers.api import assert_error
from tests.helpers.payouts import REFRESH_URL, RETURN_URL

CONNECT_WEBHOOK_SECRET = "whsec_connect_test_signing_secret_0123456789"


def test_onboarding_creates_an_express_account_and_a_link(live_api, organization, stripe_connect):
    response = live_api.post("/v1/connect/onboarding")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accountId"].startswith("acct_")
    assert body["url"].startswith(f"https://connect.stripe.com/setup/e/{body['accountId']}/")
    account = ConnectedAccount.objects.get()
    assert (account.organization_id, account.livemode) == (organization.pk, True)
    assert account.stripe_account_id == body["accountId"]
    link_request = stripe_connect.requests[-1]
    assert (link_request.params["return_url"], link_request.params["refresh_url"]) == (
        RETURN_URL,
        REFRESH_URL,
    )


def test_onboarding_again_reuses_the_account_with_a_new_link(live_api, stripe_connect):
    first = live_api.post("/v1/connect/onboarding").json()
    second = live_api.post(
        "/v1/connect/onboarding",
        {"returnUrl": "https://app.example/back", "refreshUrl": "https://app.example/retry"},
    ).json()

    assert first["accountId"] == second["accountId"]
    assert first["url"] != second["url"]
    assert len(stripe_connect.accounts) == 1
    assert stripe_connect.requests[-1].params["return_url"] == "https://app.example/back"


def test_onboarding_needs_https_return_urls(live_api, stripe_connect, settings):
    settings.CONNECT_RETURN_URL = ""
    assert_error(live_api.post("/v1/connect/onboarding"), 400, "invalid_request", "returnUrl")
    assert_error(
        live_api.post("/v1/connect/onboarding", {"returnUrl": "http://app.example/back"}),
        400,
        "invalid_request",
        "returnUrl",
    )
    assert_error(
        live_api.post("/v1/connect/onboarding", {"returnUrl": "not a url"}),
        400,
        "invalid_request",
        "returnUrl",
    )


def test_onboarding_without_stripe_keys_is_a_clear_400(live_api, settings):
    settings.STRIPE_LIVE_SECRET_KEY = ""

    error = assert_error(live_api.post("/v1/connect/onboarding"), 400, "invalid_request")

    assert "not configured" in error["message"]


def test_onboarding_when_stripe_fails_is_a_502_and_stores_nothing(live_api, stripe_connect):
    stripe_connect.fail("declined", path="/v1/accounts", code="platform_not_connect_enabled")

    assert_error(live_api.post("/v1/connect/onboarding"), 502, "upstream_error")
    assert not ConnectedAccount.objects.exists()


def test_status_before_onboarding(live_api, api):
    for client in (live_api, api):
        body = client.get("/v1/connect/status").json()
        assert (body["accountId"], body["onboarded"], body["payoutsEnabled"]) == (
            None,
            False,
            False,
        )
    assert live_api.get("/v1/connect/status").json()["livemode"] is True


@pytest.fixture
def connect_webhook_path(stripe_connect) -> str:
    return stripe_webhook_endpoint_ensure(
        livemode=True,
        secret=CONNECT_WEBHOOK_SECRET,
        endpoint_id="we_local_connect_live",
        events=["account.updated"],
    ).path


def _post_account_updated(client, path: str, account: dict, *, created: int | None = None):
    event = {
        "id": f"evt_{account['id']}_{time.monotonic_ns()}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": created or int(time.time()),
        "livemode": True,
        "account": account["id"],  # a Connect event: it happened on the connected account
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "account.updated",
        "data": {"object": account},
    }
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, CONNECT_WEBHOOK_SECRET)
    return client.post(
        path, body, content_type="application/json", headers={"Stripe-Signature": header}
    )


@pytest.fixture
def block_network(monkeypatch):
    """Call it after onboarding: dj-stripe must not call Stripe while processing the event."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access while processing a webhook")

    return lambda: monkeypatch.setattr(socket.socket, "connect", refuse)


def test_account_updated_webhook_keeps_payouts_enabled_current(
    client, live_api, stripe_connect, connect_webhook_path, block_network
):
    account_id = live_api.post("/v1/connect/onboarding").json()["accountId"]
    enabled = stripe_connect.onboard(account_id)
    block_network()
    disabled = {**enabled, "payouts_enabled": False}

    response = _post_account_updated(client, connect_webhook_path, enabled)

    assert response.status_code == 200, response.content
    status = live_api.get("/v1/connect/status").json()
    assert status == {
        "object": "connect_status",
        "accountId": account_id,
        "onboarded": True,
        "payoutsEnabled": True,
        "livemode": True,
    }
    _post_account_updated(client, connect_webhook_path, disabled)
    assert live_api.get("/v1/connect/status").json()["payoutsEnabled"] is False


def test_an_older_account_updated_arriving_late_is_ignored(
    client, live_api, stripe_connect, connect_webhook_path, block_network
):
    account_id = live_api.post("/v1/connect/onboarding").json()["accountId"]
    enabled = stripe_connect.onboard(account_id)
    block_network()
    now = int(time.time())

    _post_account_updated(client, connect_webhook_path, enabled, created=now)
    _post_account_updated(
        client, connect_webhook_path, {**enabled, "payouts_enabled": False}, created=now - 60
    )

    assert live_api.get("/v1/connect/status").json()["payoutsEnabled"] is True


def test_account_updated_badly_signed_changes_nothing(
    client, live_api, stripe_connect, connect_webhook_path
):
    account_id = live_api.post("/v1/connect/onboarding").json()["accountId"]
    enabled = stripe_connect.onboard(account_id)

    response = client.post(
        connect_webhook_path,
        '{"id": "evt_x", "type": "account.updated", "data": {"object": {}}}',
        content_type="application/json",
        headers={"Stripe-Signature": "t=1,v1=00"},
    )

    assert response.status_code == 400
    assert enabled["payouts_enabled"] is True
    assert ConnectedAccount.objects.get().payouts_enabled is False
