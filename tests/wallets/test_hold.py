"""Holds: reserve, settle, release and expiry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from llmgateway.errors import NotFound
from tests.helpers.factories import make_wallet
from tests.helpers.money import USD, assert_ledger_ok
from wallets import services
from wallets.errors import HoldNotActive, InsufficientBalance, WalletFrozen
from wallets.holds import orm as holds_orm
from wallets.models import Hold, LedgerAccount, LedgerEntry, Wallet


def test_reserve_is_refused_when_available_is_short(project):
    wallet = make_wallet(project, balance_nanos=USD)
    holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=600_000_000)
    with pytest.raises(InsufficientBalance):
        holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=400_000_001)
    holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=400_000_000)
    wallet.refresh_from_db()
    assert (wallet.balance_nanos, wallet.held_nanos, wallet.available_nanos) == (USD, USD, 0)
    assert_ledger_ok()


def test_frozen_wallet_cannot_reserve(project):
    wallet = make_wallet(project, balance_nanos=USD)
    services.wallet_set_status(wallet_id=wallet.pk, status=Wallet.Status.FROZEN)
    with pytest.raises(WalletFrozen):
        holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=1)


def test_reserve_on_unknown_wallet_is_not_found(db):
    with pytest.raises(NotFound):
        holds_orm.wallet_hold_reserve(wallet_id="wal_missing", amount_nanos=1)


def test_settle_charges_actual_cost_and_releases_the_hold(project):
    wallet = make_wallet(project, balance_nanos=USD)
    hold = holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=300_000_000)

    result = holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=123_456_789)

    wallet.refresh_from_db()
    assert result.charged_nanos == 123_456_789
    assert result.balance_nanos == wallet.balance_nanos == USD - 123_456_789
    assert wallet.held_nanos == 0
    revenue = LedgerAccount.objects.get(kind="platform_usage_revenue", livemode=False)
    assert LedgerEntry.objects.get(account=revenue).amount_nanos == 123_456_789
    assert Hold.objects.get(pk=hold.pk).status == Hold.Status.SETTLED
    assert_ledger_ok()


def test_settle_charges_past_the_hold_from_the_available_balance(project):
    wallet = make_wallet(project, balance_nanos=USD)
    hold = holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=100)
    result = holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=500)
    assert result.charged_nanos == 500
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == USD - 500
    assert Hold.objects.get(pk=hold.pk).uncollected_nanos == 0
    assert_ledger_ok()


def test_settle_of_zero_cost_posts_no_transaction(project):
    wallet = make_wallet(project, balance_nanos=USD)
    hold = holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=100)
    result = holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=0)
    assert result.transaction is None
    assert Wallet.objects.get(pk=wallet.pk).held_nanos == 0


def test_a_hold_finishes_exactly_once(project):
    wallet = make_wallet(project, balance_nanos=USD)
    hold = holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=100)
    holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=50)
    with pytest.raises(HoldNotActive):
        holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=50)
    with pytest.raises(HoldNotActive):
        holds_orm.wallet_hold_release(hold_id=hold.pk)
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == USD - 50
    assert_ledger_ok()


def test_release_returns_the_hold_without_charging(project):
    wallet = make_wallet(project, balance_nanos=USD)
    hold = holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=USD)
    holds_orm.wallet_hold_release(hold_id=hold.pk)
    wallet.refresh_from_db()
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD, 0)
    assert Hold.objects.get(pk=hold.pk).status == Hold.Status.RELEASED


def test_same_request_id_reserves_once(project):
    wallet = make_wallet(project, balance_nanos=USD)
    first = holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=10, request_id="req_1")
    second = holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=10, request_id="req_1")
    assert first.pk == second.pk
    assert Wallet.objects.get(pk=wallet.pk).held_nanos == 10


def test_expired_holds_are_released_by_the_periodic_task(project):
    from wallets.tasks import release_expired_holds

    wallet = make_wallet(project, balance_nanos=USD)
    stale = holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=70, ttl_seconds=60)
    fresh = holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=30, ttl_seconds=600)
    Hold.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert release_expired_holds.apply().get() == 1

    assert Hold.objects.get(pk=stale.pk).status == Hold.Status.EXPIRED
    assert Hold.objects.get(pk=fresh.pk).status == Hold.Status.HELD
    assert Wallet.objects.get(pk=wallet.pk).held_nanos == 30
    assert_ledger_ok()


def test_organization_credit_holds_reserve_settle_and_release(project):
    org_id = project.organization_id
    services.organization_credit_grant(
        organization_id=org_id, amount_nanos=USD, reason="t", livemode=True
    )
    first = holds_orm.organization_hold_reserve(
        organization_id=org_id, livemode=True, amount_nanos=700_000_000
    )
    with pytest.raises(InsufficientBalance):
        holds_orm.organization_hold_reserve(
            organization_id=org_id, livemode=True, amount_nanos=300_000_001
        )
    # A grant to a wallet may not spend what a hold reserved either.
    wallet = make_wallet(project, livemode=True)
    with pytest.raises(InsufficientBalance):
        services.wallet_grant_from_organization(wallet_id=wallet.pk, amount_nanos=300_000_001)

    result = holds_orm.wallet_hold_settle(hold_id=first.pk, cost_nanos=123)
    second = holds_orm.organization_hold_reserve(
        organization_id=org_id, livemode=True, amount_nanos=500_000_000
    )
    holds_orm.wallet_hold_release(hold_id=second.pk)

    credits = LedgerAccount.objects.get(organization_id=org_id, kind="org_credits", livemode=True)
    assert result.charged_nanos == 123
    assert (credits.balance_nanos, credits.held_nanos) == (USD - 123, 0)
    assert_ledger_ok()
