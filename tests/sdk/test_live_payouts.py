"""Connect onboarding and margin payouts through the SDK, against a live daphne whose Stripe is the
loopback Stripe Connect fake (tests/fakes/stripe_connect_server.py)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from llmgateway_server import ConflictError, LLMGateway, Payout

from payouts import services
from tests.fakes.stripe_connect_server import FakeStripeConnect
from tests.helpers.money import USD, assert_ledger_ok
from tests.helpers.payouts import STRIPE_LIVE_SECRET_KEY, margin_earn

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def stripe_connect_server():
    fake = FakeStripeConnect().start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_connect(stripe_connect_server, settings):
    stripe_connect_server.reset()
    settings.STRIPE_LIVE_SECRET_KEY = STRIPE_LIVE_SECRET_KEY
    settings.STRIPE_API_BASE = stripe_connect_server.base_url
    yield stripe_connect_server
    stripe_connect_server.reset()


@pytest.fixture
def live_process_env(live_process_env, stripe_connect):
    return {
        **live_process_env,
        "STRIPE_LIVE_SECRET_KEY": STRIPE_LIVE_SECRET_KEY,
        "STRIPE_API_BASE": stripe_connect.base_url,
        "CONNECT_RETURN_URL": "https://dashboard.example/connect/done",
        "CONNECT_REFRESH_URL": "https://dashboard.example/connect/again",
    }


@pytest.fixture
def live_gateway(live_server_url, live_secret_key):
    client = LLMGateway(api_key=live_secret_key, base_url=live_server_url)
    yield client
    client.close()


def wait_for_status(gateway: LLMGateway, payout_id: str, status: str) -> Payout:
    deadline = time.monotonic() + 20
    while (payout := gateway.payouts.get(payout_id)).status != status:
        assert time.monotonic() < deadline, f"payout still {payout.status}"
        time.sleep(0.1)
    return payout


def test_onboard_then_pay_out_margin_once_per_key(live_gateway, stripe_connect, organization):
    before = live_gateway.connect.status()
    assert (before.account_id, before.onboarded, before.payouts_enabled) == (None, False, False)

    link = live_gateway.connect.onboarding()

    assert link.account_id.startswith("acct_") and link.url.startswith("http")
    # The developer fills in Stripe's form; Stripe's account.updated is what records it.
    services.connected_account_sync(account=stripe_connect.onboard(link.account_id))
    after = live_gateway.connect.status()
    assert (after.account_id, after.onboarded, after.payouts_enabled) == (
        link.account_id,
        True,
        True,
    )

    margin_earn(organization, 100 * USD + 5_000_000)
    payout = live_gateway.payouts.create(amount=Decimal("12.34"), idempotency_key="po-1")
    again = live_gateway.payouts.create(amount="12.34", idempotency_key="po-1")

    assert (payout.amount, payout.livemode, payout.replayed) == (Decimal("12.34"), True, False)
    assert (again.id, again.replayed) == (payout.id, True)
    paid = wait_for_status(live_gateway, payout.id, "paid")
    assert paid.transfer_id and paid.paid_at is not None
    assert stripe_connect.transfers_for_key(payout.id) == 1
    assert [listed.id for listed in live_gateway.payouts.list()] == [payout.id]
    balance = live_gateway.balance.get()
    assert (balance.margin_available, balance.margin_reserved, balance.margin_paid) == (
        Decimal("87.665"),
        Decimal("0"),
        Decimal("12.34"),
    )
    assert_ledger_ok()


def test_test_mode_payouts_need_a_connected_account(gateway):
    with pytest.raises(ConflictError) as refused:
        gateway.payouts.create()
    assert (refused.value.status, refused.value.code) == (409, "payouts_not_enabled")
