"""Seed the model catalog with list prices (billing/catalog_defaults.py)."""

from django.db import migrations


def seed_catalog(apps, schema_editor):
    # The rows as they were then: one flat row per model, provider and prices included
    # (0005 moves those to the model's deployment).
    from billing.catalog_defaults import DEFAULT_CATALOG

    CatalogModel = apps.get_model("billing", "CatalogModel")
    for row in DEFAULT_CATALOG:
        fields = {key: value for key, value in row.items() if key != "id"}
        CatalogModel.objects.get_or_create(id=row["id"], defaults=fields)


def unseed_catalog(apps, schema_editor):
    from billing.catalog_defaults import DEFAULT_CATALOG

    CatalogModel = apps.get_model("billing", "CatalogModel")
    CatalogModel.objects.filter(id__in=[row["id"] for row in DEFAULT_CATALOG]).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_model_catalog")]

    operations = [migrations.RunPython(seed_catalog, unseed_catalog)]
