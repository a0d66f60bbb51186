"""Top-ups, their credits and their reversals carry their organization (docs/deploy.md, "Past
one primary"), step 1 of 3: the columns, nullable."""

import django.db.models.deletion
from django.db import migrations, models


def organization_key() -> models.ForeignKey:
    return models.ForeignKey(
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="llmgateway.organization",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_deployments"),
        ("llmgateway", "0005_project_routing"),
    ]

    operations = [
        migrations.AddField(model_name="topup", name="organization", field=organization_key()),
        migrations.AddField(
            model_name="topupcredit", name="organization", field=organization_key()
        ),
        migrations.AddField(
            model_name="topupreversal", name="organization", field=organization_key()
        ),
    ]
