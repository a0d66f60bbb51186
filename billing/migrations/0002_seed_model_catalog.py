"""Seed the model catalog with list prices (billing/catalog_defaults.py)."""

from django.db import migrations


def seed_catalog(apps, schema_editor):
    from billing.catalog_defaults import catalog_defaults_install

    catalog_defaults_install(catalog_model_class=apps.get_model("billing", "CatalogModel"))


def unseed_catalog(apps, schema_editor):
    from billing.catalog_defaults import DEFAULT_CATALOG

    CatalogModel = apps.get_model("billing", "CatalogModel")
    CatalogModel.objects.filter(id__in=[row["id"] for row in DEFAULT_CATALOG]).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_model_catalog")]

    operations = [migrations.RunPython(seed_catalog, unseed_catalog)]
