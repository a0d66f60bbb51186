"""A streamed chat request, transport-neutral: opened (reserve, then the upstream's first event),
relayed delta by delta, settled once at its end — or, on any other way out, for what was
delivered.

SSE renders it in proxy/calls/chat_sse.py (chat chunks) and proxy/calls/responses_stream.py
(Responses events); the WebSocket consumer (proxy/transports/websocket.py) sends its deltas as
`chat.delta` messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

from llmgateway.errors import ApiError
from proxy import tokens
from proxy.calls.call import Call
from proxy.calls.chat import chat_for
from proxy.providers.base import ChatRequest, StreamDelta, StreamEnd, UpstreamError, Usage
from proxy.providers.errors import upstream_api_error
from proxy.routing import Route


@dataclass
class ChatStream:
    """An upstream stream whose first event has arrived: from here on the answer is a 200."""

    call: Call
    chat: ChatRequest
    events: AsyncGenerator[StreamDelta | StreamEnd, None]
    first: StreamDelta | StreamEnd
    delivered: list[str] = field(default_factory=list)  # the text handed out so far
    closed: bool = False

    async def aclose(self) -> None:
        """Close the upstream and, unless the request was settled, charge the prompt and the
        text delivered so far. Every transport calls this on every way out (idempotent), so
        no exit — a client gone before the first chunk was even read — leaves a hold behind."""
        if self.closed:
            return
        self.closed = True
        try:
            await self.events.aclose()
        finally:
            if not self.call.finished:
                await _settle_partial(self)


async def chat_stream_open(call: Call, chat: ChatRequest) -> ChatStream:
    """Reserve and wait for the upstream's first event, so a failure before any output is still
    a JSON error that costs nothing — and, until then, the next route can still be tried
    (proxy/routing/failover.py)."""
    await call.reserve()

    async def first_event(route: Route) -> ChatStream:
        request = chat_for(chat, route)
        events = route.provider.chat_stream(request)
        try:
            first = await anext(events)
        except StopAsyncIteration:
            await events.aclose()
            raise UpstreamError(
                502, f"{route.provider.name} ended the stream before any output."
            ) from None
        except BaseException:
            await events.aclose()
            raise
        return ChatStream(call, request, events, first)

    return await call.upstream(first_event)


@dataclass(frozen=True)
class StreamOutcome:
    """The last item of a billed stream: what it consumed and cost, and why it ended."""

    usage: Usage
    finish_reason: str | None  # None when the upstream failed part-way
    error: ApiError | None
    charged_nanos: int
    balance_nanos: int | None
    end: StreamEnd | None = None  # the upstream's end of the stream, when it got there


async def chat_stream_billed(
    stream: ChatStream,
) -> AsyncGenerator[StreamDelta | StreamOutcome, None]:
    """The answer's deltas, then one StreamOutcome once the request is settled.

    Transport-neutral (SSE and WebSocket render it). Billing also happens in `finally`: when
    the consumer stops early (a client disconnects or cancels, and this generator is cancelled
    or closed) the caller pays for the text that was handed out, and the upstream is closed.
    """
    call = stream.call
    delivered = stream.delivered
    end: StreamEnd | None = None
    error: ApiError | None = None
    try:
        event = stream.first
        while True:
            if isinstance(event, StreamEnd):
                end = event
                break
            delivered.append(event.content + event.tool_text)
            yield event
            try:
                event = await anext(stream.events)
            except StopAsyncIteration:
                break
            except UpstreamError as upstream_error:
                error = upstream_api_error(upstream_error)
                break
        usage = end.usage if end is not None else _counted_usage(stream, delivered)
        await call.settle(usage)
        await call.log(
            status_code=200 if error is None else error.status,
            outcome="completed" if error is None else "failed",
            error_code=error.code if error else "",
        )
        yield StreamOutcome(
            usage=usage,
            finish_reason=end.finish_reason if end is not None else None,
            error=error,
            charged_nanos=call.charged_nanos,
            balance_nanos=call.balance_nanos,
            end=end,
        )
    finally:
        await stream.aclose()


def _counted_usage(stream: ChatStream, delivered: list[str]) -> Usage:
    output = (
        tokens.count_text_tokens("".join(delivered), model=stream.chat.model) if delivered else 0
    )
    return Usage(input_tokens=stream.call.prompt_tokens, output_tokens=output)


async def _settle_partial(stream: ChatStream) -> None:
    call = stream.call
    await call.settle(_counted_usage(stream, stream.delivered))
    await asyncio.shield(call.log(status_code=499, outcome="cancelled", error_code="client_closed"))
