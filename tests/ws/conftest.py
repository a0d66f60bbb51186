"""Helpers for the WebSocket chat tests: sockets on the real ASGI app, funded sessions."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from tests.gateway.conftest import _log_at_once  # noqa: F401 (an autouse fixture)


@pytest.fixture
def mint(funded_session):
    """`await mint(balance_nanos=…, **scope)` → (session, token), from inside an async test."""

    async def make(**kwargs):
        return await sync_to_async(funded_session, thread_sensitive=False)(**kwargs)

    return make
