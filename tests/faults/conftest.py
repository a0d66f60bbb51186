"""Fault-test fixtures: loopback TCP proxies in front of PostgreSQL and Redis, funded live
sessions on the fake OpenAI upstream, and the helpers every fault test ends with."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from tests.faults.tcp_proxy import TcpProxy
from tests.helpers.faults import base_env
from tests.helpers.live import FAKE_OPENAI_API_KEY
from tests.helpers.money import USD


@pytest.fixture
def live_process_env(fake_openai_server) -> dict[str, str]:
    return base_env(fake_openai_server)


@pytest.fixture
def live_session(funded_session, monkeypatch, fake_openai):
    """`live_session(balance_nanos)` → (session, token): a live-mode session whose wallet holds
    `balance_nanos`, allowed to call `openai/*` (the fake upstream)."""
    from billing.selectors import catalog_cache_clear

    # The provider must be configured in this process too, where the session is minted.
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    catalog_cache_clear()

    def make(balance_nanos: int = USD, external_id: str = "user_1"):
        return funded_session(balance_nanos=balance_nanos, external_id=external_id, livemode=True)

    return make


@pytest.fixture
def postgres_proxy() -> Iterator[TcpProxy]:
    database = settings.DATABASES["default"]
    host, port = database.get("HOST") or "127.0.0.1", int(database.get("PORT") or 5432)
    proxy = TcpProxy(target_host=host, target_port=port).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def redis_proxy() -> Iterator[TcpProxy]:
    parts = urlsplit(settings.REDIS_URL)
    proxy = TcpProxy(target_host=parts.hostname or "127.0.0.1", target_port=parts.port or 6379)
    yield proxy.start()
    proxy.stop()
