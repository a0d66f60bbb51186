"""dj-stripe trusts a request header `X-Djstripe-Webhook-Secret` over the endpoint's signing
secret when DEBUG is on (for `stripe listen`). Production runs with DEBUG off, where an attacker
who signs an event with a secret of their own and names it in that header is refused."""

from __future__ import annotations

import pytest
from djstripe.models import Event, WebhookEventTrigger

from billing.models import TopUp, TopUpCredit
from tests.billing.test_stripe_webhooks import make_stripe_topup
from tests.billing.topup_fixtures import *  # noqa: F403
from tests.billing.topup_fixtures import payment_intent_payload, signed_stripe_event, stripe_event
from tests.helpers.money import assert_ledger_ok
from wallets.models import Wallet

ATTACKER_SECRET = "whsec_attacker_chosen_secret_0123456789abcdef"

pytestmark = pytest.mark.django_db


def _forged_post(client, path: str, topup: TopUp):
    event = stripe_event("payment_intent.succeeded", payment_intent_payload(topup))
    body, signature = signed_stripe_event(event, secret=ATTACKER_SECRET)
    return client.post(
        path,
        body,
        content_type="application/json",
        headers={"Stripe-Signature": signature, "X-Djstripe-Webhook-Secret": ATTACKER_SECRET},
    )


def test_forged_event_with_the_secret_override_header_is_refused_without_debug(
    client, settings, wallet, stripe_webhook_path, django_capture_on_commit_callbacks
):
    settings.DEBUG = False
    topup = make_stripe_topup(wallet)

    with django_capture_on_commit_callbacks(execute=True):
        response = _forged_post(client, stripe_webhook_path, topup)

    assert response.status_code == 400
    assert not Event.objects.exists()
    assert not WebhookEventTrigger.objects.exists()  # refused before dj-stripe stores it
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 0
    topup.refresh_from_db()
    assert topup.status != "succeeded"
    assert not TopUpCredit.objects.exists()
    assert_ledger_ok()


def test_the_same_forgery_works_under_debug_which_is_why_production_never_runs_it(
    client, settings, wallet, stripe_webhook_path, django_capture_on_commit_callbacks
):
    """The control: proves the header is the attack the first test shuts out."""
    settings.DEBUG = True
    topup = make_stripe_topup(wallet)

    with django_capture_on_commit_callbacks(execute=True):
        response = _forged_post(client, stripe_webhook_path, topup)

    assert response.status_code == 200
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos > 0
