"""Every money row of the wallets app carries its organization, step 2 of 3: existing rows get
theirs from the rows they hang off, in batches of short transactions (not atomic: a large
ledger is not filled under one lock). Customers from their project, wallets from their customer,
wallet accounts from their wallet, a transaction from the one organization its entries' accounts
are in (a transaction of two organizations, or of none, is left empty and step 3 names it),
entries from their transaction, holds from their wallet or account."""

from django.db import migrations

from wallets.migrations._organization_keys import organization_backfill

# (table, source, rows to fill, append-only trigger), in dependency order.
SOURCES = [
    (
        "wallets_customer",
        "SELECT p.organization_id FROM llmgateway_project p "
        "WHERE p.id = wallets_customer.project_id",
        "TRUE",
        None,
    ),
    (
        "wallets_wallet",
        "SELECT c.organization_id FROM wallets_customer c WHERE c.id = wallets_wallet.customer_id",
        "TRUE",
        None,
    ),
    (
        "wallets_ledgeraccount",
        "SELECT w.organization_id FROM wallets_wallet w "
        "WHERE w.id = wallets_ledgeraccount.wallet_id",
        "wallet_id IS NOT NULL",
        None,
    ),
    (
        "wallets_ledgertransaction",
        "SELECT CASE WHEN MIN(a.organization_id) = MAX(a.organization_id) "
        "THEN MIN(a.organization_id) END "
        "FROM wallets_ledgerentry e JOIN wallets_ledgeraccount a ON a.id = e.account_id "
        "WHERE e.transaction_id = wallets_ledgertransaction.id",
        "TRUE",
        None,
    ),
    (
        "wallets_ledgerentry",
        "SELECT t.organization_id FROM wallets_ledgertransaction t "
        "WHERE t.id = wallets_ledgerentry.transaction_id",
        "TRUE",
        "ledgerentry_append_only",
    ),
    (
        "wallets_hold",
        "SELECT COALESCE("
        "(SELECT w.organization_id FROM wallets_wallet w WHERE w.id = wallets_hold.wallet_id), "
        "(SELECT a.organization_id FROM wallets_ledgeraccount a "
        "WHERE a.id = wallets_hold.account_id))",
        "TRUE",
        None,
    ),
]


def backfill(apps, schema_editor):
    for table, source, where, trigger in SOURCES:
        organization_backfill(
            schema_editor,
            table=table,
            source_sql=source,
            where_sql=where,
            append_only_trigger=trigger,
        )


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("wallets", "0009_organization_keys")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
