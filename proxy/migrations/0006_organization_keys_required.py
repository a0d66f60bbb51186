"""Request logs and daily usage carry their organization, step 3 of 3: rows written by old
processes since step 2 are filled, then the columns become required and the usage bucket's
unique key includes it (a distributed table's unique keys must hold its distribution column; a
project has one organization, so no bucket splits)."""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

from wallets.migrations._organization_keys import organization_required

SOURCES = import_module("proxy.migrations.0005_organization_keys_backfill").SOURCES


def check(apps, schema_editor):
    for table, source in SOURCES:
        organization_required(schema_editor, table=table, source_sql=source)


def organization_key() -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="llmgateway.organization",
    )


class Migration(migrations.Migration):
    dependencies = [("proxy", "0005_organization_keys_backfill")]

    operations = [
        migrations.RunPython(check, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="requestlog", name="organization", field=organization_key()
        ),
        migrations.AlterField(
            model_name="usagedaily", name="organization", field=organization_key()
        ),
        migrations.RemoveConstraint(model_name="usagedaily", name="usagedaily_unique_bucket"),
        migrations.AddConstraint(
            model_name="usagedaily",
            constraint=models.UniqueConstraint(
                fields=("date", "project", "api_key", "model", "livemode", "organization"),
                name="usagedaily_unique_bucket",
            ),
        ),
    ]
