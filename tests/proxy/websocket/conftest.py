"""Fixtures of the WebSocket chat tests (proxy/transports/websocket.py): funded sessions minted
from async tests, request logs written at once. Sockets are in tests/helpers/websocket.py."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from tests.proxy.endpoints.conftest import _log_at_once  # noqa: F401 (an autouse fixture)


@pytest.fixture
def mint(funded_session):
    """`await mint(balance_nanos=…, **scope)` → (session, token), from inside an async test."""

    async def make(**kwargs):
        return await sync_to_async(funded_session, thread_sensitive=False)(**kwargs)

    return make
