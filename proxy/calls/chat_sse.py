"""A billed chat stream as OpenAI's SSE chunks, ending with the usage and the gateway's billing
(`x_llmgateway`) before `data: [DONE]`; and `SseStream`, which any SSE rendering of a chat stream
(these chunks, or the Responses events of proxy/calls/responses_stream.py) goes out in.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

from llmgateway.money import nanos_to_usd
from proxy.calls.call import Call
from proxy.calls.chat import completion_id, usage_json
from proxy.calls.chat_stream import ChatStream, chat_stream_billed
from proxy.providers.base import StreamDelta


def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


# Renders a billed chat stream as SSE bytes: chat chunks (the default) or Responses events.
StreamRenderer = Callable[[ChatStream], AsyncGenerator[bytes, None]]


class SseStream:
    """A billed chat stream as SSE bytes: iterate it, and `aclose()` it on every way out.

    Closing settles the request even if it was never iterated (a generator that never started
    runs no `finally`). A transport that can only close synchronously (Django's response
    closers) calls `close()`, and one that drops it unclosed is caught when it is collected.
    """

    def __init__(self, stream: ChatStream, render: StreamRenderer | None = None) -> None:
        self.stream = stream
        self.chunks = (render or _sse_chunks)(stream)
        self.loop = asyncio.get_running_loop()
        self.closed = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.chunks

    async def aclose(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            await self.chunks.aclose()
        finally:
            await self.stream.aclose()

    def close(self) -> None:
        if not self.closed and not self.loop.is_closed():
            asyncio.run_coroutine_threadsafe(self.aclose(), self.loop)

    def __del__(self) -> None:
        if not self.closed and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.create_task, self.aclose())


def chat_stream_sse(stream: ChatStream) -> SseStream:
    return SseStream(stream)


async def _sse_chunks(stream: ChatStream) -> AsyncGenerator[bytes, None]:
    """OpenAI's SSE chunks, the upstream's own where it speaks OpenAI, with the gateway's model
    id; then the usage and our billing (`x_llmgateway`) before [DONE]. With
    `stream_options.include_usage` they come as OpenAI sends them (`"usage": null` on every
    chunk, then one with empty `choices`); without, on the last chunk that has choices, so a
    client reading `chunk.choices[0]` never meets an empty list (docs/gateway.md)."""
    call = stream.call
    frame = {"id": completion_id(), "created": int(time.time())}

    def delta(content: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {
            "id": frame["id"],
            "object": "chat.completion.chunk",
            "created": frame["created"],
            "choices": [{"index": 0, "delta": content, "finish_reason": finish_reason}],
        }

    def upstream(raw: dict[str, Any]) -> dict[str, Any]:
        frame["id"] = raw.get("id", frame["id"])
        frame["created"] = raw.get("created", frame["created"])
        return dict(raw)

    def owned(chunk: dict[str, Any], **billing: Any) -> bytes:
        """The fields the gateway owns: the model id, and usage (null until the end when
        the client asked for it: the gateway always asks the upstream, for billing)."""
        chunk["model"] = call.model.id
        chunk.pop("usage", None)
        if call.include_usage:
            chunk["usage"] = None
        return _sse({**chunk, **billing})

    events = chat_stream_billed(stream)
    try:
        if stream.first.raw is None:
            yield owned(delta({"role": "assistant", "content": ""}))
        async for item in events:
            if isinstance(item, StreamDelta):
                raw = item.raw
                yield owned(upstream(raw) if raw is not None else delta({"content": item.content}))
                continue
            end = item.end
            final = None
            if end is not None:
                final = upstream(end.raw) if end.raw is not None else delta({}, end.finish_reason)
            if item.error is not None:
                yield _sse(item.error.as_dict())
            usage = end.raw_usage if end is not None and end.raw_usage else None
            billing = {
                "usage": usage or usage_json(item.usage),
                "x_llmgateway": _billing_json(call),
            }
            if call.include_usage:
                if final is not None:
                    yield owned(final)
                closing = {**(final or delta({})), "choices": []}
            else:  # cut short: a closing chunk with an empty delta carries the usage
                closing = final or delta({})
            yield owned(closing, **billing)
            yield b"data: [DONE]\n\n"
    finally:
        await events.aclose()


def _billing_json(call: Call) -> dict[str, Any]:
    billing = {"cost": nanos_to_usd(call.charged_nanos)}
    if call.balance_nanos is not None:
        billing["balance"] = nanos_to_usd(call.balance_nanos)
    return billing
