"""A billed chat stream re-encoded as OpenAI's Responses stream events (SSE with `event:` lines).

The order is OpenAI's: response.created, response.in_progress; per output item
response.output_item.added, then for a message response.content_part.added,
response.output_text.delta… (response.refusal.delta… for a refusal), .done,
response.content_part.done, or for a function call response.function_call_arguments.delta…,
.done; response.output_item.done; and last response.completed (response.incomplete when the
output limit cut it) with the usage. An upstream that fails part-way ends the stream with an
`error` event and response.failed, billed for what was delivered (proxy/calls/chat_stream.py). Every
event has a `sequence_number`; the last one also carries the gateway's `x_llmgateway` (cost,
balance), as the last chunk of a chat stream does.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from llmgateway import ids
from llmgateway.money import nanos_to_usd
from proxy.calls.chat_sse import StreamRenderer
from proxy.calls.chat_stream import ChatStream, StreamOutcome, chat_stream_billed
from proxy.calls.responses_api import ResponsesRequest
from proxy.calls.responses_output import (
    INCOMPLETE_REASONS,
    function_call_item,
    message_item,
    output_text_part,
    usage_json,
)
from proxy.providers.base import StreamDelta


@dataclass
class _Item:
    """One output item being streamed: a message (one content part) or a function call."""

    output_index: int
    item_id: str
    kind: str  # "output_text", "refusal" or "function_call"
    text: str = ""  # the text, the refusal or the arguments so far
    call_id: str = ""
    name: str = ""
    status: str = "in_progress"

    def body(self, status: str) -> dict[str, Any]:
        if self.kind == "function_call":
            return function_call_item(
                call_id=self.call_id,
                name=self.name,
                arguments=self.text,
                status=status,
                item_id=self.item_id,
            )
        return message_item([self.part()], status=status, item_id=self.item_id)

    def part(self) -> dict[str, Any]:
        if self.kind == "refusal":
            return {"type": "refusal", "refusal": self.text}
        return output_text_part(self.text)


@dataclass
class ResponseEncoder:
    """Chat stream deltas in, Responses events (as SSE bytes) out, numbered in order."""

    request: ResponsesRequest
    model: str
    sequence_number: int = 0
    items: list[_Item] = field(default_factory=list)
    open_item: _Item | None = None
    tool_items: dict[int, _Item] = field(default_factory=dict)  # by the chat delta's index

    def event(self, kind: str, **payload: Any) -> bytes:
        data = {"type": kind, "sequence_number": self.sequence_number, **payload}
        self.sequence_number += 1
        body = json.dumps(data, separators=(",", ":"))
        return f"event: {kind}\ndata: {body}\n\n".encode()

    def snapshot(self, status: str, **fields: Any) -> dict[str, Any]:
        output = [item.body(item.status) for item in self.items]
        return self.request.response(model=self.model, status=status, output=output, **fields)

    def start(self) -> Iterator[bytes]:
        yield self.event("response.created", response=self.snapshot("in_progress", usage=None))
        yield self.event("response.in_progress", response=self.snapshot("in_progress", usage=None))

    def delta(self, chat_delta: dict[str, Any]) -> Iterator[bytes]:
        """The events for one chat `delta` (content, refusal, tool-call fragments)."""
        for kind in ("content", "refusal"):
            text = chat_delta.get(kind)
            if isinstance(text, str) and text:
                yield from self._text(text, "refusal" if kind == "refusal" else "output_text")
        for tool_call in chat_delta.get("tool_calls") or []:
            if isinstance(tool_call, dict):
                yield from self._tool_call(tool_call)

    def _text(self, text: str, kind: str) -> Iterator[bytes]:
        item = self.open_item
        if item is None or item.kind != kind:
            item = yield from self._open(_Item(len(self.items), ids.prefixed_id("msg"), kind))
            yield self.event(
                "response.content_part.added", **self._where(item), part=_empty_part(kind)
            )
        item.text += text
        if kind == "refusal":
            yield self.event("response.refusal.delta", **self._where(item), delta=text)
        else:
            yield self.event(
                "response.output_text.delta", **self._where(item), delta=text, logprobs=[]
            )

    def _tool_call(self, tool_call: dict[str, Any]) -> Iterator[bytes]:
        index = tool_call.get("index", 0)
        function = tool_call.get("function") or {}
        item = self.tool_items.get(index)
        if item is None:
            item = _Item(
                len(self.items),
                ids.prefixed_id("fc"),
                "function_call",
                call_id=tool_call.get("id") or ids.prefixed_id("call"),
                name=function.get("name") or "",
            )
            self.tool_items[index] = item
            yield from self._open(item)
        fragment = function.get("arguments")
        if isinstance(fragment, str) and fragment:
            item.text += fragment
            yield self.event(
                "response.function_call_arguments.delta",
                item_id=item.item_id,
                output_index=item.output_index,
                delta=fragment,
            )

    def _open(self, item: _Item) -> Generator[bytes, None, _Item]:
        yield from self.close_open_item("completed")
        self.items.append(item)
        self.open_item = item
        added = item.body("in_progress")
        if item.kind != "function_call":
            added["content"] = []
        yield self.event("response.output_item.added", output_index=item.output_index, item=added)
        return item

    def close_open_item(self, status: str) -> Iterator[bytes]:
        item, self.open_item = self.open_item, None
        if item is None:
            return
        item.status = status
        if item.kind == "function_call":
            yield self.event(
                "response.function_call_arguments.done",
                item_id=item.item_id,
                output_index=item.output_index,
                name=item.name,
                arguments=item.text,
            )
        else:
            done = (
                "response.refusal.done" if item.kind == "refusal" else "response.output_text.done"
            )
            final = {"refusal": item.text} if item.kind == "refusal" else {"text": item.text}
            extra: dict[str, Any] = {} if item.kind == "refusal" else {"logprobs": []}
            yield self.event(done, **self._where(item), **final, **extra)
            yield self.event("response.content_part.done", **self._where(item), part=item.part())
        yield self.event(
            "response.output_item.done", output_index=item.output_index, item=item.body(status)
        )

    @staticmethod
    def _where(item: _Item) -> dict[str, Any]:
        return {"item_id": item.item_id, "output_index": item.output_index, "content_index": 0}

    def end(self, outcome: StreamOutcome, billing: dict[str, str]) -> Iterator[bytes]:
        """The closing events: the last item's, then the response's with usage and billing."""
        end = outcome.end
        if end is not None and end.raw is not None:  # the finish chunk may still carry output
            yield from self.delta(_chat_delta(end.raw))
        raw_usage = end.raw_usage if end is not None and end.raw_usage else None
        usage = usage_json(raw_usage or _chat_usage(outcome))
        if outcome.error is not None:
            error = outcome.error
            yield self.event("error", code=error.code, message=error.message, param=None)
            failed = {
                "code": "rate_limit_exceeded" if error.status == 429 else "server_error",
                "message": error.message,
            }
            if self.open_item is not None:  # left open: a cut call is not one to run
                self.open_item.status = "incomplete"
            response = self.snapshot("failed", usage=usage, error=failed)
            yield self.event("response.failed", response=response, x_llmgateway=billing)
            return
        reason = INCOMPLETE_REASONS.get(outcome.finish_reason or "")
        status = "incomplete" if reason else "completed"
        yield from self.close_open_item(status)
        response = self.snapshot(status, usage=usage, incomplete_reason=reason)
        yield self.event(f"response.{status}", response=response, x_llmgateway=billing)


def _empty_part(kind: str) -> dict[str, Any]:
    return {"type": "refusal", "refusal": ""} if kind == "refusal" else output_text_part("")


def _chat_delta(chunk: dict[str, Any]) -> dict[str, Any]:
    for choice in chunk.get("choices") or []:
        if isinstance(choice, dict) and choice.get("index", 0) == 0:
            delta = choice.get("delta")
            return delta if isinstance(delta, dict) else {}
    return {}


def _chat_usage(outcome: StreamOutcome) -> dict[str, Any]:
    usage = outcome.usage
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.output_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_input_tokens},
    }


def _billing(outcome: StreamOutcome) -> dict[str, str]:
    billing = {"cost": nanos_to_usd(outcome.charged_nanos)}
    if outcome.balance_nanos is not None:
        billing["balance"] = nanos_to_usd(outcome.balance_nanos)
    return billing


def response_events(
    request: ResponsesRequest,
) -> StreamRenderer:
    """The renderer `chat_sse.SseStream` runs over a chat stream opened for this request."""

    async def render(stream: ChatStream) -> AsyncGenerator[bytes, None]:
        encoder = ResponseEncoder(request=request, model=stream.call.model.id)
        for event in encoder.start():
            yield event
        items = chat_stream_billed(stream)
        try:
            async for item in items:
                if isinstance(item, StreamDelta):
                    chat_delta = _chat_delta(item.raw) if item.raw is not None else None
                    for event in encoder.delta(chat_delta or {"content": item.content}):
                        yield event
                    continue
                for event in encoder.end(item, _billing(item)):
                    yield event
        finally:
            await items.aclose()

    return render
