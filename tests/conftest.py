"""Shared fixtures. Live-process fixtures (Celery worker, daphne, fakes) are in tests/live.py."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests import factories

pytest_plugins = ["tests.live"]


def pytest_collection_modifyitems(config, items):
    if not settings.DATABASE_IS_SQLITE:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _forget_system_accounts():
    from wallets.services.accounts import system_account_cache_clear

    system_account_cache_clear()
    yield
    system_account_cache_clear()


@pytest.fixture
def organization(db):
    return factories.make_organization()


@pytest.fixture
def project(organization):
    return factories.make_project(organization)


@pytest.fixture
def wallet(project):
    return factories.make_wallet(project)
