"""50 payout requests at once on real PostgreSQL connections can never pay out more than the
margin: every reservation is a conditional decrement on the locked margin row."""

from __future__ import annotations

import pytest

from llmgateway.errors import InvalidRequest
from payouts import services
from payouts.errors import InsufficientMargin
from payouts.models import Payout
from tests.helpers.concurrency import run_concurrently
from tests.helpers.money import USD, assert_ledger_ok
from tests.helpers.payouts import margin_earn, onboard
from wallets.models import LedgerAccount
from wallets.selectors import organization_balance

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CENT = 10_000_000
# None is "everything available"; 0.995 USD rounds down to 0.99, under the minimum.
AMOUNTS = [None, 1 * USD, 7 * USD + 33 * CENT, 2 * USD + 5 * CENT, 995 * CENT // 10, 13 * USD]


def test_50_concurrent_payouts_never_reserve_more_than_the_margin(organization, stripe_connect):
    onboard(organization, stripe_connect)
    margin_earn(organization, 100 * USD)
    requests = [AMOUNTS[index % len(AMOUNTS)] for index in range(50)]

    results = run_concurrently(
        [
            lambda amount=amount: services.payout_request(
                organization_id=organization.pk, livemode=True, amount_nanos=amount
            )
            for amount in requests
        ],
        threads=50,
    )

    made = [result[0] for result in results if isinstance(result, tuple)]
    refused = [result for result in results if isinstance(result, Exception)]
    assert all(isinstance(error, InsufficientMargin | InvalidRequest) for error in refused), refused
    assert len(made) + len(refused) == 50
    # Which requests win depends on the interleaving ("everything available" may come first), but
    # once any of them has run, nothing that could still be paid out is left behind.
    assert len(made) >= 1
    payouts = list(Payout.objects.all())
    assert len(payouts) == len(made)
    assert {payout.status for payout in payouts} == {"paid"}  # transfers ran on commit
    paid_total = sum(payout.amount_nanos for payout in payouts)
    balance = organization_balance(organization_id=organization.pk, livemode=True)
    assert balance.margin_reserved_nanos + balance.margin_paid_nanos == paid_total
    assert paid_total <= 100 * USD
    assert balance.margin_available_nanos == 100 * USD - paid_total
    assert balance.margin_available_nanos < services.payout_minimum_nanos()
    assert (
        min(
            balance.margin_available_nanos, balance.margin_reserved_nanos, balance.margin_paid_nanos
        )
        >= 0
    )
    assert all(payout.amount_nanos % CENT == 0 for payout in payouts)
    assert sorted(t["amount"] for t in stripe_connect.transfers.values()) == sorted(
        payout.amount_nanos // CENT for payout in payouts
    )
    assert all(stripe_connect.transfers_for_key(payout.pk) == 1 for payout in payouts)
    accounts = LedgerAccount.objects.filter(organization=organization, livemode=True)
    assert all(
        balance_nanos >= 0 for balance_nanos in accounts.values_list("balance_nanos", flat=True)
    )
    assert_ledger_ok()


def test_20_concurrent_requests_with_one_idempotency_key_make_one_payout(
    organization, project, stripe_connect
):
    onboard(organization, stripe_connect)
    margin_earn(organization, 100 * USD)

    results = run_concurrently(
        [
            lambda: services.payout_request(
                organization_id=organization.pk,
                livemode=True,
                amount_nanos=10 * USD,
                project_id=project.pk,
                idempotency_key="monthly-payout",
            )
            for _ in range(20)
        ],
        threads=20,
    )

    assert all(isinstance(result, tuple) for result in results), results
    assert len({payout.pk for payout, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert len(stripe_connect.transfers) == 1
    balance = organization_balance(organization_id=organization.pk, livemode=True)
    assert (balance.margin_available_nanos, balance.margin_paid_nanos) == (90 * USD, 10 * USD)
    assert_ledger_ok()
