"""Adapter for Anthropic's Messages API: OpenAI-style chat in, OpenAI-style answers out.

The request translation (messages, tool calls and results, tools, tool_choice, structured
output, images) is in proxy/providers/anthropic_request.py, the answer's (text and tool_use
blocks, plain and streamed, as OpenAI's completion and chunks) in anthropic_answer.py: the
results carry the translated OpenAI answer as `raw`, so the gateway passes it on like an
OpenAI-compatible upstream's. Usage: cache writes (`cache_creation_input_tokens`) are billed as
input, cache reads (`cache_read_input_tokens`) as cached input.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

import httpx

from proxy import tokens
from proxy.providers.anthropic_answer import (
    ChunkTranslator,
    completion_json,
    finish_reason,
    message_from_anthropic,
    usage_json,
)
from proxy.providers.anthropic_request import ToolsPlan, to_anthropic_messages, tools_plan
from proxy.providers.base import (
    ChatRequest,
    ChatResult,
    Provider,
    StreamEnd,
    StreamEvent,
    UpstreamError,
    Usage,
)
from proxy.providers.errors import upstream_error_from_answer, upstream_error_from_transport
from proxy.providers.http import (
    json_bytes,
    post_json,
    retry_after_seconds,
    shared_client,
    stream_timeout,
)
from proxy.providers.sse import iter_sse

__all__ = ["ANTHROPIC_VERSION", "DEFAULT_MAX_TOKENS", "AnthropicProvider", "to_anthropic_messages"]

ANTHROPIC_VERSION = "2023-06-01"
# Anthropic requires max_tokens; used when a request sets none.
DEFAULT_MAX_TOKENS = 4096
# Anthropic's temperature range is 0..1 where OpenAI's is 0..2.
MAX_TEMPERATURE = 1.0
# HTTP statuses Anthropic uses for the error types it can send inside a stream.
# Keyed by the error event's type, or None when it names none.
_STREAM_ERROR_STATUS: dict[str | None, int] = {
    "overloaded_error": 529,
    "api_error": 500,
    "rate_limit_error": 429,
}


def usage_from_anthropic(data: Any) -> Usage | None:
    if not isinstance(data, dict):
        return None
    try:
        counts = {
            name: int(data.get(name) or 0)
            for name in (
                "input_tokens",
                "output_tokens",
                "cache_creation_input_tokens",
                "cache_read_input_tokens",
            )
        }
    except (TypeError, ValueError):
        return None
    if min(counts.values()) < 0:
        return None
    return Usage(
        input_tokens=counts["input_tokens"] + counts["cache_creation_input_tokens"],
        output_tokens=counts["output_tokens"],
        cached_input_tokens=counts["cache_read_input_tokens"],
    )


class AnthropicProvider(Provider):
    def __init__(
        self, *, name: str, base_url: str, api_key: str, read_timeout: float | None = None
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.read_timeout = read_timeout  # a deployment's own; None: UPSTREAM_TIMEOUT_SECONDS

    def __repr__(self) -> str:
        return f"<AnthropicProvider {self.name} {self.base_url}>"

    @property
    def messages_url(self) -> str:
        root = self.base_url.removesuffix("/v1")
        return f"{root}/v1/messages"

    def _headers(self) -> dict[str, str]:
        return {
            "x-api-key": self._api_key,
            "anthropic-version": ANTHROPIC_VERSION,
            "Accept": "application/json",
        }

    def _body(self, request: ChatRequest, *, stream: bool) -> tuple[dict[str, Any], ToolsPlan]:
        system, messages = to_anthropic_messages(request.messages)
        plan = tools_plan(request.extra)
        body: dict[str, Any] = {
            "model": request.model,
            "messages": messages,
            "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
            **plan.fields,
        }
        if system:
            body["system"] = system
        if request.temperature is not None:
            body["temperature"] = min(request.temperature, MAX_TEMPERATURE)
        if request.top_p is not None:
            body["top_p"] = request.top_p
        if request.stop:
            body["stop_sequences"] = list(request.stop)
        if stream:
            body["stream"] = True
        return body, plan

    def _error(self, status: int, content: bytes, retry_after: float | None) -> UpstreamError:
        return upstream_error_from_answer(
            self.name,
            self._api_key,
            status,
            content,
            code_fields=("type",),
            retry_after=retry_after,
        )

    async def chat(self, request: ChatRequest) -> ChatResult:
        body, plan = self._body(request, stream=False)
        try:
            status, content, retry_after = await post_json(
                self.messages_url,
                json_bytes(body),
                headers=self._headers(),
                read_timeout=self.read_timeout,
            )
        except httpx.HTTPError as error:
            raise upstream_error_from_transport(self.name, error) from None
        if status >= 400:
            raise self._error(status, content, retry_after)
        try:
            answer = json.loads(content)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise UpstreamError(502, f"{self.name} sent an answer that is not a JSON object.")
        translated = message_from_anthropic(
            answer.get("content"), structured_output_tool=plan.structured_output_tool
        )
        reported = usage_from_anthropic(answer.get("usage"))
        usage = reported or _counted_usage(request, translated.text + translated.tool_text)
        finish = finish_reason(
            answer.get("stop_reason"), structured_output=plan.structured_output_tool is not None
        )
        model = str(answer.get("model") or request.model)
        return ChatResult(
            content=translated.text,
            finish_reason=finish,
            usage=usage,
            usage_reported=reported is not None,
            model=model,
            raw=completion_json(translated=translated, finish=finish, usage=usage, model=model),
        )

    async def chat_stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        body, plan = self._body(request, stream=True)
        translator = ChunkTranslator(
            model=request.model, structured_output_tool=plan.structured_output_tool
        )
        reported: dict[str, Any] = {}
        stop_reason: str | None = None
        finished = False
        try:
            async with shared_client().stream(
                "POST",
                self.messages_url,
                json=body,
                headers=self._headers(),
                timeout=stream_timeout(self.read_timeout),
            ) as response:
                if response.status_code >= 400:
                    raise self._error(
                        response.status_code,
                        await response.aread(),
                        retry_after_seconds(response.headers.items()),
                    )
                async for event in iter_sse(response):
                    data = self._event_data(event.data)
                    kind = data.get("type") or event.event
                    if kind == "message_start":
                        message = data.get("message") or {}
                        reported.update(message.get("usage") or {})
                    elif kind == "content_block_start":
                        for delta in translator.block_start(data):
                            yield delta
                    elif kind == "content_block_delta":
                        for delta in translator.block_delta(data):
                            yield delta
                    elif kind == "message_delta":
                        stop_reason = (data.get("delta") or {}).get("stop_reason") or stop_reason
                        # Counts here are cumulative and replace message_start's.
                        usage_update = data.get("usage") or {}
                        reported.update({k: v for k, v in usage_update.items() if v is not None})
                    elif kind == "message_stop":
                        finished = True
                        break
                    elif kind == "error":
                        raise self._stream_error(data)
        except httpx.HTTPError as error:
            raise upstream_error_from_transport(self.name, error) from None
        if not finished:
            raise UpstreamError(502, f"{self.name} ended the stream before it finished.")
        reported_usage = usage_from_anthropic(reported) if reported else None
        usage = reported_usage or _counted_usage(request, "".join(translator.pieces))
        finish = finish_reason(
            stop_reason, structured_output=plan.structured_output_tool is not None
        )
        yield StreamEnd(
            finish_reason=finish,
            usage=usage,
            usage_reported=reported_usage is not None,
            raw=translator.finish_chunk(finish),
            raw_usage=usage_json(usage),  # as in a plain answer: cached_tokens always there
        )

    def _event_data(self, data: str) -> dict[str, Any]:
        try:
            parsed = json.loads(data)
        except ValueError:
            raise UpstreamError(502, f"{self.name} sent a stream event that is not JSON.") from None
        if not isinstance(parsed, dict):
            raise UpstreamError(502, f"{self.name} sent a stream event that is not an object.")
        return parsed

    def _stream_error(self, data: dict[str, Any]) -> UpstreamError:
        error = data.get("error") or {}
        status = _STREAM_ERROR_STATUS.get(error.get("type"), 502)
        return self._error(status, json.dumps({"error": error}).encode(), None)


def _counted_usage(request: ChatRequest, content: str) -> Usage:
    return Usage(
        input_tokens=tokens.count_message_tokens(request.messages, model=request.model),
        output_tokens=tokens.count_text_tokens(content, model=request.model),
    )
