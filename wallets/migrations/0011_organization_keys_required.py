"""Every money row of the wallets app carries its organization, step 3 of 3: rows written by old
processes since step 2 are filled, then the columns become required (after naming any row that
still lacks one: a transaction of two organizations or of none has no single owner to give it),
and only the platform's accounts may have none."""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

from wallets.migrations._organization_keys import organization_required

ORGANIZATION_BOOK_KINDS = ("wallet", "org_credits", "org_margin", "org_margin_reserved")
SOURCES = import_module("wallets.migrations.0010_organization_keys_backfill").SOURCES
WHAT = {"wallets_ledgertransaction": "transactions (of no single organization)"}


def check(apps, schema_editor):
    for table, source, where, trigger in SOURCES:
        organization_required(
            schema_editor,
            table=table,
            source_sql=source,
            where_sql=where,
            append_only_trigger=trigger,
            what=WHAT.get(table, "rows"),
        )


def organization_key(*, index: bool) -> models.ForeignKey:
    return models.ForeignKey(
        db_index=index,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="llmgateway.organization",
    )


class Migration(migrations.Migration):
    dependencies = [("wallets", "0010_organization_keys_backfill")]

    operations = [
        migrations.RunPython(check, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="customer", name="organization", field=organization_key(index=True)
        ),
        migrations.AlterField(
            model_name="wallet", name="organization", field=organization_key(index=True)
        ),
        migrations.AlterField(
            model_name="ledgertransaction",
            name="organization",
            field=organization_key(index=False),
        ),
        migrations.AlterField(
            model_name="ledgerentry", name="organization", field=organization_key(index=False)
        ),
        migrations.AlterField(
            model_name="hold", name="organization", field=organization_key(index=False)
        ),
        migrations.AddConstraint(
            model_name="ledgeraccount",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("kind__in", ORGANIZATION_BOOK_KINDS), ("organization__isnull", False)
                    ),
                    models.Q(
                        models.Q(("kind__in", ORGANIZATION_BOOK_KINDS), _negated=True),
                        ("organization__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="ledgeraccount_organization_unless_system",
            ),
        ),
    ]
