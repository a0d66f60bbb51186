"""Refunds and lost disputes reverse a credited top-up once, even after the money was spent."""

from __future__ import annotations

import pytest

from billing.models import TopUpReversal, WebhookEvent
from billing.services.low_balance import wallet_low_balance_observe
from billing.services.topups import topup_credit_from_payment_intent
from tests.billing.test_stripe_webhooks import make_stripe_topup
from tests.billing.topup_fixtures import *  # noqa: F403
from tests.billing.topup_fixtures import USD, post_stripe_event, stripe_event
from tests.helpers.factories import make_wallet
from tests.helpers.money import assert_ledger_ok
from wallets import services as wallet_services
from wallets.models import LedgerAccount, LedgerEntry, Wallet

pytestmark = pytest.mark.django_db


def _credited_topup(wallet, **kwargs):
    topup = make_stripe_topup(wallet, **kwargs)
    result = topup_credit_from_payment_intent(
        payment_intent_id=topup.payment_intent_id, livemode=False, charge_id=f"ch_{topup.pk}"
    )
    assert result and result.credited
    topup.refresh_from_db()
    return topup


def _refund_event(topup, *, refunded=True):
    charge = {
        "id": topup.charge_id,
        "object": "charge",
        "payment_intent": topup.payment_intent_id,
        "amount": topup.total_nanos // 10_000_000,
        "amount_refunded": topup.total_nanos // 10_000_000 if refunded else 100,
        "refunded": refunded,
        "livemode": False,
    }
    return stripe_event("charge.refunded", charge)


def _dispute_event(topup, *, status="lost"):
    dispute = {
        "id": f"dp_{topup.pk}",
        "object": "dispute",
        "charge": topup.charge_id,
        "status": status,
        "amount": topup.total_nanos // 10_000_000,
        "livemode": False,
    }
    return stripe_event("charge.dispute.closed", dispute)


@pytest.fixture
def deliver(client, stripe_webhook_path, django_capture_on_commit_callbacks):
    def send(event):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_stripe_event(client, stripe_webhook_path, event)
        assert response.status_code == 200, response.content
        return response

    return send


def _balances(project, wallet):
    margin = LedgerAccount.objects.get(
        organization_id=project.organization_id, kind="org_margin", livemode=False
    )
    losses = sum(
        LedgerEntry.objects.filter(account__kind="platform_losses").values_list(
            "amount_nanos", flat=True
        )
    )
    return Wallet.objects.get(pk=wallet.pk).balance_nanos, margin.balance_nanos, losses


def test_refund_of_an_unspent_top_up_takes_back_net_and_margin(project, wallet, deliver):
    topup = _credited_topup(wallet)
    deliver(_refund_event(topup))
    assert _balances(project, wallet) == (0, 0, 0)
    topup.refresh_from_db()
    assert topup.status == "refunded"
    reversal = TopUpReversal.objects.get()
    assert (reversal.from_wallet_nanos, reversal.from_margin_nanos, reversal.loss_nanos) == (
        8_333_333_333,
        1_666_666_667,
        0,
    )
    clearing = LedgerEntry.objects.filter(account__kind="payment_clearing").order_by("id")
    assert [entry.amount_nanos for entry in clearing] == [-10 * USD, 10 * USD]
    assert_ledger_ok()


def test_refund_after_partial_spend_zeroes_the_wallet_and_the_margin_covers_the_rest(
    project, wallet, deliver
):
    topup = _credited_topup(wallet)
    # Another end user's top-up leaves enough margin to cover what this one spent.
    _credited_topup(make_wallet(project, external_id="user_2"))
    wallet_services.wallet_debit(wallet_id=wallet.pk, amount_nanos=1 * USD, description="chat")
    deliver(_refund_event(topup))
    # 7.333333333 left in the wallet; margin 3.333333334 - (1.666666667 markup + 1 spent).
    assert _balances(project, wallet) == (0, 666_666_667, 0)
    reversal = TopUpReversal.objects.get()
    assert (reversal.from_wallet_nanos, reversal.from_margin_nanos, reversal.loss_nanos) == (
        7_333_333_333,
        2_666_666_667,
        0,
    )
    assert_ledger_ok()


def test_refund_beyond_the_margin_records_the_remainder_as_platform_loss(project, wallet, deliver):
    topup = _credited_topup(wallet)
    wallet_services.wallet_debit(wallet_id=wallet.pk, amount_nanos=5 * USD, description="chat")
    deliver(_refund_event(topup))
    # Wallet gives 3.333333333, the margin all it has (1.666666667), the platform loses 5.00.
    assert _balances(project, wallet) == (0, 0, -5 * USD)
    assert TopUpReversal.objects.get().loss_nanos == 5 * USD
    assert_ledger_ok()


def test_refund_is_reversed_once_however_often_it_arrives(project, wallet, deliver):
    topup = _credited_topup(wallet)
    for _ in range(3):
        deliver(_refund_event(topup))  # new event ids for the same refund
    assert TopUpReversal.objects.count() == 1
    assert LedgerEntry.objects.filter(transaction__kind="refund").count() == 3  # one transaction
    assert _balances(project, wallet) == (0, 0, 0)
    assert_ledger_ok()


def test_lost_dispute_reverses_once_and_a_later_refund_does_nothing(project, wallet, deliver):
    topup = _credited_topup(wallet)
    wallet_services.wallet_debit(wallet_id=wallet.pk, amount_nanos=1 * USD, description="chat")
    deliver(_dispute_event(topup))
    deliver(_dispute_event(topup))
    deliver(_refund_event(topup))
    assert TopUpReversal.objects.get().reason == "dispute_lost"
    topup.refresh_from_db()
    assert topup.status == "dispute_lost"
    assert _balances(project, wallet) == (0, 0, -1 * USD)
    assert_ledger_ok()


def test_won_disputes_and_partial_refunds_reverse_nothing(project, wallet, deliver):
    topup = _credited_topup(wallet)
    deliver(_dispute_event(topup, status="won"))
    deliver(_refund_event(topup, refunded=False))
    assert not TopUpReversal.objects.exists()
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 8_333_333_333
    assert_ledger_ok()


def test_refund_of_a_never_credited_top_up_posts_nothing_until_the_credit_lands(
    project, wallet, deliver
):
    """Recorded for the credit to reverse: tests/billing/test_refund_ordering.py."""
    topup = make_stripe_topup(wallet)
    topup.charge_id = "ch_never_paid"
    topup.save()
    deliver(_refund_event(topup))
    reversal = TopUpReversal.objects.get()
    assert (reversal.ledger_transaction_id, reversal.from_wallet_nanos) == (None, 0)
    assert not LedgerEntry.objects.filter(transaction__kind="refund").exists()
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 0
    assert_ledger_ok()


def test_reversal_records_wallet_refunded_and_low_balance_events(project, wallet, deliver):
    topup = _credited_topup(wallet)
    deliver(_refund_event(topup))
    refunded = WebhookEvent.objects.get(type="wallet.refunded")
    assert refunded.data["topUpId"] == topup.pk
    assert (refunded.data["debited"], refunded.data["balance"]) == ("8.333333333", "0.00")
    assert WebhookEvent.objects.filter(type="wallet.low_balance").count() == 1


def test_low_balance_is_sent_once_per_crossing(project, wallet):
    _credited_topup(wallet)
    wallet_services.wallet_debit(wallet_id=wallet.pk, amount_nanos=7_500_000_000)
    assert wallet_low_balance_observe(wallet_id=wallet.pk) is True  # 0.833333333 < 1.00
    wallet_services.wallet_debit(wallet_id=wallet.pk, amount_nanos=100_000_000)
    assert wallet_low_balance_observe(wallet_id=wallet.pk) is False  # still below: no repeat
    _credited_topup(wallet)  # back above the threshold re-arms it
    wallet_services.wallet_debit(wallet_id=wallet.pk, amount_nanos=8_100_000_000)
    assert wallet_low_balance_observe(wallet_id=wallet.pk) is True
    events = WebhookEvent.objects.filter(type="wallet.low_balance").order_by("created_at")
    assert [event.data["balance"] for event in events] == ["0.833333333", "0.966666666"]


def test_the_scan_notices_spend_below_the_threshold_once(project, wallet):
    from billing.services.low_balance import wallets_low_balance_scan

    make_wallet(project, external_id="never_topped_up")  # empty, never armed: not "low"
    _credited_topup(wallet)
    assert wallets_low_balance_scan() == 0
    wallet_services.wallet_debit(wallet_id=wallet.pk, amount_nanos=8 * USD)
    assert wallets_low_balance_scan() == 1
    assert wallets_low_balance_scan() == 0
    [event] = WebhookEvent.objects.filter(type="wallet.low_balance")
    assert event.data["walletId"] == wallet.pk
