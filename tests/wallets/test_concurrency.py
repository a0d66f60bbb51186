"""Money under real concurrency: many threads, each with its own PostgreSQL connection."""

import random

import pytest

from tests.helpers.concurrency import run_concurrently
from tests.helpers.factories import make_wallet
from tests.helpers.money import USD, assert_ledger_ok
from wallets import services
from wallets.errors import InsufficientBalance
from wallets.holds import orm as holds_orm
from wallets.models import Hold, LedgerTransaction, Wallet

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HOLD_NANOS = 20_000_001  # an odd amount so that any rounding or lost update shows


def test_200_concurrent_reserves_on_a_wallet_that_affords_50(project):
    wallet = make_wallet(project, balance_nanos=50 * HOLD_NANOS)

    results = run_concurrently(
        [
            lambda i=i: holds_orm.wallet_hold_reserve(
                wallet_id=wallet.pk, amount_nanos=HOLD_NANOS, request_id=f"r{i}"
            )
            for i in range(200)
        ],
        threads=60,
    )

    holds = [r for r in results if isinstance(r, Hold)]
    refusals = [r for r in results if isinstance(r, InsufficientBalance)]
    assert (len(holds), len(refusals)) == (50, 150), [
        r for r in results if isinstance(r, Exception)
    ]
    wallet.refresh_from_db()
    assert wallet.held_nanos == 50 * HOLD_NANOS
    assert wallet.balance_nanos == 50 * HOLD_NANOS
    assert Hold.objects.filter(status=Hold.Status.HELD).count() == 50
    assert_ledger_ok()


def test_100_interleaved_settles_and_releases_end_exact_to_the_nano(project):
    wallet = make_wallet(project, balance_nanos=100 * USD)
    holds = [
        holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=USD - i) for i in range(100)
    ]
    rng = random.Random(7)
    plan = []  # (hold, cost or None for release)
    for hold in holds:
        plan.append((hold, None if rng.random() < 0.3 else rng.randrange(1, hold.amount_nanos)))

    def finish(hold, cost):
        if cost is None:
            return holds_orm.wallet_hold_release(hold_id=hold.pk)
        return holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=cost)

    results = run_concurrently([lambda h=h, c=c: finish(h, c) for h, c in plan], threads=50)

    assert not [r for r in results if isinstance(r, Exception)]
    expected_charged = sum(cost for _, cost in plan if cost is not None)
    wallet.refresh_from_db()
    assert wallet.balance_nanos == 100 * USD - expected_charged
    assert wallet.held_nanos == 0
    assert_ledger_ok()


def test_each_hold_settles_once_under_racing_settle_and_release(project):
    wallet = make_wallet(project, balance_nanos=10 * USD)
    holds = [
        holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=USD) for _ in range(10)
    ]
    calls = []
    for hold in holds:
        calls += [
            lambda h=hold: holds_orm.wallet_hold_settle(hold_id=h.pk, cost_nanos=h.amount_nanos)
        ]
        calls += [lambda h=hold: holds_orm.wallet_hold_release(hold_id=h.pk)]
        calls += [lambda h=hold: holds_orm.wallet_hold_settle(hold_id=h.pk, cost_nanos=1)]

    run_concurrently(calls, threads=30)

    wallet.refresh_from_db()
    charged = sum(Hold.objects.filter(status="settled").values_list("charged_nanos", flat=True))
    assert wallet.held_nanos == 0
    assert wallet.balance_nanos == 10 * USD - charged
    assert Hold.objects.filter(status="held").count() == 0
    assert_ledger_ok()


def test_same_idempotency_key_used_by_20_threads_posts_one_transaction(project):
    wallet = make_wallet(project)

    results = run_concurrently(
        [
            lambda: services.wallet_credit(
                wallet_id=wallet.pk, amount_nanos=USD, idempotency_key="same-key"
            )
            for _ in range(20)
        ],
        threads=20,
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(1 for _, created in results if created) == 1
    assert len({txn.pk for txn, _ in results}) == 1
    assert LedgerTransaction.objects.filter(idempotency_key="same-key").count() == 1
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == USD
    assert_ledger_ok()


def test_concurrent_transfers_in_both_directions_do_not_deadlock(project):
    first = make_wallet(project, external_id="a", balance_nanos=50 * USD)
    second = make_wallet(project, external_id="b", balance_nanos=50 * USD)
    first_account, second_account = first.account, second.account

    def move(source, destination):
        return services.account_transfer(
            from_account=source, to_account=destination, amount_nanos=USD
        )

    calls = []
    for _ in range(40):
        calls.append(lambda: move(first_account, second_account))
        calls.append(lambda: move(second_account, first_account))
    results = run_concurrently(calls, threads=40)

    assert not [r for r in results if isinstance(r, Exception)]
    assert Wallet.objects.get(pk=first.pk).balance_nanos == 50 * USD
    assert Wallet.objects.get(pk=second.pk).balance_nanos == 50 * USD
    assert_ledger_ok()
