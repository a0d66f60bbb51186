"""Settle charges the upstream's usage, past the hold; what the payer can't cover is booked to
`uncollected`; a hold that expired under a live request is still charged; live holds are kept.

Each rule runs on both settle paths: the ORM services and the PostgreSQL hot path's one
statement (wallets/holds/pg.py), which must agree to the nano.
"""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from sessions_app.services import session_mint
from tests.helpers.money import USD, assert_ledger_ok
from wallets import services
from wallets.holds import orm as holds_orm
from wallets.holds import pg as holds_pg
from wallets.models import Hold, LedgerAccount, LedgerEntry, Wallet

pytestmark = pytest.mark.django_db(transaction=True)


def _entries_of(kind: str, livemode: bool = False) -> int:
    return sum(
        LedgerEntry.objects.filter(account__kind=kind, account__livemode=livemode).values_list(
            "amount_nanos", flat=True
        )
    )


def _session_on_wallet(project, balance_nanos: int):
    session, _ = session_mint(project=project, livemode=False, external_id="payer")
    services.wallet_credit(wallet_id=session.wallet_id, amount_nanos=balance_nanos)
    return session


def _reserve(session, amount_nanos: int, *, fast: bool):
    if fast:
        return async_to_sync(holds_pg.hold_reserve_on_wallet)(
            wallet_id=session.wallet_id,
            session_id=session.pk,
            token_hash=session.token_hash,
            livemode=False,
            amount_nanos=amount_nanos,
            request_id=f"req_{amount_nanos}_{timezone.now().timestamp()}",
        )
    return holds_orm.wallet_hold_reserve(
        wallet_id=session.wallet_id, session_id=session.pk, amount_nanos=amount_nanos
    )


def _settle(hold, cost_nanos: int, *, fast: bool):
    if fast:
        return async_to_sync(holds_pg.hold_finish)(hold, cost_nanos=cost_nanos, status="settled")
    return holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=cost_nanos)


PATHS = [
    pytest.param(False, id="orm"),
    pytest.param(True, id="postgres-hot-path", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize("fast", PATHS)
def test_usage_past_hold_and_balance_is_charged_and_the_shortfall_booked_uncollected(project, fast):
    session = _session_on_wallet(project, 1_000)
    other = _reserve(session, 300, fast=fast)
    hold = _reserve(session, 100, fast=fast)

    result = _settle(hold, 5_000, fast=fast)

    # Collectible: the balance less the other hold (1000 - 300); the rest is uncollected.
    assert result.charged_nanos == 5_000
    assert result.balance_nanos == 300
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (300, 300)
    settled = Hold.objects.get(pk=hold.pk)
    assert (settled.status, settled.charged_nanos, settled.uncollected_nanos) == (
        "settled",
        5_000,
        4_300,
    )
    assert _entries_of("uncollected") == -4_300
    assert _entries_of("platform_usage_revenue") == 5_000
    session.refresh_from_db()
    assert (session.spent_nanos, session.held_nanos) == (5_000, 300)
    _settle(other, 300, fast=fast)
    assert Wallet.objects.get(pk=session.wallet_id).balance_nanos == 0
    assert_ledger_ok()


@pytest.mark.parametrize("fast", PATHS)
def test_usage_past_the_hold_within_the_balance_is_all_collected(project, fast):
    session = _session_on_wallet(project, USD)
    hold = _reserve(session, 100, fast=fast)

    result = _settle(hold, 139_000, fast=fast)

    assert (result.charged_nanos, result.balance_nanos) == (139_000, USD - 139_000)
    assert Hold.objects.get(pk=hold.pk).uncollected_nanos == 0
    assert _entries_of("uncollected") == 0
    assert_ledger_ok()


@pytest.mark.parametrize("fast", PATHS)
def test_a_hold_released_by_expiry_under_a_live_request_is_still_charged(project, fast):
    session = _session_on_wallet(project, USD)
    hold = _reserve(session, 1_000, fast=fast)
    Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert holds_orm.holds_release_expired() == 1
    assert Wallet.objects.get(pk=session.wallet_id).held_nanos == 0

    result = _settle(hold, 700, fast=fast)

    assert result.charged_nanos == 700
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - 700, 0)
    assert Hold.objects.get(pk=hold.pk).status == "settled"
    session.refresh_from_db()
    assert (session.spent_nanos, session.held_nanos) == (700, 0)
    assert_ledger_ok()


@pytest.mark.parametrize("fast", PATHS)
def test_a_late_settle_after_the_freed_money_was_spent_books_the_rest_uncollected(project, fast):
    session = _session_on_wallet(project, 1_000)
    hold = _reserve(session, 1_000, fast=fast)
    Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    holds_orm.holds_release_expired()
    spender = _reserve(session, 800, fast=fast)  # the freed money is reserved again meanwhile

    result = _settle(hold, 900, fast=fast)

    assert result.charged_nanos == 900
    assert Hold.objects.get(pk=hold.pk).uncollected_nanos == 700
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (800, 800)
    _settle(spender, 800, fast=fast)
    assert _entries_of("uncollected") == -700
    assert_ledger_ok()


def test_organization_credit_usage_past_the_balance_is_booked_uncollected(project):
    org_id = project.organization_id
    services.organization_credit_grant(
        organization_id=org_id, amount_nanos=1_000, reason="t", livemode=False
    )
    hold = holds_orm.organization_hold_reserve(
        organization_id=org_id, livemode=False, amount_nanos=500
    )

    result = holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=4_000)

    credits = LedgerAccount.objects.get(organization_id=org_id, kind="org_credits", livemode=False)
    assert (credits.balance_nanos, credits.held_nanos) == (0, 0)
    assert result.charged_nanos == 4_000
    assert Hold.objects.get(pk=hold.pk).uncollected_nanos == 3_000
    assert_ledger_ok()


@pytest.mark.parametrize("fast", PATHS)
def test_extending_live_holds_keeps_them_from_the_expiry_task(project, fast):
    session = _session_on_wallet(project, USD)
    live = _reserve(session, 100, fast=fast)
    dead = _reserve(session, 200, fast=fast)
    past = timezone.now() - timedelta(seconds=1)
    Hold.objects.filter(pk__in=[live.pk, dead.pk]).update(expires_at=past)

    if fast:
        extended = async_to_sync(holds_pg.holds_extend)([live.pk])
    else:
        extended = holds_orm.holds_extend(hold_ids=[live.pk])

    assert extended == 1
    assert holds_orm.holds_release_expired() == 1
    assert Hold.objects.get(pk=live.pk).status == "held"
    assert Hold.objects.get(pk=dead.pk).status == "expired"
    assert Wallet.objects.get(pk=session.wallet_id).held_nanos == 100
    assert_ledger_ok()
