"""Request logs and daily usage carry their organization, step 2 of 3: from their project, in
batches of short transactions."""

from django.db import migrations

from wallets.migrations._organization_keys import organization_backfill

SOURCES = [
    (
        "proxy_requestlog",
        "SELECT p.organization_id FROM llmgateway_project p "
        "WHERE p.id = proxy_requestlog.project_id",
    ),
    (
        "proxy_usagedaily",
        "SELECT p.organization_id FROM llmgateway_project p "
        "WHERE p.id = proxy_usagedaily.project_id",
    ),
]


def backfill(apps, schema_editor):
    for table, source in SOURCES:
        organization_backfill(schema_editor, table=table, source_sql=source)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("proxy", "0004_organization_keys")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
