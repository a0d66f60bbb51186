"""`manage.py ledger_check` proves the books and names every difference."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.helpers.factories import make_wallet
from tests.helpers.money import USD
from wallets import services
from wallets.holds import orm as holds_orm
from wallets.models import LedgerEntry, LedgerTransaction


def test_passes_on_consistent_books(project, capsys):
    make_wallet(project, balance_nanos=USD)
    call_command("ledger_check")
    assert "ledger ok: 1 transactions, 2 entries" in capsys.readouterr().out


def test_fails_on_a_corrupted_cached_wallet_balance(project, capsys):
    wallet = make_wallet(project, balance_nanos=USD)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wallets_wallet SET balance_nanos = balance_nanos + 1 WHERE id = %s",
            [wallet.pk],
        )
    with pytest.raises(CommandError):
        call_command("ledger_check")
    err = capsys.readouterr().err
    assert f"wallet {wallet.pk} caches balance {USD + 1} but its entries sum to {USD}" in err


def test_fails_on_a_corrupted_held_figure(project, capsys):
    wallet = make_wallet(project, balance_nanos=USD)
    holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=10)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE wallets_wallet SET held_nanos = 3 WHERE id = %s", [wallet.pk])
    with pytest.raises(CommandError):
        call_command("ledger_check")
    assert "caches held 3 but its active holds sum to 10" in capsys.readouterr().err


def test_fails_on_a_corrupted_organization_balance(project, capsys):
    services.organization_credit_grant(
        organization_id=project.organization_id, amount_nanos=USD, reason="x", livemode=True
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wallets_ledgeraccount SET balance_nanos = 5 WHERE kind='org_credits'"
        )
    with pytest.raises(CommandError):
        call_command("ledger_check")
    assert "caches balance 5 but its entries sum to 1000000000" in capsys.readouterr().err


@pytest.mark.skipif(connection.vendor == "postgresql", reason="entries are append-only there")
def test_fails_on_a_transaction_that_does_not_sum_to_zero(project, capsys):
    make_wallet(project, balance_nanos=USD)
    entry = LedgerEntry.objects.order_by("id").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wallets_ledgerentry SET amount_nanos = amount_nanos - 7 WHERE id = %s",
            [entry.pk],
        )
    with pytest.raises(CommandError):
        call_command("ledger_check")
    txn = LedgerTransaction.objects.get()
    assert f"transaction txn_{txn.pk} sums to -7, not 0" in capsys.readouterr().err


@pytest.mark.postgres
def test_postgres_refuses_to_change_or_delete_ledger_entries(project):
    from django.db import DatabaseError, transaction

    make_wallet(project, balance_nanos=USD)
    for statement in (
        "UPDATE wallets_ledgerentry SET amount_nanos = 0",
        "DELETE FROM wallets_ledgerentry",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert LedgerEntry.objects.count() == 2
