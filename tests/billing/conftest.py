"""Billing tests: no provider configuration leaks in from the developer's environment."""

from __future__ import annotations

import pytest

from billing.selectors import catalog_cache_clear
from tests.helpers.providers import PROVIDER_ENVIRONMENT


@pytest.fixture(autouse=True)
def _isolated_provider_configuration(monkeypatch):
    for name in PROVIDER_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    catalog_cache_clear()
    yield
    catalog_cache_clear()
