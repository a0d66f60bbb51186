"""Ledger entries and transactions are append-only: PostgreSQL refuses UPDATE and DELETE on them."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION ledger_forbid_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: post a correcting transaction instead';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledgerentry_append_only BEFORE UPDATE OR DELETE ON wallets_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_forbid_change();
CREATE TRIGGER ledgertransaction_append_only BEFORE DELETE ON wallets_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION ledger_forbid_change();
"""

ALLOW = """
DROP TRIGGER IF EXISTS ledgerentry_append_only ON wallets_ledgerentry;
DROP TRIGGER IF EXISTS ledgertransaction_append_only ON wallets_ledgertransaction;
DROP FUNCTION IF EXISTS ledger_forbid_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("wallets", "0001_wallets_and_ledger")]
    operations = [migrations.RunPython(forward, backward)]
