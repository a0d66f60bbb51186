"""Request logs and daily usage carry their organization (docs/deploy.md, "Past one primary"),
step 1 of 3: the columns, nullable (the usage bucket's unique key gains it in step 3, once no
row lacks it)."""

import django.db.models.deletion
from django.db import migrations, models


def organization_key() -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="llmgateway.organization",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("llmgateway", "0005_project_routing"),
        ("proxy", "0003_request_log_provider"),
    ]

    operations = [
        migrations.AddField(model_name="requestlog", name="organization", field=organization_key()),
        migrations.AddField(model_name="usagedaily", name="organization", field=organization_key()),
    ]
