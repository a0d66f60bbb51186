"""End to end against localstripe: top-up → card confirmation → signed webhook → dj-stripe → a real
Celery worker credits the wallet. Everything runs in separate processes on loopback."""

from __future__ import annotations

import time

import httpx
import pytest
import stripe

from billing.models import TopUp, TopUpCredit
from billing.stripe_setup import stripe_webhook_endpoint_ensure
from sessions_app.services import session_mint
from tests.billing.topup_fixtures import (
    STRIPE_TEST_PUBLISHABLE_KEY,
    STRIPE_TEST_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
)
from tests.fakes.localstripe_process import localstripe  # noqa: F401  (fixture)
from tests.helpers.money import assert_ledger_ok
from wallets.models import Wallet

CREDIT_TIMEOUT_SECONDS = 30.0


@pytest.fixture
def live_process_env(fake_openai_server, localstripe):  # noqa: F811
    """daphne creates PaymentIntents on localstripe; the worker needs no Stripe at all."""
    return {
        "STRIPE_TEST_SECRET_KEY": STRIPE_TEST_SECRET_KEY,
        "STRIPE_TEST_PUBLISHABLE_KEY": STRIPE_TEST_PUBLISHABLE_KEY,
        "STRIPE_API_BASE": localstripe.url,
    }


def _confirm_with_test_card(localstripe_url: str, payment_intent_id: str) -> None:
    """What Stripe Elements does in the browser: attach the 4242 card and confirm."""
    client = stripe.StripeClient(STRIPE_TEST_SECRET_KEY, base_addresses={"api": localstripe_url})
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    method = client.v1.payment_methods.create(params={"type": "card", "card": card})
    # localstripe takes the payment method on update, not on confirm.
    client.v1.payment_intents.update(payment_intent_id, params={"payment_method": method["id"]})
    confirmed = client.v1.payment_intents.confirm(payment_intent_id)
    assert confirmed["status"] == "succeeded"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_top_up_end_to_end_through_localstripe_and_a_real_worker(
    project,
    settings,
    localstripe,  # noqa: F811
    celery_worker_process,
    live_server_url,
):
    settings.STRIPE_TEST_SECRET_KEY = STRIPE_TEST_SECRET_KEY
    path = stripe_webhook_endpoint_ensure(livemode=False, secret=STRIPE_WEBHOOK_SECRET).path
    localstripe.register_webhook(
        url=f"{live_server_url}{path}",
        secret=STRIPE_WEBHOOK_SECRET,
        events=["payment_intent.succeeded", "payment_intent.payment_failed"],
    )
    session, token = session_mint(project=project, livemode=False, external_id="buyer")
    headers = {"Authorization": f"Bearer {token}"}

    created = httpx.post(
        f"{live_server_url}/v1/wallet/top-ups", json={"amount": "10.00"}, headers=headers
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["provider"], body["publishableKey"]) == ("stripe", STRIPE_TEST_PUBLISHABLE_KEY)
    assert body["clientSecret"].startswith("pi_")
    assert (body["total"], body["netCredit"]) == ("10.00", "8.333333333")
    topup = TopUp.objects.get(pk=body["id"])

    _confirm_with_test_card(localstripe.url, topup.payment_intent_id)

    deadline = time.monotonic() + CREDIT_TIMEOUT_SECONDS
    balance = None
    while time.monotonic() < deadline:
        balance = httpx.get(f"{live_server_url}/v1/wallet", headers=headers).json()["balance"]
        if balance != "0.00":
            break
        time.sleep(0.2)
    assert balance == "8.333333333", (
        f"not credited; localstripe log:\n{localstripe.log_text()[-3000:]}\n"
        f"worker log:\n{celery_worker_process.log_text()[-3000:]}"
    )
    assert Wallet.objects.get(pk=session.wallet_id).balance_nanos == 8_333_333_333
    topup.refresh_from_db()
    assert topup.status == "succeeded"
    assert TopUpCredit.objects.get().payment_intent_id == topup.payment_intent_id
    assert "billing.tasks.topup_credit" in celery_worker_process.log_text()
    assert_ledger_ok()
