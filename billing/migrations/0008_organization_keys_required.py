"""Top-ups carry their organization, step 3 of 3: the columns become required."""

import django.db.models.deletion
from django.db import migrations, models

from wallets.migrations._organization_keys import organization_required

TABLES = ["billing_topup", "billing_topupcredit", "billing_topupreversal"]


def check(apps, schema_editor):
    for table in TABLES:
        organization_required(schema_editor, table=table)


def organization_key() -> models.ForeignKey:
    return models.ForeignKey(
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="llmgateway.organization",
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_organization_keys_backfill")]

    operations = [
        migrations.RunPython(check, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(model_name="topup", name="organization", field=organization_key()),
        migrations.AlterField(
            model_name="topupcredit", name="organization", field=organization_key()
        ),
        migrations.AlterField(
            model_name="topupreversal", name="organization", field=organization_key()
        ),
    ]
