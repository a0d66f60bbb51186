"""Payout fixtures: the loopback Stripe Connect fake, live keys, an onboarded organization with
margin to pay out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from payouts import services
from payouts.models import ConnectedAccount
from tests.conftest import ApiClient
from tests.factories import USD
from tests.fakes.stripe_connect_server import FakeStripeConnect
from wallets import services as wallet_services
from wallets.models import LedgerAccount, LedgerTransaction

STRIPE_LIVE_SECRET_KEY = "sk_live_" + "PayoutsTestKey0123456789abcdef"
RETURN_URL = "https://dashboard.example/connect/done"
REFRESH_URL = "https://dashboard.example/connect/again"


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


def onboard(organization, fake: FakeStripeConnect) -> ConnectedAccount:
    """Onboarding as the developer finishes it: account, Stripe's form, `account.updated`."""
    link = services.connect_onboarding_start(organization_id=organization.pk, livemode=True)
    services.connected_account_sync(account=fake.onboard(link.account.stripe_account_id))
    return ConnectedAccount.objects.get(pk=link.account.pk)


def margin_earn(organization, amount_nanos: int, *, livemode: bool = True) -> None:
    """Margin as a top-up accrues it: payment clearing → the organization's margin."""
    wallet_services.account_transfer(
        from_account=wallet_services.account_for_system(
            kind=LedgerAccount.Kind.PAYMENT_CLEARING, livemode=livemode
        ),
        to_account=wallet_services.account_for_organization(
            organization_id=organization.pk, kind=LedgerAccount.Kind.ORG_MARGIN, livemode=livemode
        ),
        amount_nanos=amount_nanos,
        kind=LedgerTransaction.Kind.TOPUP,
        description="test margin",
    )


@pytest.fixture
def connected(organization, stripe_connect) -> ConnectedAccount:
    return onboard(organization, stripe_connect)


@pytest.fixture
def earned(organization, connected) -> int:
    """$100.005: an odd half cent that must stay behind."""
    amount = 100 * USD + 5_000_000
    margin_earn(organization, amount)
    return amount
