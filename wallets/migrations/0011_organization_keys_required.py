"""Every money row of the wallets app carries its organization, step 3 of 3: the columns become
required (after naming any row that still lacks one: a transaction of two organizations or of
none has no single owner to give it), and only the platform's accounts may have none."""

import django.db.models.deletion
from django.db import migrations, models

from wallets.migrations._organization_keys import organization_required

ORGANIZATION_BOOK_KINDS = ("wallet", "org_credits", "org_margin", "org_margin_reserved")
TABLES = [
    ("wallets_customer", "TRUE", "customers"),
    ("wallets_wallet", "TRUE", "wallets"),
    ("wallets_ledgeraccount", "wallet_id IS NOT NULL", "wallet accounts"),
    ("wallets_ledgertransaction", "TRUE", "transactions (of no single organization)"),
    ("wallets_ledgerentry", "TRUE", "entries"),
    ("wallets_hold", "TRUE", "holds"),
]


def check(apps, schema_editor):
    for table, where, what in TABLES:
        organization_required(schema_editor, table=table, where_sql=where, what=what)


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
