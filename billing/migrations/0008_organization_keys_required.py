"""Top-ups carry their organization, step 3 of 3: rows written by old processes since step 2
are filled, then the columns become required."""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

from wallets.migrations._organization_keys import organization_required

SOURCES = import_module("billing.migrations.0007_organization_keys_backfill").SOURCES


def check(apps, schema_editor):
    for table, source in SOURCES:
        organization_required(schema_editor, table=table, source_sql=source)


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
