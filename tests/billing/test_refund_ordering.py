"""A refund keeps nothing for the end user whenever it arrives: before the credit (Stripe does
not deliver events in order), or while a request holds part of the refunded credit."""

from __future__ import annotations

import pytest

from billing.models import TopUpReversal, WebhookEvent
from billing.services.reversals import topup_reverse
from billing.services.topups import topup_credit_from_payment_intent
from tests.billing.test_refund import _balances, _credited_topup, _refund_event
from tests.billing.test_stripe_webhooks import make_stripe_topup
from tests.billing.topup_fixtures import *  # noqa: F403
from tests.billing.topup_fixtures import (
    USD,
    payment_intent_payload,
    post_stripe_event,
    stripe_event,
)
from tests.helpers.concurrency import run_concurrently
from tests.helpers.factories import make_wallet
from tests.helpers.money import assert_ledger_ok
from wallets import services as wallet_services
from wallets.errors import InsufficientBalance
from wallets.holds import orm as holds_orm
from wallets.models import Hold, LedgerTransaction, Wallet

NET = 8_333_333_333  # $10 at 20 % markup
MARGIN = 1_666_666_667


@pytest.fixture
def deliver(client, stripe_webhook_path, django_capture_on_commit_callbacks):
    """Post a signed Stripe event to the dj-stripe endpoint and run what it queued."""

    def send(event):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_stripe_event(client, stripe_webhook_path, event)
        assert response.status_code == 200, response.content
        return response

    return send


def _wallet_figures(wallet) -> tuple[int, int, int]:
    current = Wallet.objects.get(pk=wallet.pk)
    return current.balance_nanos, current.held_nanos, current.available_nanos


# --- Refund before the credit -------------------------------------------------------------


@pytest.mark.django_db
def test_refund_before_the_credit_reverses_the_credit_when_it_lands(project, wallet, deliver):
    topup = make_stripe_topup(wallet)
    topup.charge_id = f"ch_{topup.pk}"  # the refund names the charge and its payment intent

    deliver(_refund_event(topup))  # Stripe got 200; nothing was credited yet
    topup.refresh_from_db()
    assert topup.status == "refunded"
    reversal = TopUpReversal.objects.get()
    assert reversal.ledger_transaction_id is None
    assert WebhookEvent.objects.get(type="wallet.refunded").data["debited"] == "0.00"

    deliver(stripe_event("payment_intent.succeeded", payment_intent_payload(topup)))

    assert _balances(project, wallet) == (0, 0, 0)
    topup.refresh_from_db()
    assert topup.status == "refunded"
    reversal.refresh_from_db()
    assert reversal.ledger_transaction_id is not None
    assert (
        reversal.from_wallet_nanos,
        reversal.from_margin_nanos,
        reversal.from_reserved_nanos,
        reversal.from_fees_nanos,
        reversal.loss_nanos,
    ) == (NET, MARGIN, 0, 0, 0)
    assert not WebhookEvent.objects.filter(type="wallet.credited").exists()
    assert_ledger_ok()

    # Re-delivered, under new event ids, in either order: nothing changes.
    transactions = LedgerTransaction.objects.count()
    deliver(stripe_event("payment_intent.succeeded", payment_intent_payload(topup)))
    deliver(_refund_event(topup))
    assert LedgerTransaction.objects.count() == transactions
    assert _balances(project, wallet) == (0, 0, 0)
    assert TopUpReversal.objects.count() == 1
    assert_ledger_ok()


@pytest.mark.django_db
def test_dispute_lost_before_the_credit_leaves_nothing_credited(project, wallet):
    topup = make_stripe_topup(wallet)
    reversal = topup_reverse(
        livemode=False,
        reason=TopUpReversal.Reason.DISPUTE_LOST,
        source_id="dp_early",
        payment_intent_id=topup.payment_intent_id,
    )
    assert reversal is not None and reversal.ledger_transaction_id is None

    result = topup_credit_from_payment_intent(
        payment_intent_id=topup.payment_intent_id, livemode=False
    )

    assert result is not None and (result.credited, result.reversed) == (False, True)
    topup.refresh_from_db()
    assert topup.status == "dispute_lost"
    assert _balances(project, wallet) == (0, 0, 0)
    assert _wallet_figures(wallet) == (0, 0, 0)
    assert_ledger_ok()


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_refunds_racing_their_credits_never_leave_a_credit_standing(project):
    """Ten payments, each refunded and credited at the same moment from two threads: whichever
    commits first, the end user keeps nothing and the books balance."""
    wallets = [make_wallet(project, external_id=f"race_{i}") for i in range(10)]
    topups = [make_stripe_topup(wallet) for wallet in wallets]
    calls = []
    for topup in topups:
        calls.append(
            lambda topup=topup: topup_credit_from_payment_intent(
                payment_intent_id=topup.payment_intent_id, livemode=False
            )
        )
        calls.append(
            lambda topup=topup: topup_reverse(
                livemode=False,
                reason=TopUpReversal.Reason.REFUND,
                payment_intent_id=topup.payment_intent_id,
            )
        )

    results = run_concurrently(calls, threads=len(calls))

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(Wallet.objects.values_list("balance_nanos", flat=True)) == 0
    assert _balances(project, wallets[0])[1:] == (0, 0)  # margin, losses
    assert TopUpReversal.objects.filter(ledger_transaction__isnull=False).count() == 10
    assert set(TopUpReversal.objects.values_list("from_wallet_nanos", "loss_nanos")) == {(NET, 0)}
    assert_ledger_ok()


# --- Refund during a hold -----------------------------------------------------------------


@pytest.mark.django_db
def test_refund_during_a_hold_claims_the_held_money_and_the_release_frees_nothing(
    project, wallet, deliver
):
    topup = _credited_topup(wallet)
    hold = holds_orm.wallet_hold_reserve(
        wallet_id=wallet.pk, amount_nanos=2 * USD, request_id="in-flight"
    )

    deliver(_refund_event(topup))

    # The whole credit came back, held money included: the hold's money is already claimed.
    assert _wallet_figures(wallet) == (0, 2 * USD, 0)  # nothing available, never a negative
    assert TopUpReversal.objects.get().from_wallet_nanos == NET
    assert _balances(project, wallet) == (0, 0, 0)
    assert_ledger_ok()

    holds_orm.wallet_hold_release(hold_id=hold.pk)

    assert _wallet_figures(wallet) == (0, 0, 0)
    with pytest.raises(InsufficientBalance):
        holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=1)
    assert_ledger_ok()


@pytest.mark.django_db
def test_refund_during_a_hold_keeps_only_what_was_spent_before_it(project, wallet, deliver):
    topup = _credited_topup(wallet)
    _credited_topup(make_wallet(project, external_id="user_2"))  # margin enough to cover spend
    wallet_services.wallet_debit(wallet_id=wallet.pk, amount_nanos=1 * USD, description="chat")
    hold = holds_orm.wallet_hold_reserve(
        wallet_id=wallet.pk, amount_nanos=3 * USD, request_id="in-flight"
    )

    deliver(_refund_event(topup))
    holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=1_500_000_000)

    # What was spent before the refund (1.00) was covered by the margin; the request running
    # during it cannot spend the refunded credit: the wallet is empty and stays so.
    assert _wallet_figures(wallet) == (0, 0, 0)
    reversal = TopUpReversal.objects.get()
    assert (reversal.from_wallet_nanos, reversal.from_margin_nanos, reversal.loss_nanos) == (
        NET - 1 * USD,
        MARGIN + 1 * USD,
        0,
    )
    # The request's usage during the refund could not be collected: booked, not dropped.
    settled = Hold.objects.get(pk=hold.pk)
    assert (settled.charged_nanos, settled.uncollected_nanos) == (1_500_000_000, 1_500_000_000)
    with pytest.raises(InsufficientBalance):
        holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=1)
    assert_ledger_ok()
