"""The sync SDK against a live daphne: wallet grants (idempotent), the ledger, the org balance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from llmgateway_server import IdempotencyError, InsufficientBalanceError, WalletCredit

from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import LedgerEntry, Wallet

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_same_idempotency_key_twice_credits_once(gateway, fund_organization):
    fund_organization(10 * USD)
    wallet_id = gateway.sessions.create(customer="user_1").wallet_id

    first = gateway.wallets.credit(
        wallet_id, amount=Decimal("2.50"), reason="welcome", idempotency_key="welcome-user_1"
    )
    second = gateway.wallets.credit(
        wallet_id, amount="2.50", reason="welcome", idempotency_key="welcome-user_1"
    )

    assert isinstance(first, WalletCredit)
    assert (first.replayed, second.replayed) == (False, True)
    assert second.id == first.id
    assert (first.amount, first.balance, first.reason) == (
        Decimal("2.5"),
        Decimal("2.5"),
        "welcome",
    )
    assert Wallet.objects.get(pk=wallet_id).balance_nanos == 2_500_000_000
    assert LedgerEntry.objects.filter(account__wallet_id=wallet_id).count() == 1
    entries = list(gateway.wallets.ledger(wallet_id).auto_paging_iter())
    assert [(entry.type, entry.amount, entry.description) for entry in entries] == [
        ("grant", Decimal("2.50"), "welcome")
    ]
    assert entries[0].transaction_id == first.id
    wallet = gateway.wallets.get(wallet_id)
    assert (wallet.balance, wallet.held, wallet.available) == (
        Decimal("2.50"),
        Decimal("0"),
        Decimal("2.50"),
    )
    assert (wallet.currency, wallet.status, wallet.frozen) == ("usd", "active", False)
    assert gateway.balance.get().credits == Decimal("7.50")
    assert_ledger_ok()


def test_without_a_key_each_call_is_its_own_grant_and_the_ledger_pages(gateway, fund_organization):
    fund_organization(10 * USD)
    wallet_id = gateway.sessions.create(customer="user_1").wallet_id

    for cents in (1, 2, 3):
        gateway.wallets.credit(wallet_id, amount=Decimal(cents) / 100)

    assert Wallet.objects.get(pk=wallet_id).balance_nanos == 60_000_000
    first = gateway.wallets.ledger(wallet_id, limit=2)
    assert (len(first), first.has_more) == (2, True)
    amounts = [entry.amount for entry in first.auto_paging_iter()]
    assert amounts == [Decimal("0.03"), Decimal("0.02"), Decimal("0.01")]
    balance = gateway.balance.get()
    assert (balance.credits, balance.livemode) == (Decimal("9.94"), False)
    assert_ledger_ok()


def test_a_reused_key_with_another_amount_and_a_grant_beyond_the_credits_are_refused(
    gateway, fund_organization
):
    fund_organization(USD)
    wallet_id = gateway.sessions.create(customer="user_1").wallet_id
    gateway.wallets.credit(wallet_id, amount="0.50", idempotency_key="grant-1")

    with pytest.raises(IdempotencyError) as conflict:
        gateway.wallets.credit(wallet_id, amount="0.75", idempotency_key="grant-1")
    assert (conflict.value.status, conflict.value.code) == (409, "idempotency_conflict")

    with pytest.raises(InsufficientBalanceError) as short:
        gateway.wallets.credit(wallet_id, amount="0.500000001")
    assert (short.value.status, short.value.code) == (402, "insufficient_balance")

    assert Wallet.objects.get(pk=wallet_id).balance_nanos == 500_000_000
    assert_ledger_ok()


def test_the_key_reads_its_own_permissions(gateway):
    from llmgateway.permissions import ALL_PERMISSIONS

    key = gateway.api_keys.current()

    assert key.livemode is False
    assert key.display_prefix.startswith("sk_test_")
    assert key.permissions == ALL_PERMISSIONS  # a bootstrapped key has every permission
