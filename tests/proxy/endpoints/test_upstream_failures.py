"""Upstream failures: nothing charged before output, a partial charge after, no hold left behind."""

import threading

import pytest

from billing.selectors import catalog_cache_clear
from proxy.tokens import count_text_tokens
from tests.helpers.api import assert_error
from tests.helpers.gateway import expected_cost, post_json, post_stream, sse_events
from tests.helpers.live import FAKE_OPENAI_API_KEY
from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import Hold, Wallet

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CHAT = "/v1/chat/completions"
MODEL = "openai/gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "alpha beta gamma delta epsilon"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
}


@pytest.fixture
def live_upstream(fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("UPSTREAM_TIMEOUT_SECONDS", "1")
    catalog_cache_clear()
    yield fake_openai
    catalog_cache_clear()


@pytest.fixture
def live_session(funded_session, live_upstream):
    return funded_session(livemode=True)


def _assert_nothing_charged(session):
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD, 0)
    assert Hold.objects.get().status == "released"
    assert_ledger_ok()


def test_a_live_request_reaches_the_fake_and_is_billed(client, live_session, live_upstream):
    session, token = live_session
    response = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
    assert response.status_code == 200, response.content
    assert live_upstream.requests[-1].json["model"] == "gpt-4o-mini"
    cost = expected_cost(MODEL, response.json()["usage"])
    assert Wallet.objects.get(pk=session.wallet_id).balance_nanos == USD - cost
    assert_ledger_ok()


@pytest.mark.parametrize("stream", [False, True])
def test_upstream_500_before_output_is_a_502_and_free(client, live_session, live_upstream, stream):
    session, token = live_session
    live_upstream.fail(500)
    body = {"model": MODEL, "messages": MESSAGES, "stream": stream}
    response = post_stream(CHAT, body, token)[0] if stream else post_json(client, CHAT, body, token)
    assert_error(response, 502, "upstream_error")
    _assert_nothing_charged(session)


def test_upstream_429_is_passed_on_as_rate_limited(client, live_session, live_upstream):
    session, token = live_session
    live_upstream.fail(429)
    response = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
    assert_error(response, 429, "rate_limited")
    _assert_nothing_charged(session)


def test_upstream_timeout_before_output_is_free(client, live_session, live_upstream):
    session, token = live_session
    live_upstream.hang = "before_response"
    response = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
    live_upstream.release_hangs()
    assert_error(response, 502, "upstream_error")
    _assert_nothing_charged(session)


def test_unreachable_upstream_is_free(client, funded_session, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    catalog_cache_clear()
    session, token = funded_session(livemode=True)
    response = post_json(client, CHAT, {"model": MODEL, "messages": MESSAGES}, token)
    assert_error(response, 502, "upstream_error")
    _assert_nothing_charged(session)
    catalog_cache_clear()


def _partial(session, events):
    # Cut short, no finish_reason: a closing chunk with an empty delta carries the usage.
    usage_chunk = events[-2]
    assert events[-1] == "[DONE]"
    assert usage_chunk["choices"] == [{"index": 0, "delta": {}, "finish_reason": None}]
    assert any("error" in event for event in events if isinstance(event, dict))
    hold = Hold.objects.get()
    cost = expected_cost(MODEL, usage_chunk["usage"])
    assert (hold.status, hold.charged_nanos) == ("settled", cost)
    assert 0 < cost < hold.amount_nanos
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - cost, 0)
    assert_ledger_ok()
    return usage_chunk


def test_timeout_after_the_first_chunk_charges_what_was_delivered(live_session, live_upstream):
    session, token = live_session
    live_upstream.hang = "mid_stream"
    response, raw = post_stream(CHAT, {"model": MODEL, "messages": MESSAGES, "stream": True}, token)
    live_upstream.release_hangs()
    assert response.status_code == 200
    usage_chunk = _partial(session, sse_events(raw))
    assert usage_chunk["usage"]["completion_tokens"] >= 1


def test_connection_reset_after_the_first_chunk_charges_what_was_delivered(
    live_session, live_upstream, monkeypatch
):
    monkeypatch.setenv("UPSTREAM_TIMEOUT_SECONDS", "30")
    session, token = live_session
    live_upstream.hang = "mid_stream"

    def reset_when_hanging():
        if live_upstream.hang_started.wait(20):
            live_upstream._server.close_open_connections()

    resetter = threading.Thread(target=reset_when_hanging)
    resetter.start()
    response, raw = post_stream(CHAT, {"model": MODEL, "messages": MESSAGES, "stream": True}, token)
    resetter.join()
    live_upstream.release_hangs()
    assert response.status_code == 200
    _partial(session, sse_events(raw))


def test_a_tool_call_cut_short_charges_the_call_delivered_so_far(live_session, live_upstream):
    session, token = live_session
    live_upstream.tool_calls = [{"name": "get_weather", "arguments": '{"city": "Paris"}'}]
    live_upstream.hang = "mid_stream"  # after the call's first delta: its id and name
    body = {"model": MODEL, "messages": MESSAGES, "stream": True, "tools": [WEATHER_TOOL]}
    response, raw = post_stream(CHAT, body, token)
    live_upstream.release_hangs()
    assert response.status_code == 200
    events = sse_events(raw)
    assert events[0]["choices"][0]["delta"]["tool_calls"][0]["function"]["name"] == "get_weather"
    usage_chunk = _partial(session, events)
    assert usage_chunk["usage"]["completion_tokens"] == count_text_tokens(
        "get_weather", model="gpt-4o-mini"
    )
