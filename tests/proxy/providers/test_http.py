"""The shared upstream client and the SSE framing."""

from __future__ import annotations

import asyncio
import json
import socket

import httpx
import pytest
from asgiref.sync import async_to_sync

from proxy.providers.http import (
    _pools,
    json_bytes,
    post_json,
    shared_client,
    shared_client_close,
    upstream_timeout,
)
from proxy.providers.sse import ServerSentEvent, iter_sse


def test_one_client_per_event_loop_reused_until_closed():
    async def twice():
        first, second = shared_client(), shared_client()
        await shared_client_close()
        third = shared_client()
        await shared_client_close()
        return first, second, third

    first, second, third = async_to_sync(twice)()
    assert first is second
    assert third is not first
    assert first.is_closed and third.is_closed


def test_clients_of_different_loops_are_different():
    async def client():
        made = shared_client()
        await shared_client_close()
        return made

    assert asyncio.run(client()) is not asyncio.run(client())


def test_timeouts_come_from_the_environment(monkeypatch):
    timeout = upstream_timeout()
    assert (timeout.connect, timeout.read) == (5.0, 60.0)
    monkeypatch.setenv("UPSTREAM_TIMEOUT_SECONDS", "120")
    assert upstream_timeout().read == 120.0
    monkeypatch.setenv("UPSTREAM_TIMEOUT_SECONDS", "nonsense")
    assert upstream_timeout().read == 60.0


def test_sse_events_are_framed_by_blank_lines():
    body = (
        b": keep-alive comment\n\n"
        b'event: message_start\ndata: {"a": 1}\n\n'
        b"data: line one\r\ndata: line two\r\n\r\n"
        b"data:no-space\n\n"
        b"data: [DONE]"  # no trailing blank line: dispatched at the end
    )

    async def events():
        response = httpx.Response(200, content=body)
        return [event async for event in iter_sse(response)]

    assert asyncio.run(events()) == [
        ServerSentEvent(event="message_start", data='{"a": 1}'),
        ServerSentEvent(event="message", data="line one\nline two"),
        ServerSentEvent(event="message", data="no-space"),
        ServerSentEvent(event="message", data="[DONE]"),
    ]


# --- post_json: plain calls on httpcore -------------------------------------------------------


AUTH = {"Authorization": "Bearer k"}


def _post(url: str, body: dict, headers: dict | None = None):
    async def go():
        try:
            return await post_json(url, json_bytes(body), AUTH if headers is None else headers)
        finally:
            await shared_client_close()

    return async_to_sync(go)()


def test_post_json_sends_the_body_and_headers_and_reads_the_answer(fake_openai):
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "héllo"}]}

    status, content, retry_after = _post(f"{fake_openai.base_url}/chat/completions", body)

    assert (status, retry_after) == (200, None)
    answer = json.loads(content)
    assert answer["choices"][0]["message"]["content"] == "Echo: héllo"
    request = fake_openai.requests[-1]
    assert request.json == body
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == "Bearer k"
    assert request.headers["user-agent"] == "llmgateway"


def test_post_json_returns_upstream_errors_as_they_came(fake_openai):
    fake_openai.fail(429, times=1)
    fake_openai.retry_after = "7"

    status, content, retry_after = _post(f"{fake_openai.base_url}/chat/completions", {"model": "m"})

    assert (status, retry_after) == (429, 7.0)  # the Retry-After it asked for, in seconds
    assert "error" in json.loads(content)


def test_post_json_failures_are_httpx_errors(fake_openai, monkeypatch):
    monkeypatch.setenv("UPSTREAM_TIMEOUT_SECONDS", "0.3")
    fake_openai.hang = "before_response"
    try:
        with pytest.raises(httpx.TimeoutException):
            _post(f"{fake_openai.base_url}/chat/completions", {"model": "m", "messages": []})
    finally:
        fake_openai.release_hangs()
        fake_openai.hang = None

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(httpx.TransportError) as raised:
        _post(f"http://127.0.0.1:{port}/v1/chat/completions", {"model": "m"})
    assert not isinstance(raised.value, httpx.TimeoutException)


def test_post_json_goes_through_a_configured_proxy(fake_openai, monkeypatch):
    """httpcore ignores HTTP(S)_PROXY; with one set, plain calls take the httpx client, which
    honours it: here a proxy that isn't there, so the call fails instead of going direct."""
    url = f"{fake_openai.base_url}/chat/completions"
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    assert _post(url, body)[0] == 200
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        proxy_port = closed.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    with pytest.raises(httpx.TransportError):
        _post(url, body)


def test_the_pool_is_one_per_loop_and_closed_with_the_client(fake_openai):
    async def go():
        await post_json(f"{fake_openai.base_url}/models", b"{}", AUTH)
        pool = _pools[asyncio.get_running_loop()]
        await shared_client_close()
        return pool

    pool = async_to_sync(go)()
    assert pool.open_connections == 0
