"""Fixtures of the provider adapter tests (proxy/providers/): the Anthropic loopback fake and a
provider configuration isolated from the developer's environment. The async runner is in
tests/helpers/providers.py."""

from __future__ import annotations

import pytest

from billing.selectors import catalog_cache_clear
from tests.fakes.anthropic_fixture import fake_anthropic, fake_anthropic_server  # noqa: F401
from tests.helpers.providers import PROVIDER_ENVIRONMENT


@pytest.fixture(autouse=True)
def _isolated_provider_configuration(monkeypatch):
    for name in (
        *PROVIDER_ENVIRONMENT,
        "UPSTREAM_TIMEOUT_SECONDS",
        "TEST_MODEL_STREAM_DELAY_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    catalog_cache_clear()
    yield
    catalog_cache_clear()
