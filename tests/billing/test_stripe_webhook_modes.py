"""A Stripe event is applied only in the mode of the endpoint that verified its signature, and
only when the payment is in dollars for exactly what the top-up charges."""

from __future__ import annotations

import logging

import pytest
from djstripe.models import Event, WebhookEventTrigger

from billing.models import TopUp, TopUpCredit
from billing.stripe_setup import stripe_webhook_endpoint_ensure
from tests.billing.test_stripe_webhooks import make_stripe_topup
from tests.billing.topup_fixtures import *  # noqa: F403
from tests.billing.topup_fixtures import (
    STRIPE_WEBHOOK_SECRET,
    payment_intent_payload,
    post_stripe_event,
    stripe_event,
)
from tests.helpers.factories import make_wallet
from tests.helpers.money import assert_ledger_ok
from wallets.models import LedgerTransaction, Wallet

STRIPE_LIVE_SECRET_KEY = "sk_live_" + "L1veModeTestKey0123456789abcdef"
STRIPE_LIVE_WEBHOOK_SECRET = "whsec_live_mode_signing_secret_0123456789"

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_webhook_path(stripe_keys) -> str:
    stripe_keys.STRIPE_LIVE_SECRET_KEY = STRIPE_LIVE_SECRET_KEY
    return stripe_webhook_endpoint_ensure(livemode=True, secret=STRIPE_LIVE_WEBHOOK_SECRET).path


@pytest.fixture
def live_wallet(project) -> Wallet:
    return make_wallet(project, external_id="live_user", livemode=True)


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """Post a signed event; answer the response and the on-commit callbacks it queued."""

    def send(path: str, event: dict, *, secret: str):
        with django_capture_on_commit_callbacks(execute=True) as queued:
            response = post_stripe_event(client, path, event, secret=secret)
        return response, queued

    return send


def _assert_not_credited(wallet: Wallet, topup: TopUp) -> None:
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 0
    assert TopUp.objects.get(pk=topup.pk).status == TopUp.Status.PENDING
    assert not TopUpCredit.objects.exists()
    assert not LedgerTransaction.objects.filter(kind="topup").exists()
    assert_ledger_ok()


def test_test_mode_event_marked_live_does_not_credit_a_live_top_up(
    live_wallet, stripe_webhook_path, live_webhook_path, deliver, caplog
):
    """The attack: the live top-up's payment intent id is in its clientSecret, so whoever holds
    the (less guarded) test signing secret could sign `livemode: true` for it."""
    topup = make_stripe_topup(live_wallet)
    event = stripe_event("payment_intent.succeeded", payment_intent_payload(topup))
    assert event["livemode"] is True

    with caplog.at_level(logging.WARNING, logger="billing.payment_events.stripe_receivers"):
        response, queued = deliver(stripe_webhook_path, event, secret=STRIPE_WEBHOOK_SECRET)

    assert response.status_code == 400
    assert queued == []
    assert not Event.objects.filter(id=event["id"]).exists()
    assert WebhookEventTrigger.objects.get().valid is False
    assert any(
        event["id"] in record.getMessage() and "mode" in record.getMessage()
        for record in caplog.records
    ), [record.getMessage() for record in caplog.records]
    _assert_not_credited(live_wallet, topup)


def test_live_endpoint_refuses_an_event_marked_test(wallet, live_webhook_path, deliver, caplog):
    topup = make_stripe_topup(wallet)
    event = stripe_event("payment_intent.succeeded", payment_intent_payload(topup))
    assert event["livemode"] is False

    with caplog.at_level(logging.WARNING, logger="billing.payment_events.stripe_receivers"):
        response, queued = deliver(live_webhook_path, event, secret=STRIPE_LIVE_WEBHOOK_SECRET)

    assert response.status_code == 400
    assert queued == []
    assert any(event["id"] in record.getMessage() for record in caplog.records)
    _assert_not_credited(wallet, topup)


def test_event_whose_object_is_in_the_other_mode_is_refused(
    live_wallet, stripe_webhook_path, live_webhook_path, deliver
):
    """The event says test, the payment intent inside says live: the mode is not trusted."""
    topup = make_stripe_topup(live_wallet)
    event = stripe_event("payment_intent.succeeded", payment_intent_payload(topup))
    event["livemode"] = False

    response, queued = deliver(stripe_webhook_path, event, secret=STRIPE_WEBHOOK_SECRET)

    assert response.status_code == 400
    assert queued == []
    _assert_not_credited(live_wallet, topup)


def test_payment_in_another_currency_credits_nothing(wallet, stripe_webhook_path, deliver, caplog):
    topup = make_stripe_topup(wallet)
    payload = payment_intent_payload(topup, currency="eur")

    with caplog.at_level(logging.WARNING, logger="billing.payment_events.stripe_receivers"):
        response, queued = deliver(
            stripe_webhook_path,
            stripe_event("payment_intent.succeeded", payload),
            secret=STRIPE_WEBHOOK_SECRET,
        )

    assert response.status_code == 200  # genuine and delivered: Stripe must not retry it
    assert queued == []
    assert any("eur" in record.getMessage() for record in caplog.records)
    _assert_not_credited(wallet, topup)


@pytest.mark.parametrize("amount_received", ["missing", None, "1000", 10.0, True])
def test_payment_without_an_integer_amount_received_credits_nothing(
    wallet, stripe_webhook_path, deliver, amount_received
):
    topup = make_stripe_topup(wallet)
    payload = payment_intent_payload(topup)
    assert payload["amount_received"] == 1000
    if amount_received == "missing":
        del payload["amount_received"]
    else:
        payload["amount_received"] = amount_received

    response, queued = deliver(
        stripe_webhook_path,
        stripe_event("payment_intent.succeeded", payload),
        secret=STRIPE_WEBHOOK_SECRET,
    )

    assert response.status_code == 200
    assert queued == []
    _assert_not_credited(wallet, topup)


def test_the_credit_task_refuses_a_payment_without_amount_received(wallet):
    """The task is the boundary every crediting path goes through (Stripe and simulated)."""
    from billing.payment_events import tasks

    topup = make_stripe_topup(wallet)
    assert tasks.topup_credit(payment_intent_id=topup.payment_intent_id, livemode=False) is False
    _assert_not_credited(wallet, topup)


def test_test_mode_event_on_the_test_endpoint_credits(wallet, stripe_webhook_path, deliver):
    topup = make_stripe_topup(wallet)
    event = stripe_event("payment_intent.succeeded", payment_intent_payload(topup))

    response, queued = deliver(stripe_webhook_path, event, secret=STRIPE_WEBHOOK_SECRET)

    assert response.status_code == 200, response.content
    assert queued  # the credit task, then its own on-commit pushes
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 8_333_333_333
    assert TopUp.objects.get(pk=topup.pk).status == TopUp.Status.SUCCEEDED
    assert TopUpCredit.objects.get().source_event_id == event["id"]
    assert_ledger_ok()


def test_live_event_on_the_live_endpoint_credits(live_wallet, live_webhook_path, deliver):
    topup = make_stripe_topup(live_wallet)
    event = stripe_event("payment_intent.succeeded", payment_intent_payload(topup))

    response, queued = deliver(live_webhook_path, event, secret=STRIPE_LIVE_WEBHOOK_SECRET)

    assert response.status_code == 200, response.content
    assert queued  # the credit task, then its own on-commit pushes
    assert Wallet.objects.get(pk=live_wallet.pk).balance_nanos == 8_333_333_333
    assert TopUp.objects.get(pk=topup.pk).status == TopUp.Status.SUCCEEDED
    assert LedgerTransaction.objects.get(kind="topup").livemode is True
    assert_ledger_ok()


def test_a_refund_signed_in_the_other_mode_is_refused(
    live_wallet, stripe_webhook_path, live_webhook_path, deliver
):
    """The guard sits where dj-stripe verifies, so it covers every event type, not only
    credits: a test-signed `charge.refunded` marked live reverses no live top-up."""
    topup = make_stripe_topup(live_wallet)
    response, _ = deliver(
        live_webhook_path,
        stripe_event("payment_intent.succeeded", payment_intent_payload(topup)),
        secret=STRIPE_LIVE_WEBHOOK_SECRET,
    )
    assert response.status_code == 200
    charge = {
        "id": f"ch_{topup.pk}",
        "object": "charge",
        "payment_intent": topup.payment_intent_id,
        "amount": 1000,
        "amount_refunded": 1000,
        "refunded": True,
        "livemode": True,
    }

    response, queued = deliver(
        stripe_webhook_path,
        stripe_event("charge.refunded", charge),
        secret=STRIPE_WEBHOOK_SECRET,
    )

    assert response.status_code == 400
    assert queued == []
    assert Wallet.objects.get(pk=live_wallet.pk).balance_nanos == 8_333_333_333
    assert not LedgerTransaction.objects.filter(kind="refund").exists()
    assert_ledger_ok()
