"""Every money path takes its row locks in the one order of wallets/locks.py: refunds, credits,
grants, holds and payouts on the same organization and wallets, all at once on real PostgreSQL
connections, finish without a deadlock and leave exact books."""

from __future__ import annotations

import pytest

from billing.models import TopUp, TopUpReversal
from billing.services.reversals import topup_reverse
from billing.services.topups import topup_credit_from_payment_intent
from payouts import services
from payouts.errors import InsufficientMargin
from payouts.models import Payout
from tests.billing.test_stripe_webhooks import make_stripe_topup
from tests.helpers.concurrency import run_concurrently
from tests.helpers.factories import make_wallet
from tests.helpers.money import USD, assert_ledger_ok
from tests.helpers.payouts import margin_earn, onboard
from wallets import services as wallet_services
from wallets.holds import orm as holds_orm
from wallets.models import LedgerAccount, LedgerEntry, Wallet
from wallets.selectors import organization_balance

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NET = 8_333_333_333  # a $10 top-up at 20 % markup
MARGIN = 1_666_666_667
WALLETS = 4
CENT = 10_000_000


def _credited(wallet) -> TopUp:
    topup = make_stripe_topup(wallet)
    result = topup_credit_from_payment_intent(
        payment_intent_id=topup.payment_intent_id, livemode=True, charge_id=f"ch_{topup.pk}"
    )
    assert result and result.credited
    return topup


def _hold_and_settle(wallet_id: str, index: int):
    hold = holds_orm.wallet_hold_reserve(
        wallet_id=wallet_id, amount_nanos=USD, request_id=f"race-hold-{index}"
    )
    return holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=USD // 2 + index)


def _deadlocks(results) -> list[Exception]:
    return [r for r in results if isinstance(r, Exception) and "deadlock" in str(r)]


def test_30_concurrent_refunds_credits_grants_holds_and_payouts_never_deadlock(
    organization, project, stripe_connect
):
    onboard(organization, stripe_connect)
    margin_earn(organization, 200 * USD)
    wallet_services.organization_credit_grant(
        organization_id=organization.pk, amount_nanos=300 * USD, reason="race", livemode=True
    )
    wallets = [make_wallet(project, external_id=f"u{i}", livemode=True) for i in range(WALLETS)]
    for wallet in wallets:
        wallet_services.wallet_grant_from_organization(wallet_id=wallet.pk, amount_nanos=50 * USD)
    to_refund = [_credited(wallets[i % WALLETS]) for i in range(8)]
    to_credit = [make_stripe_topup(wallets[i % WALLETS]) for i in range(6)]

    calls = []
    for topup in to_refund:
        calls.append(
            lambda topup=topup: topup_reverse(
                livemode=True,
                reason=TopUpReversal.Reason.REFUND,
                source_id=f"ch_{topup.pk}",
                payment_intent_id=topup.payment_intent_id,
            )
        )
    for topup in to_credit:
        calls.append(
            lambda topup=topup: topup_credit_from_payment_intent(
                payment_intent_id=topup.payment_intent_id, livemode=True
            )
        )
    for index in range(6):
        calls.append(
            lambda index=index: wallet_services.wallet_grant_from_organization(
                wallet_id=wallets[index % WALLETS].pk, amount_nanos=USD
            )
        )
    for index in range(6):
        calls.append(
            lambda: services.payout_request(
                organization_id=organization.pk,
                livemode=True,
                amount_nanos=5 * USD,
                project_id=project.pk,
            )
        )
    for index in range(4):
        calls.append(lambda index=index: _hold_and_settle(wallets[index % WALLETS].pk, index))

    results = run_concurrently(calls, threads=len(calls))

    failures = [r for r in results if isinstance(r, Exception)]
    failed_calls = [index for index, r in enumerate(results) if isinstance(r, Exception)]
    assert (len(_deadlocks(results)), failures) == (0, []), f"calls {failed_calls} failed"
    assert all(isinstance(r, TopUpReversal) for r in results[:8])
    # Margin was plentiful, so every refund took its markup from available margin.
    balance = organization_balance(organization_id=organization.pk, livemode=True)
    assert (
        balance.margin_available_nanos,
        balance.margin_reserved_nanos,
        balance.margin_paid_nanos,
    ) == (200 * USD + 6 * MARGIN - 30 * USD, 0, 30 * USD)
    assert balance.credits_nanos == 300 * USD - 4 * 50 * USD - 6 * USD
    assert sorted(t["amount"] for t in stripe_connect.transfers.values()) == [500] * 6
    assert set(Payout.objects.values_list("status", flat=True)) == {"paid"}
    settled = sum(USD // 2 + index for index in range(4))
    assert sum(Wallet.objects.values_list("balance_nanos", flat=True)) == (
        4 * 50 * USD + 6 * NET + 6 * USD - settled
    )
    assert sum(Wallet.objects.values_list("held_nanos", flat=True)) == 0
    reversals = TopUpReversal.objects.all()
    assert [(r.from_wallet_nanos, r.from_margin_nanos, r.loss_nanos) for r in reversals] == [
        (NET, MARGIN, 0)
    ] * 8
    assert not LedgerEntry.objects.filter(account__kind=LedgerAccount.Kind.PLATFORM_LOSSES)
    assert_ledger_ok()


def test_refunds_racing_payouts_on_scarce_margin_never_transfer_refunded_margin(
    organization, project, stripe_connect
):
    """Every refund needs 10.00 from the organization (its credit was all spent) while payouts
    reserve and transfer the same margin: refunds shrink or cancel payouts still pending, and
    the platform loses only what was transferred before the refund could take it back."""
    onboard(organization, stripe_connect)
    # Enough margin for every refund if nothing were paid out; payouts ask for as much again.
    margin_earn(organization, 60 * USD)
    wallets = [make_wallet(project, external_id=f"s{i}", livemode=True) for i in range(WALLETS)]
    to_refund = [_credited(wallets[i % WALLETS]) for i in range(6)]
    for wallet in wallets:
        spendable = Wallet.objects.get(pk=wallet.pk).balance_nanos
        wallet_services.wallet_debit(wallet_id=wallet.pk, amount_nanos=spendable)
    earned = 60 * USD + 6 * MARGIN

    calls = [
        lambda topup=topup: topup_reverse(
            livemode=True,
            reason=TopUpReversal.Reason.REFUND,
            payment_intent_id=topup.payment_intent_id,
        )
        for topup in to_refund
    ]
    calls += [
        lambda: services.payout_request(
            organization_id=organization.pk, livemode=True, amount_nanos=5 * USD
        )
        for _ in range(12)
    ]

    results = run_concurrently(calls, threads=len(calls))

    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientMargin)
    ]
    assert (len(_deadlocks(results)), unexpected) == (0, [])
    reversals = list(TopUpReversal.objects.all())
    assert len(reversals) == 6
    assert all(r.from_wallet_nanos == 0 for r in reversals)  # the credits were all spent
    balance = organization_balance(organization_id=organization.pk, livemode=True)
    assert balance.margin_reserved_nanos == 0  # every payout finished: paid or canceled
    taken_by_refunds = sum(r.from_margin_nanos + r.from_reserved_nanos for r in reversals)
    # Every nano of margin earned is available, paid out, or taken back by a refund.
    assert balance.margin_available_nanos + balance.margin_paid_nanos + taken_by_refunds == earned
    transferred = sum(t["amount"] for t in stripe_connect.transfers.values()) * CENT
    assert transferred == balance.margin_paid_nanos
    assert set(Payout.objects.values_list("status", flat=True)) <= {"paid", "canceled"}
    # The platform lost only margin that was transferred before the refund took it back.
    losses = -sum(
        LedgerEntry.objects.filter(account__kind=LedgerAccount.Kind.PLATFORM_LOSSES).values_list(
            "amount_nanos", flat=True
        )
    )
    assert losses == sum(r.loss_nanos for r in reversals) == 60 * USD - taken_by_refunds
    assert losses <= balance.margin_paid_nanos
    assert_ledger_ok()
