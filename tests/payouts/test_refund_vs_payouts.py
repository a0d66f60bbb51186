"""A refund takes the refunded margin back from payouts that have not transferred it yet; the
platform loses only margin that was already on its way to the developer."""

from __future__ import annotations

import pytest

from billing.models import TopUpReversal
from billing.services.reversals import topup_reverse
from billing.services.topups import topup_credit_from_payment_intent
from payouts import services, tasks
from payouts.models import Payout
from tests.billing.test_stripe_webhooks import make_stripe_topup
from tests.fakes.stripe_connect_server import SERVER_ERROR
from tests.helpers.factories import make_wallet
from tests.helpers.money import USD, assert_ledger_ok
from tests.helpers.payouts import margin_earn
from wallets import services as wallet_services
from wallets.models import LedgerEntry, Wallet
from wallets.selectors import organization_balance

pytestmark = pytest.mark.django_db

NET = 8_333_333_333  # a $10 top-up at 20 % markup
MARGIN = 1_666_666_667
CENT = 10_000_000


@pytest.fixture
def live_wallet(project) -> Wallet:
    return make_wallet(project, livemode=True)


def _credited(wallet):
    topup = make_stripe_topup(wallet)
    result = topup_credit_from_payment_intent(
        payment_intent_id=topup.payment_intent_id, livemode=True
    )
    assert result and result.credited
    return topup


def _refund(topup) -> TopUpReversal:
    reversal = topup_reverse(
        livemode=True,
        reason=TopUpReversal.Reason.REFUND,
        source_id=f"ch_{topup.pk}",
        payment_intent_id=topup.payment_intent_id,
    )
    assert reversal is not None
    return reversal


def _figures(organization) -> tuple[int, int, int]:
    balance = organization_balance(organization_id=organization.pk, livemode=True)
    return (
        balance.margin_available_nanos,
        balance.margin_reserved_nanos,
        balance.margin_paid_nanos,
    )


def _losses() -> int:
    return sum(
        LedgerEntry.objects.filter(account__kind="platform_losses").values_list(
            "amount_nanos", flat=True
        )
    )


def _pending_payout(organization) -> Payout:
    """Everything available, reserved; its transfer task is queued on commit, which these
    tests' transactions never reach, so it stays pending until the test runs the task."""
    payout, created = services.payout_request(organization_id=organization.pk, livemode=True)
    assert created and payout.status == "pending"
    return payout


def test_refund_shrinks_a_pending_payout_and_the_transfer_sends_the_reduced_amount(
    organization, connected, live_wallet, stripe_connect
):
    topup = _credited(live_wallet)
    margin_earn(organization, 20 * USD)
    wallet_services.wallet_debit(wallet_id=live_wallet.pk, amount_nanos=NET)  # all spent
    payout = _pending_payout(organization)
    assert payout.amount_nanos == 21_660_000_000  # 21.666666667 in whole cents
    assert _figures(organization) == (6_666_667, 21_660_000_000, 0)

    reversal = _refund(topup)

    # The organization owes 10.00 (markup and the spent credit): 0.006666667 available, the
    # rest from the payout, which keeps 21.66 - 9.993333333 = 11.666666667 in whole cents.
    payout.refresh_from_db()
    assert (payout.status, payout.amount_nanos) == ("pending", 11_660_000_000)
    assert _figures(organization) == (6_666_667, 11_660_000_000, 0)
    assert (
        reversal.from_wallet_nanos,
        reversal.from_margin_nanos,
        reversal.from_reserved_nanos,
        reversal.loss_nanos,
    ) == (0, 6_666_667, 9_993_333_333, 0)

    assert tasks.payout_transfer.delay(payout_id=payout.pk).get() == "paid"

    assert [t["amount"] for t in stripe_connect.transfers.values()] == [1166]
    assert _figures(organization) == (6_666_667, 0, 11_660_000_000)
    assert _losses() == 0
    assert_ledger_ok()


def test_refund_cancels_a_pending_payout_that_would_fall_below_the_minimum(
    organization, connected, live_wallet, stripe_connect
):
    topup = _credited(live_wallet)
    margin_earn(organization, 3_333_333_333)  # 5.00 of margin in all
    wallet_services.wallet_debit(wallet_id=live_wallet.pk, amount_nanos=2_833_333_333)
    payout = _pending_payout(organization)
    assert payout.amount_nanos == 5 * USD

    reversal = _refund(topup)

    # Owed by the organization: 1.666666667 + 2.833333333 = 4.50, all from the payout; 0.50
    # would be under the 1.00 minimum, so the payout is canceled and 0.50 is available again.
    payout.refresh_from_db()
    assert (payout.status, payout.failure_code) == ("canceled", "margin_refunded")
    assert _figures(organization) == (500_000_000, 0, 0)
    assert (
        reversal.from_wallet_nanos,
        reversal.from_margin_nanos,
        reversal.from_reserved_nanos,
        reversal.loss_nanos,
    ) == (5_500_000_000, 0, 4_500_000_000, 0)

    assert tasks.payout_transfer.delay(payout_id=payout.pk).get() is None
    assert stripe_connect.transfers == {}
    assert _losses() == 0
    assert Wallet.objects.get(pk=live_wallet.pk).balance_nanos == 0
    assert_ledger_ok()


def _processing_payout(organization, stripe_connect) -> Payout:
    """A payout whose transfer's outcome is unknown (Stripe answered 5xx): it stays processing
    and its amount can no longer change."""
    payout = _pending_payout(organization)
    stripe_connect.fail(SERVER_ERROR, times=3)
    with pytest.raises(services.PayoutTransferPending):
        services.payout_transfer_execute(payout_id=payout.pk)
    payout.refresh_from_db()
    assert payout.status == "processing"
    return payout


def test_refund_of_margin_in_flight_is_a_loss_only_if_the_transfer_is_made(
    organization, connected, live_wallet, stripe_connect
):
    topup = _credited(live_wallet)
    margin_earn(organization, 8_333_333_333)  # 10.00 of margin in all
    wallet_services.wallet_debit(wallet_id=live_wallet.pk, amount_nanos=NET)
    payout = _processing_payout(organization, stripe_connect)

    reversal = _refund(topup)

    assert (reversal.from_margin_nanos, reversal.from_reserved_nanos, reversal.loss_nanos) == (
        0,
        0,
        10 * USD,
    )
    payout.refresh_from_db()
    assert (payout.amount_nanos, payout.refund_claim_nanos) == (10 * USD, 10 * USD)

    assert services.payout_transfer_execute(payout_id=payout.pk).status == "paid"

    assert [t["amount"] for t in stripe_connect.transfers.values()] == [1000]
    assert _figures(organization) == (0, 0, 10 * USD)
    assert _losses() == -10 * USD  # the transferred margin: lost, and booked as such
    assert_ledger_ok()


def test_a_failed_transfer_gives_the_refunded_margin_back_to_the_platform(
    organization, connected, live_wallet, stripe_connect
):
    topup = _credited(live_wallet)
    margin_earn(organization, 18_333_333_333)  # 20.00 of margin in all
    wallet_services.wallet_debit(wallet_id=live_wallet.pk, amount_nanos=NET)
    payout = _processing_payout(organization, stripe_connect)
    _refund(topup)
    assert _losses() == -10 * USD

    services.payout_mark_failed(payout_id=payout.pk, code="account_closed", message="closed")

    # 10.00 of the reservation undoes the loss; the other 10.00 is the organization's again.
    assert _figures(organization) == (10 * USD, 0, 0)
    assert _losses() == 0
    payout.refresh_from_db()
    assert (payout.status, payout.refund_claim_nanos) == ("failed", 0)
    assert stripe_connect.transfers == {}
    assert_ledger_ok()


def test_refund_takes_available_margin_before_touching_a_payout(
    organization, connected, live_wallet, stripe_connect
):
    topup = _credited(live_wallet)
    margin_earn(organization, 20 * USD)
    payout, _ = services.payout_request(
        organization_id=organization.pk, livemode=True, amount_nanos=10 * USD
    )

    reversal = _refund(topup)

    assert (reversal.from_wallet_nanos, reversal.from_margin_nanos) == (NET, MARGIN)
    assert reversal.from_reserved_nanos == 0
    payout.refresh_from_db()
    assert (payout.status, payout.amount_nanos) == ("pending", 10 * USD)
    assert _figures(organization) == (10 * USD, 10 * USD, 0)
    assert_ledger_ok()
