"""The shared upstream client and the SSE framing."""

from __future__ import annotations

import asyncio

import httpx
from asgiref.sync import async_to_sync

from proxy.providers.http import shared_client, shared_client_close, upstream_timeout
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
