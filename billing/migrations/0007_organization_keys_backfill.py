"""Top-ups carry their organization, step 2 of 3: a top-up's from its project, a credit's and a
reversal's from their top-up, in batches of short transactions."""

from django.db import migrations

from wallets.migrations._organization_keys import organization_backfill

SOURCES = [
    (
        "billing_topup",
        "SELECT p.organization_id FROM llmgateway_project p WHERE p.id = billing_topup.project_id",
    ),
    (
        "billing_topupcredit",
        "SELECT t.organization_id FROM billing_topup t WHERE t.id = billing_topupcredit.topup_id",
    ),
    (
        "billing_topupreversal",
        "SELECT t.organization_id FROM billing_topup t WHERE t.id = billing_topupreversal.topup_id",
    ),
]


def backfill(apps, schema_editor):
    for table, source in SOURCES:
        organization_backfill(schema_editor, table=table, source_sql=source)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("billing", "0006_organization_keys")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
