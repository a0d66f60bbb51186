"""A session's spend cap is reserved against atomically with the wallet (402 spend_cap_exceeded)."""

import pytest

from sessions_app.errors import SpendCapExceeded
from sessions_app.models import EmbeddedSession
from tests.helpers.concurrency import run_concurrently
from tests.helpers.money import USD, assert_ledger_ok
from wallets import services
from wallets.errors import InsufficientBalance
from wallets.holds import orm as holds_orm
from wallets.models import Hold, Wallet


def _session(mint_session, cap="1.00", balance=10 * USD):
    body = mint_session(scope={"maxSpend": cap})
    if balance:
        services.wallet_credit(wallet_id=body["walletId"], amount_nanos=balance)
    return EmbeddedSession.objects.get(pk=body["id"])


def test_reserve_counts_against_the_cap_and_settle_moves_it_to_spent(mint_session):
    session = _session(mint_session)
    hold = holds_orm.wallet_hold_reserve(
        wallet_id=session.wallet_id, amount_nanos=600_000_000, session_id=session.pk
    )
    with pytest.raises(SpendCapExceeded):
        holds_orm.wallet_hold_reserve(
            wallet_id=session.wallet_id, amount_nanos=400_000_001, session_id=session.pk
        )
    holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=250_000_000)
    session.refresh_from_db()
    assert (session.spent_nanos, session.held_nanos) == (250_000_000, 0)
    holds_orm.wallet_hold_reserve(
        wallet_id=session.wallet_id, amount_nanos=750_000_000, session_id=session.pk
    )
    with pytest.raises(SpendCapExceeded):
        holds_orm.wallet_hold_reserve(
            wallet_id=session.wallet_id, amount_nanos=1, session_id=session.pk
        )
    # The wallet is untouched by the refused attempts.
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (10 * USD - 250_000_000, 750_000_000)
    assert_ledger_ok()


def test_release_gives_back_the_cap(mint_session):
    session = _session(mint_session)
    hold = holds_orm.wallet_hold_reserve(
        wallet_id=session.wallet_id, amount_nanos=USD, session_id=session.pk
    )
    holds_orm.wallet_hold_release(hold_id=hold.pk)
    session.refresh_from_db()
    assert (session.spent_nanos, session.held_nanos) == (0, 0)


def test_wallet_shortage_inside_the_cap_is_insufficient_balance(mint_session):
    session = _session(mint_session, cap="5.00", balance=USD)
    with pytest.raises(InsufficientBalance):
        holds_orm.wallet_hold_reserve(
            wallet_id=session.wallet_id, amount_nanos=2 * USD, session_id=session.pk
        )
    session.refresh_from_db()
    assert session.held_nanos == 0  # the session reservation rolled back with the wallet's


def test_uncapped_session_is_limited_by_the_wallet_only(mint_session):
    body = mint_session()
    services.wallet_credit(wallet_id=body["walletId"], amount_nanos=USD)
    holds_orm.wallet_hold_reserve(
        wallet_id=body["walletId"], amount_nanos=USD, session_id=body["id"]
    )
    assert EmbeddedSession.objects.get(pk=body["id"]).held_nanos == USD


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_reserves_never_pass_the_cap(mint_session):
    session = _session(mint_session, cap="1.00", balance=100 * USD)
    results = run_concurrently(
        [
            lambda: holds_orm.wallet_hold_reserve(
                wallet_id=session.wallet_id, amount_nanos=100_000_000, session_id=session.pk
            )
            for _ in range(60)
        ],
        threads=30,
    )
    holds = [r for r in results if isinstance(r, Hold)]
    assert len(holds) == 10
    assert all(isinstance(r, SpendCapExceeded) for r in results if not isinstance(r, Hold))
    session.refresh_from_db()
    assert session.held_nanos == USD
    run_concurrently(
        [
            lambda h=h: holds_orm.wallet_hold_settle(hold_id=h.pk, cost_nanos=99_999_999)
            for h in holds
        ],
        threads=10,
    )
    session.refresh_from_db()
    assert (session.spent_nanos, session.held_nanos) == (10 * 99_999_999, 0)
    assert_ledger_ok()
