"""Stripe's signed webhooks through the dj-stripe endpoint: crediting once, offline."""

from __future__ import annotations

import socket
import time

import pytest
from django.core.management import call_command
from django.test import Client

from billing.markup import topup_split
from billing.models import TopUp, TopUpCredit
from tests.billing.topup_fixtures import *  # noqa: F403
from tests.billing.topup_fixtures import (
    STRIPE_WEBHOOK_SECRET,
    USD,
    payment_intent_payload,
    post_stripe_event,
    stripe_event,
)
from tests.helpers.concurrency import run_concurrently
from tests.helpers.money import assert_ledger_ok
from wallets.models import LedgerTransaction, Wallet


def make_stripe_topup(wallet: Wallet, *, amount_nanos: int = 10 * USD, pi: str = "") -> TopUp:
    project = wallet.customer.project
    split = topup_split(
        amount_nanos=amount_nanos, markup_percent=project.markup_percent, fee_percent=0
    )
    return TopUp.objects.create(
        organization_id=project.organization_id,
        project=project,
        wallet=wallet,
        livemode=wallet.livemode,
        provider=TopUp.Provider.STRIPE,
        amount_nanos=split.amount_nanos,
        fee_nanos=split.fee_nanos,
        total_nanos=split.total_nanos,
        net_nanos=split.net_nanos,
        margin_nanos=split.margin_nanos,
        markup_percent=project.markup_percent,
        payment_intent_id=pi or f"pi_{wallet.pk[-12:]}{TopUp.objects.count()}",
        client_secret="pi_secret",
    )


@pytest.fixture
def offline(monkeypatch):
    """Any connection to a non-loopback address fails, and every attempt is recorded."""
    attempts: list = []
    real_connect = socket.socket.connect

    def connect(self, address):
        attempts.append(address)
        host = address[0] if isinstance(address, tuple) else ""
        if host not in ("127.0.0.1", "::1", "localhost") and self.family != socket.AF_UNIX:
            raise OSError(f"network blocked in this test: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


@pytest.mark.django_db
def test_signed_payment_intent_succeeded_credits_without_calling_stripe(
    client, wallet, stripe_webhook_path, offline, django_capture_on_commit_callbacks
):
    topup = make_stripe_topup(wallet)
    event = stripe_event("payment_intent.succeeded", payment_intent_payload(topup))
    with django_capture_on_commit_callbacks(execute=True):
        response = post_stripe_event(client, stripe_webhook_path, event)
    assert response.status_code == 200, response.content
    # STRIPE_API_BASE is a closed loopback port and the rest of the network is blocked: any
    # call to Stripe would have failed the request. None was even attempted.
    assert [address for address in offline if address[1] == 9] == []
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 8_333_333_333
    topup.refresh_from_db()
    assert topup.status == "succeeded"
    assert topup.charge_id == f"ch_{topup.pk}"
    assert TopUpCredit.objects.get().source_event_id == event["id"]
    assert_ledger_ok()


@pytest.mark.django_db
def test_redelivered_payment_intent_credits_once(
    client, wallet, stripe_webhook_path, offline, django_capture_on_commit_callbacks
):
    topup = make_stripe_topup(wallet)
    payload = payment_intent_payload(topup)
    first = stripe_event("payment_intent.succeeded", payload)
    with django_capture_on_commit_callbacks(execute=True):
        for event in [
            first,
            first,
            *(stripe_event("payment_intent.succeeded", payload) for _ in range(3)),
        ]:
            assert post_stripe_event(client, stripe_webhook_path, event).status_code == 200
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 8_333_333_333
    assert TopUpCredit.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="topup").count() == 1
    assert_ledger_ok()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "whsec_not_the_right_secret_at_all_0123456789"},
        {"timestamp": int(time.time()) - 3600},  # older than the 300 s tolerance
    ],
    ids=["bad-signature", "stale-timestamp"],
)
def test_bad_or_stale_signatures_are_refused(
    client, wallet, stripe_webhook_path, signing, django_capture_on_commit_callbacks
):
    topup = make_stripe_topup(wallet)
    event = stripe_event("payment_intent.succeeded", payment_intent_payload(topup))
    with django_capture_on_commit_callbacks(execute=True):
        response = post_stripe_event(client, stripe_webhook_path, event, **signing)
    assert response.status_code == 400
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 0
    assert not TopUpCredit.objects.exists()
    assert_ledger_ok()


@pytest.mark.django_db
def test_missing_signature_is_refused(client, wallet, stripe_webhook_path):
    topup = make_stripe_topup(wallet)
    event = stripe_event("payment_intent.succeeded", payment_intent_payload(topup))
    response = client.post(stripe_webhook_path, event, content_type="application/json")
    assert response.status_code == 400
    assert not TopUpCredit.objects.exists()


@pytest.mark.django_db
def test_amount_mismatch_credits_nothing(
    client, wallet, stripe_webhook_path, django_capture_on_commit_callbacks
):
    topup = make_stripe_topup(wallet)
    event = stripe_event(
        "payment_intent.succeeded", payment_intent_payload(topup, amount_received=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post_stripe_event(client, stripe_webhook_path, event).status_code == 200
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 0
    assert TopUp.objects.get().status == "pending"


@pytest.mark.django_db
def test_payment_failed_marks_the_top_up_failed(
    client, wallet, stripe_webhook_path, offline, django_capture_on_commit_callbacks
):
    topup = make_stripe_topup(wallet)
    payload = payment_intent_payload(
        topup, status="requires_payment_method", last_payment_error={"message": "Card declined."}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_stripe_event(
            client, stripe_webhook_path, stripe_event("payment_intent.payment_failed", payload)
        )
    assert response.status_code == 200
    topup.refresh_from_db()
    assert (topup.status, topup.failure_message) == ("failed", "Card declined.")


@pytest.mark.django_db
def test_unknown_payment_intents_are_ignored(
    client, wallet, stripe_webhook_path, django_capture_on_commit_callbacks
):
    payload = {"id": "pi_not_ours", "object": "payment_intent", "amount_received": 100}
    with django_capture_on_commit_callbacks(execute=True):
        response = post_stripe_event(
            client, stripe_webhook_path, stripe_event("payment_intent.succeeded", payload)
        )
    assert response.status_code == 200
    assert_ledger_ok()


@pytest.mark.django_db
def test_endpoint_command_prints_the_webhook_path(stripe_keys, capsys):
    call_command("stripe_webhook_endpoint", "--mode", "test", "--secret", STRIPE_WEBHOOK_SECRET)
    first = capsys.readouterr().out.strip()
    assert first.startswith("/stripe/webhook/")
    call_command("stripe_webhook_endpoint", "--mode", "test", "--secret", "whsec_rotated_0123")
    assert capsys.readouterr().out.strip() == first  # updated in place, same URL
    from djstripe.models import WebhookEndpoint

    assert WebhookEndpoint.objects.get().secret == "whsec_rotated_0123"


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_deliveries_and_new_event_ids_credit_once(
    wallet, stripe_webhook_path, offline
):
    topup = make_stripe_topup(wallet)
    payload = payment_intent_payload(topup)
    same = stripe_event("payment_intent.succeeded", payload)
    events = [same] * 30 + [stripe_event("payment_intent.succeeded", payload) for _ in range(10)]

    def deliver(event):
        return lambda: post_stripe_event(Client(), stripe_webhook_path, event).status_code

    results = run_concurrently([deliver(event) for event in events], threads=40)
    # A duplicate that loses dj-stripe's race may answer 500 (Stripe then retries); none may
    # credit twice.
    assert all(result in (200, 500) for result in results), results
    assert results.count(200) >= 11
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 8_333_333_333
    assert TopUpCredit.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="topup").count() == 1
    assert_ledger_ok()
