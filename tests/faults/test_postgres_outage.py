"""PostgreSQL unreachable from the web process during traffic (a loopback proxy between daphne
and the shared server is cut; the server itself keeps running): requests fail fast with 503
`service_unavailable` in the API's error shape, no half-written money, and service resumes as
soon as the database is reachable again."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from django.utils import timezone

from tests.helpers.faults import (
    HOLD_TTL_SECONDS,
    MODEL,
    assert_error_shape,
    base_env,
    chat,
    sse_events,
    url_through,
    wait_until,
)
from tests.helpers.gateway import expected_cost
from tests.helpers.live import live_database_url
from tests.helpers.money import USD, assert_ledger_ok
from wallets.holds.orm import holds_release_expired
from wallets.models import Hold, Wallet

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_process_env(fake_openai_server, postgres_proxy, transactional_db):
    return {
        **base_env(fake_openai_server),
        "DATABASE_URL": url_through(live_database_url(), postgres_proxy),
    }


def _wallet(session) -> tuple[int, int]:
    wallet = Wallet.objects.get(pk=session.wallet_id)
    return wallet.balance_nanos, wallet.held_nanos


def test_database_cut_during_traffic_answers_503_and_service_resumes(
    asgi_server, fake_openai, live_session, postgres_proxy
):
    session, token = live_session(balance_nanos=USD)
    client = httpx.Client(base_url=asgi_server.url, timeout=15)
    before = chat(client, token)
    assert before.status_code == 200, before.text
    first_cost = expected_cost(MODEL, before.json()["usage"])
    assert postgres_proxy.open_connections > 0  # daphne really talks to PostgreSQL through it

    # A request in flight (its hold committed, the upstream still thinking) when the cut comes.
    fake_openai.hang = "before_response"
    in_flight: dict[str, httpx.Response] = {}
    thread = threading.Thread(target=lambda: in_flight.update(answer=chat(client, token)))
    thread.start()
    assert fake_openai.hang_started.wait(10)
    assert _wallet(session)[1] > 0

    postgres_proxy.refuse()
    assert postgres_proxy.cut() > 0
    fake_openai.hang = None
    fake_openai.release_hangs()
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert_error_shape(in_flight["answer"], 503, code="service_unavailable")

    for stream in (False, True, False):
        started = time.monotonic()
        during = chat(client, token, stream=stream)
        assert time.monotonic() - started < 5  # fails fast, doesn't hang
        error = assert_error_shape(during, 503, code="service_unavailable")
        assert during.headers["retry-after"] == "1"
        assert "nothing was charged" in error["message"]
    assert len(fake_openai.requests) == 2  # no upstream call was made without a hold

    postgres_proxy.restore()
    after = [chat(client, token), chat(client, token, stream=True), chat(client, token)]
    client.close()
    assert [r.status_code for r in after] == [200, 200, 200], [r.text[:300] for r in after]
    later_costs = [
        expected_cost(MODEL, after[0].json()["usage"]),
        expected_cost(MODEL, sse_events(after[1].text)[-2]["usage"]),
        expected_cost(MODEL, after[2].json()["usage"]),
    ]

    # The in-flight request could not settle: its hold waits for its TTL, then is released.
    stranded = Hold.objects.get(status=Hold.Status.HELD)
    wait_until(
        lambda: timezone.now() > stranded.expires_at, timeout=HOLD_TTL_SECONDS + 2, message="TTL"
    )
    assert holds_release_expired() == 1
    charged = sum(later_costs) + first_cost
    assert _wallet(session) == (USD - charged, 0)
    assert sorted(Hold.objects.values_list("status", flat=True)) == ["expired"] + ["settled"] * 4
    assert sum(Hold.objects.values_list("charged_nanos", flat=True)) == charged
    assert_ledger_ok()
