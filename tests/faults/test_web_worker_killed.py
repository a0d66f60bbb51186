"""SIGKILL of the web process (daphne) in the middle of a billed stream: the hold it left
expires and is released, nothing is charged twice, and a new process serves the next request."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers.faults import (
    HELLO,
    HOLD_TTL_SECONDS,
    MODEL,
    base_env,
    chat,
    daphne_start_again,
    sse_events,
    wait_until,
)
from tests.helpers.gateway import expected_cost
from tests.helpers.money import USD, assert_ledger_ok
from wallets.holds.orm import holds_release_expired
from wallets.models import Hold, Wallet

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_process_env(fake_openai_server):
    # The upstream stays silent while daphne is killed: no upstream timeout must end it first.
    return {**base_env(fake_openai_server), "UPSTREAM_TIMEOUT_SECONDS": "30"}


def test_daphne_killed_mid_stream_hold_expires_and_nothing_is_charged_twice(
    asgi_server, fake_openai, live_session
):
    session, token = live_session(balance_nanos=USD)
    with httpx.Client(base_url=asgi_server.url, timeout=10) as client:
        settled = chat(client, token)
    assert settled.status_code == 200, settled.text
    first_cost = expected_cost(MODEL, settled.json()["usage"])
    assert first_cost > 0

    fake_openai.hang = "mid_stream"
    body = {"model": MODEL, "messages": HELLO, "max_tokens": 200, "stream": True}
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=asgi_server.url, timeout=10) as client,
        client.stream("POST", "/v1/chat/completions", json=body, headers=headers) as stream,
    ):
        assert stream.status_code == 200
        lines = stream.iter_lines()
        first_content = next(line for line in lines if line.startswith("data: ") and "Echo" in line)
        assert fake_openai.hang_started.wait(5)
        wallet = Wallet.objects.get(pk=session.wallet_id)
        hold = Hold.objects.get(wallet_id=session.wallet_id, status=Hold.Status.HELD)
        expected = (USD - first_cost, hold.amount_nanos)
        assert (wallet.balance_nanos, wallet.held_nanos) == expected
        # daphne's HOLD_TTL_SECONDS (not the 900 s default) set this hold's expiry.
        ttl = (hold.expires_at - hold.created_at).total_seconds()
        assert HOLD_TTL_SECONDS - 1 < ttl < HOLD_TTL_SECONDS + 1
        asgi_server.process.kill()
        with pytest.raises(httpx.HTTPError):
            list(lines)
    assert first_content
    fake_openai.hang = None
    fake_openai.release_hangs()

    # Nothing settled it: still held until its TTL passes; releasing early does nothing.
    if (hold.expires_at - _now()).total_seconds() > 0.5:  # (unless this machine was that slow)
        assert holds_release_expired() == 0
        assert Wallet.objects.get(pk=session.wallet_id).held_nanos == hold.amount_nanos
    wait_until(
        lambda: not Hold.objects.filter(pk=hold.pk, expires_at__gte=_now()).exists(),
        timeout=HOLD_TTL_SECONDS + 2,
        message="the hold's TTL (HOLD_TTL_SECONDS in daphne's environment)",
    )
    assert holds_release_expired() == 1
    assert holds_release_expired() == 0  # released once

    hold.refresh_from_db()
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (hold.status, hold.charged_nanos) == (Hold.Status.EXPIRED, 0)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - first_cost, 0)

    url = daphne_start_again(asgi_server)
    with httpx.Client(base_url=url, timeout=10) as client:
        again = chat(client, token, stream=True)
    assert again.status_code == 200, again.text
    events = sse_events(again.text)
    assert events[-1] == "[DONE]"
    usage = events[-2]["usage"]
    second_cost = expected_cost(MODEL, usage)
    assert second_cost > 0

    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - first_cost - second_cost, 0)
    charged = sorted(
        Hold.objects.filter(wallet_id=session.wallet_id).values_list("status", "charged_nanos")
    )
    assert charged == sorted([("settled", first_cost), ("expired", 0), ("settled", second_cost)])
    assert_ledger_ok()


def _now():
    from django.utils import timezone

    return timezone.now()
