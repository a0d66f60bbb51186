"""Billing tests: no provider configuration leaks in from the developer's environment."""

from __future__ import annotations

import pytest

from billing.selectors import catalog_cache_clear

PROVIDER_ENVIRONMENT = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_STYLE",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_API_STYLE",
    "CATALOG_CACHE_SECONDS",
)


@pytest.fixture(autouse=True)
def _isolated_provider_configuration(monkeypatch):
    for name in PROVIDER_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    catalog_cache_clear()
    yield
    catalog_cache_clear()
