"""Payout fixtures: the loopback Stripe Connect fake, live keys, an onboarded organization with
margin to pay out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from payouts.models import ConnectedAccount
from tests.fakes.stripe_connect_server import FakeStripeConnect
from tests.helpers.api import ApiClient
from tests.helpers.money import USD
from tests.helpers.payouts import (
    REFRESH_URL,
    RETURN_URL,
    STRIPE_LIVE_SECRET_KEY,
    margin_earn,
    onboard,
)


@pytest.fixture(autouse=True)
def _eager_celery_tasks():
    """Tasks run inline even when the run has a Redis broker, unless a test starts a real
    worker (`celery_worker_process` turns eager off for itself)."""
    from llmgateway import celery_app

    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture(scope="session")
def stripe_connect_server() -> Iterator[FakeStripeConnect]:
    fake = FakeStripeConnect().start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_connect(stripe_connect_server, settings) -> Iterator[FakeStripeConnect]:
    """The fake, reset, with the gateway's live key and base address pointed at it."""
    stripe_connect_server.reset()
    settings.STRIPE_LIVE_SECRET_KEY = STRIPE_LIVE_SECRET_KEY
    settings.STRIPE_API_BASE = stripe_connect_server.base_url
    settings.CONNECT_RETURN_URL = RETURN_URL
    settings.CONNECT_REFRESH_URL = REFRESH_URL
    yield stripe_connect_server
    stripe_connect_server.reset()


@pytest.fixture
def live_api(client, live_secret_key) -> ApiClient:
    return ApiClient(client, live_secret_key)


@pytest.fixture
def connected(organization, stripe_connect) -> ConnectedAccount:
    return onboard(organization, stripe_connect)


@pytest.fixture
def earned(organization, connected) -> int:
    """$100.005: an odd half cent that must stay behind."""
    amount = 100 * USD + 5_000_000
    margin_earn(organization, amount)
    return amount
