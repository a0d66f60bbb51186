"""Fixtures and helpers of the top-up, Stripe and developer-webhook tests.

Import what a test module uses: `from tests.billing.topup_fixtures import *  # noqa: F403`.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
import stripe

from billing.models import TopUp
from sessions_app.services import session_mint
from tests.helpers.api import ApiClient
from tests.helpers.money import USD

STRIPE_TEST_SECRET_KEY = "sk_test_" + "T0pUpsTestKey0123456789abcdef"
STRIPE_TEST_PUBLISHABLE_KEY = "pk_test_" + "T0pUpsTestKey0123456789abcdef"
STRIPE_WEBHOOK_SECRET = "whsec_topups_test_signing_secret_0123456789"

__all__ = [
    "STRIPE_TEST_PUBLISHABLE_KEY",
    "STRIPE_TEST_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "USD",
    "_eager_celery_tasks",
    "browser",
    "payment_intent_payload",
    "post_stripe_event",
    "session_client",
    "signed_stripe_event",
    "stripe_event",
    "stripe_keys",
    "stripe_webhook_path",
]


@pytest.fixture(autouse=True)
def _eager_celery_tasks():
    """Tasks run inline, as without REDIS_URL, even when the run has a Redis broker: these tests
    exercise the services behind the tasks; tests/billing/test_stripe_localstripe.py uses a real
    worker."""
    from llmgateway import celery_app

    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture
def session_client(client, project) -> tuple[ApiClient, dict]:
    """An es_test_ client for end user "user_1" of the project (markup 20%) and its session."""
    session, token = session_mint(project=project, livemode=False, external_id="user_1")
    return ApiClient(client, token), {"walletId": session.wallet_id, "id": session.pk}


@pytest.fixture
def browser(session_client) -> ApiClient:
    return session_client[0]


@pytest.fixture
def stripe_keys(settings):
    """Stripe is the test-mode provider (keys set); STRIPE_API_BASE points nowhere reachable."""
    settings.STRIPE_TEST_SECRET_KEY = STRIPE_TEST_SECRET_KEY
    settings.STRIPE_TEST_PUBLISHABLE_KEY = STRIPE_TEST_PUBLISHABLE_KEY
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # the discard port: nothing answers
    return settings


@pytest.fixture
def stripe_webhook_path(stripe_keys) -> str:
    """The dj-stripe endpoint for test mode, set up by the same service as the command."""
    from billing.stripe_setup import stripe_webhook_endpoint_ensure

    return stripe_webhook_endpoint_ensure(livemode=False, secret=STRIPE_WEBHOOK_SECRET).path


def payment_intent_payload(topup: TopUp, **overrides) -> dict:
    payload = {
        "id": topup.payment_intent_id,
        "object": "payment_intent",
        "amount": topup.total_nanos // 10_000_000,
        "amount_received": topup.total_nanos // 10_000_000,
        "currency": "usd",
        "status": "succeeded",
        "livemode": topup.livemode,
        "latest_charge": f"ch_{topup.pk}",
        "metadata": {"topup_id": topup.pk, "wallet_id": topup.wallet_id},
    }
    payload.update(overrides)
    return payload


def stripe_event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": bool(obj.get("livemode", False)),
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": obj},
    }


def signed_stripe_event(
    event: dict, *, secret: str = STRIPE_WEBHOOK_SECRET, timestamp: int | None = None
) -> tuple[str, str]:
    """The raw body and its Stripe-Signature header, made with stripe-python's own scheme."""
    body = json.dumps(event)
    return body, stripe.WebhookSignature.generate_signature_header(body, secret, timestamp)


def post_stripe_event(client, path: str, event: dict, **signing):
    body, header = signed_stripe_event(event, **signing)
    return client.post(
        path, body, content_type="application/json", headers={"Stripe-Signature": header}
    )
