"""Sealed checkpoints let the books check read only what came after them (wallets/books.py,
wallets/services/checkpoints.py): the incremental check still catches a drifted cache, an
unbalanced new transaction and a changed seal; the full check also catches a changed old entry
and recomputes every checkpoint; a seal taken while money moves never splits or skips a
transaction (real threads on PostgreSQL)."""

from __future__ import annotations

import logging
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from tests.helpers.factories import make_wallet
from tests.helpers.money import USD
from wallets import services
from wallets.books import ledger_report
from wallets.models import (
    LedgerCheckpoint,
    LedgerCheckpointBalance,
    LedgerCheckRun,
    LedgerEntry,
    Wallet,
)
from wallets.services.checkpoints import CheckpointRefused, ledger_checkpoint_seal
from wallets.tasks import ledger_check_scheduled

pytestmark = pytest.mark.django_db


def _unguarded_sql(sql: str, params: list) -> None:
    """Change rows the append-only triggers protect, as an intruder with the database would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def _traffic(project, count: int) -> list[Wallet]:
    start = Wallet.objects.count()
    wallets = [
        make_wallet(project, external_id=f"user_{start + n}", balance_nanos=USD)
        for n in range(count)
    ]
    for wallet in wallets:
        services.wallet_debit(wallet_id=wallet.pk, amount_nanos=1_234)
    return wallets


def test_the_incremental_check_reads_only_entries_after_the_checkpoint(project):
    _traffic(project, 3)
    first = ledger_checkpoint_seal()
    later = _traffic(project, 2)

    incremental = ledger_report()
    full = ledger_report(full=True)

    assert incremental.ok, incremental.problems
    assert full.ok, full.problems
    assert (incremental.scope, incremental.checkpoint) == ("incremental", first)
    new_entries = LedgerEntry.objects.filter(pk__gt=first.cutoff_entry_id).count()
    assert new_entries > 0
    assert incremental.entries_read == new_entries
    assert full.entries_read == LedgerEntry.objects.count() == incremental.entries
    assert incremental.transactions == full.transactions
    assert incremental.uncollected_nanos == full.uncollected_nanos
    assert Wallet.objects.get(pk=later[0].pk).balance_nanos == USD - 1_234


def test_a_seal_sums_every_account_and_chains_to_the_previous_one(project):
    wallets = _traffic(project, 2)
    first = ledger_checkpoint_seal()
    services.wallet_debit(wallet_id=wallets[0].pk, amount_nanos=66)

    second = ledger_checkpoint_seal()

    assert (first.sequence, second.sequence) == (1, 2)
    assert ledger_checkpoint_seal() == second  # nothing new: the same checkpoint
    moved = LedgerCheckpointBalance.objects.filter(checkpoint=second)
    wallet_row = moved.get(account__wallet_id=wallets[0].pk)
    assert wallet_row.balance_nanos == USD - 1_234 - 66
    assert not moved.filter(account__wallet_id=wallets[1].pk).exists()  # unchanged since first
    assert second.entries == LedgerEntry.objects.count()
    assert ledger_report(full=True).ok


def test_a_drifted_cache_is_caught_since_the_checkpoint(project):
    wallet = _traffic(project, 1)[0]
    ledger_checkpoint_seal()
    Wallet.objects.filter(pk=wallet.pk).update(balance_nanos=USD)

    report = ledger_report()

    assert report.scope == "incremental"
    assert report.problems == [
        f"wallet {wallet.pk} caches balance {USD} but its entries sum to {USD - 1_234}"
    ]


def test_a_changed_checkpoint_row_breaks_its_seal(project):
    wallet = _traffic(project, 1)[0]
    checkpoint = ledger_checkpoint_seal()
    # Hide an old overdraft: raise the recorded balance and the cached one together.
    _unguarded_sql(
        "UPDATE wallets_ledgercheckpointbalance SET balance_nanos = balance_nanos + 500 "
        "WHERE checkpoint_id = %s AND account_id = %s",
        [checkpoint.pk, wallet.account.pk],
    )
    Wallet.objects.filter(pk=wallet.pk).update(balance_nanos=USD - 1_234 + 500)

    problems = ledger_report().problems

    assert problems == [
        f"{checkpoint} does not match its seal: its rows or its predecessor were changed"
    ]
    assert any("records account" in problem for problem in ledger_report(full=True).problems)


def test_a_changed_old_entry_is_found_by_the_full_check(project, capsys):
    _traffic(project, 2)
    checkpoint = ledger_checkpoint_seal()
    entry = LedgerEntry.objects.filter(pk__lte=checkpoint.cutoff_entry_id).order_by("pk").first()
    _unguarded_sql(
        "UPDATE wallets_ledgerentry SET amount_nanos = amount_nanos - 7 WHERE id = %s", [entry.pk]
    )

    assert ledger_report().ok  # by design: the incremental check trusts the sealed past
    with pytest.raises(CommandError):
        call_command("ledger_check", "--full")

    err = capsys.readouterr().err
    assert f"transaction txn_{entry.transaction_id} sums to -7, not 0" in err
    assert f"{checkpoint} records account {entry.account_id}" in err


def test_an_unbalanced_new_transaction_is_caught_and_not_sealed(project):
    _traffic(project, 1)
    ledger_checkpoint_seal()
    wallet = _traffic(project, 1)[0]
    entry = LedgerEntry.objects.filter(account__wallet_id=wallet.pk).order_by("-pk").first()
    _unguarded_sql(
        "UPDATE wallets_ledgerentry SET amount_nanos = amount_nanos + 3 WHERE id = %s", [entry.pk]
    )

    assert f"transaction txn_{entry.transaction_id} sums to 3, not 0" in ledger_report().problems
    with pytest.raises(CheckpointRefused):
        ledger_checkpoint_seal()
    assert LedgerCheckpoint.objects.count() == 1


def test_the_scheduled_check_records_each_run_and_seals_when_clean(project, caplog):
    wallet = _traffic(project, 2)[0]

    assert ledger_check_scheduled() is True
    clean = LedgerCheckRun.objects.get()
    assert (clean.ok, clean.scope, clean.checkpoint.sequence) == (True, "full", 1)

    Wallet.objects.filter(pk=wallet.pk).update(held_nanos=9)
    with caplog.at_level(logging.ERROR, logger="wallets.services.checkpoints"):
        assert ledger_check_scheduled() is False

    failed = LedgerCheckRun.objects.order_by("-pk").first()
    assert (failed.ok, failed.scope) == (False, "incremental")
    assert failed.problems == [f"wallet {wallet.pk} caches held 9 but its active holds sum to 0"]
    assert LedgerCheckpoint.objects.count() == 1  # nothing sealed over a difference
    assert "ledger check found 1 problem(s)" in caplog.text


def test_the_command_seals_and_says_what_it_read(project, capsys):
    _traffic(project, 1)
    call_command("ledger_check", "--seal")
    _traffic(project, 1)
    call_command("ledger_check")

    out = capsys.readouterr().out
    assert "(whole ledger)" in out
    assert "sealed: checkpoint 1" in out
    assert f"(since {LedgerCheckpoint.objects.get()}, 4 entries read)" in out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_seals_taken_while_money_moves_never_split_or_skip_a_transaction(project):
    """16 threads move money between wallets while another seals checkpoints as fast as it
    can; afterwards the full check recomputes every checkpoint from the entries in its range:
    an entry committed below a cut-off after its seal would show as a difference."""
    wallets = [
        make_wallet(project, external_id=f"user_{n}", balance_nanos=100 * USD) for n in range(8)
    ]
    stop = threading.Event()
    errors: list[BaseException] = []
    sealed: list[int] = []

    def spend(index: int) -> None:
        try:
            wallet = wallets[index % len(wallets)]
            while not stop.is_set():
                services.wallet_debit(wallet_id=wallet.pk, amount_nanos=1_000)
                services.wallet_credit(wallet_id=wallet.pk, amount_nanos=999)
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            connections.close_all()

    def seal() -> None:
        try:
            while not stop.is_set() or len(sealed) < 10:
                sealed.append(ledger_checkpoint_seal().sequence)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=spend, args=(i,)) for i in range(16)]
    threads.append(threading.Thread(target=seal))
    for thread in threads:
        thread.start()
    stop_timer = threading.Timer(4.0, stop.set)
    stop_timer.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(set(sealed)) >= 10
    full = ledger_report(full=True)
    assert full.ok, full.problems[:5]
    assert ledger_report().ok
    latest = LedgerCheckpoint.objects.order_by("-sequence").first()
    assert latest.entries == LedgerEntry.objects.filter(pk__lte=latest.cutoff_entry_id).count()
