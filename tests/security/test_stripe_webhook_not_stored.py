"""A request to the Stripe webhook URL that is not signed by the endpoint's secret is refused
before anything is stored: dj-stripe on its own keeps a row (headers and body) for each one, so
anyone who learned the URL could fill the table. A signed event is still stored and applied."""

from __future__ import annotations

import pytest
from djstripe.models import Event, WebhookEventTrigger

from billing.models import TopUpCredit
from tests.billing.test_stripe_webhooks import make_stripe_topup
from tests.billing.topup_fixtures import *  # noqa: F403
from tests.billing.topup_fixtures import (
    STRIPE_WEBHOOK_SECRET,
    payment_intent_payload,
    signed_stripe_event,
    stripe_event,
)
from tests.helpers.money import assert_ledger_ok
from wallets.models import Wallet

pytestmark = pytest.mark.django_db


def _post(client, path, body, signature):
    headers = {"Stripe-Signature": signature} if signature is not None else {}
    return client.post(path, body, content_type="application/json", headers=headers)


def test_forged_unsigned_and_stale_posts_are_refused_and_not_stored(
    client, settings, wallet, stripe_webhook_path, django_capture_on_commit_callbacks
):
    settings.DEBUG = False
    topup = make_stripe_topup(wallet)
    event = stripe_event("payment_intent.succeeded", payment_intent_payload(topup))
    forged_body, forged_signature = signed_stripe_event(event, secret="whsec_not_the_endpoints")
    good_body, good_signature = signed_stripe_event(event, secret=STRIPE_WEBHOOK_SECRET)
    attempts = [
        (forged_body, forged_signature),  # someone else's secret
        (forged_body, None),  # no signature header
        (forged_body, "t=1,v1=00"),  # garbage signature
        (good_body + " ", good_signature),  # body changed after signing
        signed_stripe_event(event, timestamp=1_600_000_000),  # outside the tolerance
        (b"\xff\xfe not utf-8", good_signature),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(20):
            for body, signature in attempts:
                assert _post(client, stripe_webhook_path, body, signature).status_code == 400

    assert not WebhookEventTrigger.objects.exists()
    assert not Event.objects.exists()
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, stripe_webhook_path, good_body, good_signature)

    assert response.status_code == 200
    assert WebhookEventTrigger.objects.get().valid is True
    assert Event.objects.count() == 1
    assert TopUpCredit.objects.count() == 1
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos > 0
    assert_ledger_ok()


def test_an_unknown_endpoint_is_a_404_and_stores_nothing(client, stripe_webhook_path):
    response = _post(client, "/stripe/webhook/00000000-0000-0000-0000-000000000000/", b"{}", "x")

    assert response.status_code == 404
    assert not WebhookEventTrigger.objects.exists()
