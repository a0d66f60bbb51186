"""Redis unreachable from the web process (a loopback proxy between daphne and Redis is cut):
HTTP chat keeps being served and billed, rate limits fail open as documented, and WebSocket
balance pushes resume once Redis is back."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from websockets.sync.client import connect

from llmgateway.money import nanos_to_usd
from tests.helpers.faults import MODEL, base_env, chat, url_through
from tests.helpers.gateway import expected_cost
from tests.helpers.money import USD, assert_ledger_ok
from tests.helpers.websocket import ORIGIN
from wallets.models import Hold, Wallet

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SESSION_REQUESTS_PER_MINUTE = 5
PUSH_ATTEMPTS_AFTER_RESTORE = 3
WINDOW_SECONDS = 60


@pytest.fixture
def live_process_env(fake_openai_server, redis_proxy, settings):
    return {
        **base_env(fake_openai_server),
        "REDIS_URL": url_through(settings.REDIS_URL, redis_proxy),
        "RATE_LIMIT_SESSION_PER_MINUTE": str(SESSION_REQUESTS_PER_MINUTE),
    }


def _pushes_until(websocket, balance: str, timeout: float = 10) -> list[str]:
    """`wallet.balance` pushes received until one says `balance`."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            message = json.loads(websocket.recv(timeout=max(0.05, deadline - time.monotonic())))
        except TimeoutError:
            break
        assert message["type"] == "wallet.balance", message
        seen.append(message["balance"])
        if message["balance"] == balance:
            return seen
    raise AssertionError(f"no push of {balance} within {timeout} s; saw {seen}")


def _no_push(websocket, seconds: float) -> bool:
    try:
        websocket.recv(timeout=seconds)
    except TimeoutError:
        return True
    return False


def test_redis_down_chat_is_served_limits_fail_open_and_pushes_resume(
    asgi_server, fake_openai, live_session, redis_proxy
):
    # The whole test must fit in one fixed rate-limit window.
    if WINDOW_SECONDS - time.time() % WINDOW_SECONDS < 20:
        time.sleep(WINDOW_SECONDS - time.time() % WINDOW_SECONDS + 0.1)
    session, token = live_session(balance_nanos=USD)
    costs: list[int] = []
    client = httpx.Client(base_url=asgi_server.url, timeout=15)

    def charged_chat() -> None:
        response = chat(client, token)
        assert response.status_code == 200, response.text
        costs.append(expected_cost(MODEL, response.json()["usage"]))

    with connect(asgi_server.ws_url + "/v1/ws", origin=ORIGIN, open_timeout=10) as websocket:
        websocket.send(json.dumps({"type": "session.auth", "token": token}))
        assert json.loads(websocket.recv(timeout=10))["type"] == "session.ready"
        charged_chat()  # rate-limit count 1
        _pushes_until(websocket, nanos_to_usd(USD - sum(costs)))

        redis_proxy.refuse()
        assert redis_proxy.cut() > 0
        # Past the session's limit of 5 a minute: every one served, because the counter is gone.
        for _ in range(SESSION_REQUESTS_PER_MINUTE + 1):
            charged_chat()
        assert _wallet(session) == (USD - sum(costs), 0)
        assert _no_push(websocket, 0.5)  # the channel layer is down: nothing can be pushed

        redis_proxy.restore()
        # The first push after the restore may still meet a connection the outage broke (it
        # is then dropped from the pool): pushes must be back within a few changes.
        for attempt in range(1, PUSH_ATTEMPTS_AFTER_RESTORE + 1):
            charged_chat()  # counted by Redis again
            try:
                _pushes_until(websocket, nanos_to_usd(USD - sum(costs)), timeout=2)
                break
            except AssertionError:
                if attempt == PUSH_ATTEMPTS_AFTER_RESTORE:
                    raise
        served_after_restore = attempt
        while True:
            limited = chat(client, token)
            if limited.status_code != 200:
                break
            costs.append(expected_cost(MODEL, limited.json()["usage"]))
            served_after_restore += 1
    client.close()

    # Limits are enforced again: the requests before the outage and after it add up to the
    # limit (those during it were never counted), and the next one is refused.
    assert limited.status_code == 429, limited.text
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 + served_after_restore == SESSION_REQUESTS_PER_MINUTE
    assert len(costs) == 1 + (SESSION_REQUESTS_PER_MINUTE + 1) + served_after_restore
    assert _wallet(session) == (USD - sum(costs), 0)
    assert sorted(Hold.objects.values_list("charged_nanos", flat=True)) == sorted(costs)
    assert_ledger_ok()


def _wallet(session) -> tuple[int, int]:
    wallet = Wallet.objects.get(pk=session.wallet_id)
    return wallet.balance_nanos, wallet.held_nanos
