# Restricted keys: every key made before permissions existed keeps full access.

from django.db import migrations, models

# Frozen here (not imported) so this migration means the same thing forever.
FULL_ACCESS = [
    "sessions",
    "customers:read",
    "customers:write",
    "credits:grant",
    "balance:read",
    "payouts",
    "connect",
    "webhooks",
]


def grant_full_access(apps, schema_editor):
    ApiKey = apps.get_model("llmgateway", "ApiKey")
    ApiKey.objects.filter(kind="secret").update(permissions=FULL_ACCESS)


class Migration(migrations.Migration):
    dependencies = [
        ("llmgateway", "0001_tenancy"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="permissions",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(grant_full_access, migrations.RunPython.noop),
    ]
