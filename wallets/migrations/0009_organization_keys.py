"""Every money row of the wallets app carries its organization (docs/deploy.md, "Past one
primary"), step 1 of 3: the columns, nullable. Wallet ledger accounts get theirs in the existing
column, so the one-account-per-kind rule now covers the organization's own accounts only."""

import django.db.models.deletion
from django.db import migrations, models


def organization_key(*, index: bool) -> models.ForeignKey:
    return models.ForeignKey(
        db_index=index,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="llmgateway.organization",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("llmgateway", "0005_project_routing"),
        ("wallets", "0008_ledger_checkpoints"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer", name="organization", field=organization_key(index=True)
        ),
        migrations.AddField(
            model_name="wallet", name="organization", field=organization_key(index=True)
        ),
        migrations.AddField(
            model_name="ledgertransaction",
            name="organization",
            field=organization_key(index=False),
        ),
        migrations.AddField(
            model_name="ledgerentry", name="organization", field=organization_key(index=False)
        ),
        migrations.AddField(
            model_name="hold", name="organization", field=organization_key(index=False)
        ),
        migrations.RemoveConstraint(
            model_name="ledgeraccount", name="ledgeraccount_unique_org_kind"
        ),
        migrations.AddConstraint(
            model_name="ledgeraccount",
            constraint=models.UniqueConstraint(
                condition=models.Q(("organization__isnull", False), ("wallet__isnull", True)),
                fields=("kind", "livemode", "organization"),
                name="ledgeraccount_unique_org_kind",
            ),
        ),
    ]
