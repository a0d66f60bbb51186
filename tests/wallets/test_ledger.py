"""The ledger posting service, movements between accounts, and idempotency."""

import pytest
from django.db import transaction

from llmgateway.errors import IdempotencyConflict, InvalidRequest
from tests.helpers.factories import make_wallet
from tests.helpers.money import USD, assert_ledger_ok
from wallets import services
from wallets.errors import (
    InsufficientBalance,
    InsufficientOrganizationCredits,
    UnbalancedTransaction,
)
from wallets.holds import orm as holds_orm
from wallets.models import LedgerAccount, LedgerEntry, LedgerTransaction, Wallet

Kind = LedgerAccount.Kind


def test_credit_moves_exact_nanos_and_balances_the_books(project):
    wallet = make_wallet(project, balance_nanos=8_333_333_333)

    assert wallet.balance_nanos == 8_333_333_333
    entries = list(LedgerEntry.objects.values_list("amount_nanos", flat=True).order_by("id"))
    assert entries == [-8_333_333_333, 8_333_333_333]
    assert_ledger_ok()


def test_debit_beyond_available_balance_is_refused_and_changes_nothing(project):
    wallet = make_wallet(project, balance_nanos=5 * USD)
    holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=3 * USD)

    with pytest.raises(InsufficientBalance):
        services.wallet_debit(wallet_id=wallet.pk, amount_nanos=2 * USD + 1)

    wallet.refresh_from_db()
    assert (wallet.balance_nanos, wallet.held_nanos) == (5 * USD, 3 * USD)
    assert LedgerTransaction.objects.count() == 1
    services.wallet_debit(wallet_id=wallet.pk, amount_nanos=2 * USD)
    wallet.refresh_from_db()
    assert wallet.balance_nanos == 3 * USD
    assert_ledger_ok()


def test_unbalanced_transaction_is_refused(project):
    wallet = make_wallet(project)
    account = LedgerAccount.objects.get(wallet=wallet)
    grants = services.account_for_system(kind=Kind.PLATFORM_GRANTS, livemode=False)
    with pytest.raises(UnbalancedTransaction), transaction.atomic():
        services.ledger_post(
            kind="grant",
            livemode=False,
            lines=[services.Line(grants, -10), services.Line(account, 9)],
        )
    assert LedgerTransaction.objects.count() == 0


def test_transaction_cannot_mix_modes(project):
    test_wallet = make_wallet(project, external_id="a")
    live_grants = services.account_for_system(kind=Kind.PLATFORM_GRANTS, livemode=True)
    with pytest.raises(UnbalancedTransaction), transaction.atomic():
        services.ledger_post(
            kind="grant",
            livemode=False,
            lines=[
                services.Line(live_grants, -10),
                services.Line(LedgerAccount.objects.get(wallet=test_wallet), 10),
            ],
        )


def test_same_idempotency_key_posts_once(project):
    wallet = make_wallet(project)
    first, created_first = services.wallet_credit(
        wallet_id=wallet.pk, amount_nanos=USD, idempotency_key="grant-1"
    )
    second, created_second = services.wallet_credit(
        wallet_id=wallet.pk, amount_nanos=USD, idempotency_key="grant-1"
    )
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == USD
    assert_ledger_ok()


def test_reused_idempotency_key_with_other_amount_is_a_conflict(project):
    wallet = make_wallet(project)
    services.wallet_credit(wallet_id=wallet.pk, amount_nanos=USD, idempotency_key="grant-2")
    with pytest.raises(IdempotencyConflict):
        services.wallet_credit(wallet_id=wallet.pk, amount_nanos=2 * USD, idempotency_key="grant-2")
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == USD


def test_organization_credits_fund_wallet_grants(project):
    org_id = project.organization_id
    wallet = make_wallet(project)
    with pytest.raises(InsufficientOrganizationCredits):
        services.wallet_grant_from_organization(wallet_id=wallet.pk, amount_nanos=USD)

    services.organization_credit_grant(
        organization_id=org_id, amount_nanos=10 * USD, reason="pilot", livemode=False
    )
    services.wallet_grant_from_organization(wallet_id=wallet.pk, amount_nanos=3 * USD)

    credits = services.account_for_organization(
        organization_id=org_id, kind=Kind.ORG_CREDITS, livemode=False
    )
    assert credits.balance_nanos == 7 * USD
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 3 * USD
    assert_ledger_ok()


def test_operator_adjustment_records_reason_and_actor(project):
    wallet = make_wallet(project, balance_nanos=USD)
    txn = services.wallet_adjust(
        wallet_id=wallet.pk, amount_nanos=-250_000_000, reason="duplicate grant", actor="ops"
    )
    assert (txn.description, txn.actor, txn.kind) == ("duplicate grant", "ops", "adjustment")
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == 750_000_000
    with pytest.raises(InvalidRequest):
        services.wallet_adjust(wallet_id=wallet.pk, amount_nanos=1, reason=" ", actor="ops")
    assert_ledger_ok()


def test_amounts_must_be_positive_integers(project):
    wallet = make_wallet(project)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(InvalidRequest):
            services.wallet_credit(wallet_id=wallet.pk, amount_nanos=bad)


def test_customer_is_created_once_with_wallet_and_account(project):
    first, created = services.customer_get_or_create(
        project_id=project.pk, livemode=False, external_id="u1"
    )
    again, created_again = services.customer_get_or_create(
        project_id=project.pk, livemode=False, external_id="u1"
    )
    live, _ = services.customer_get_or_create(
        project_id=project.pk, livemode=True, external_id="u1"
    )
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk != live.pk
    assert first.wallet.livemode is False and live.wallet.livemode is True
    assert LedgerAccount.objects.get(wallet=first.wallet).kind == Kind.WALLET
