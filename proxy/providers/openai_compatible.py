"""Adapter for OpenAI and any server speaking its API (/chat/completions, /embeddings, /images)."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any, cast

import httpx

from proxy import tokens
from proxy.providers.base import (
    FINISH_STOP,
    ChatRequest,
    ChatResult,
    EmbeddingsRequest,
    EmbeddingsResult,
    ImagesRequest,
    ImagesResult,
    Provider,
    StreamDelta,
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

# Parameters a client may not pass through `extra`: the gateway sets them itself (`n` from
# `ChatRequest.n`), and an output limit the spend hold did not cover would break billing.
_RESERVED_PARAMETERS = frozenset(
    {"model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens", "n"}
)
# Image output tokens of gpt-image models by quality and size (OpenAI's price table), used
# only when an answer carries no usage.
_GPT_IMAGE_OUTPUT_TOKENS = {
    "low": {"1024x1024": 272, "1024x1536": 408, "1536x1024": 400},
    "medium": {"1024x1024": 1056, "1024x1536": 1584, "1536x1024": 1568},
    "high": {"1024x1024": 4160, "1024x1536": 6240, "1536x1024": 6208},
}


def usage_from_openai(data: Any) -> Usage | None:
    """Our `Usage` from an OpenAI `usage` object (chat, embeddings or images), None if absent."""
    if not isinstance(data, dict):
        return None
    try:
        prompt = int(data.get("prompt_tokens", data.get("input_tokens")) or 0)
        output = int(data.get("completion_tokens", data.get("output_tokens")) or 0)
        details = data.get("prompt_tokens_details") or data.get("input_tokens_details") or {}
        cached = int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0
    except (TypeError, ValueError):
        return None
    if min(prompt, output, cached) < 0:
        return None
    cached = min(cached, prompt)
    return Usage(input_tokens=prompt - cached, output_tokens=output, cached_input_tokens=cached)


class OpenAICompatibleProvider(Provider):
    max_choices = 128  # OpenAI's own limit (the gateway asks for at most MAX_CHAT_CHOICES)

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        api_key: str,
        max_tokens_parameter: str = "max_tokens",
        read_timeout: float | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.read_timeout = read_timeout  # a deployment's own; None: UPSTREAM_TIMEOUT_SECONDS
        # OpenAI's own API wants max_completion_tokens (its reasoning models refuse
        # max_tokens); most compatible servers know only max_tokens.
        self.max_tokens_parameter = max_tokens_parameter

    def __repr__(self) -> str:
        return f"<OpenAICompatibleProvider {self.name} {self.base_url}>"

    # Requests

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"}

    def _chat_body(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        body = {k: v for k, v in request.extra.items() if k not in _RESERVED_PARAMETERS}
        body["model"] = request.model
        body["messages"] = request.messages
        if request.n > 1:
            body["n"] = request.n
        if request.max_tokens is not None:
            body[self.max_tokens_parameter] = request.max_tokens
        for name in ("temperature", "top_p", "stop"):
            value = getattr(request, name)
            if value is not None:
                body[name] = value
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    def _error(self, status: int, content: bytes, retry_after: float | None) -> UpstreamError:
        return upstream_error_from_answer(
            self.name,
            self._api_key,
            status,
            content,
            code_fields=("code", "type"),
            string_error=True,  # OpenAI-compatible servers also send {"error": "…"}
            retry_after=retry_after,
        )

    async def _post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            status, content, retry_after = await post_json(
                self.base_url + path,
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
        return answer

    # Chat

    async def chat(self, request: ChatRequest) -> ChatResult:
        answer = await self._post_json("/chat/completions", self._chat_body(request, stream=False))
        choice = _first_choice(answer)
        message = choice.get("message")
        content, _ = _output_text(message if isinstance(message, dict) else {})
        usage = usage_from_openai(answer.get("usage"))
        return ChatResult(
            content=content,
            finish_reason=choice.get("finish_reason") or FINISH_STOP,
            usage=usage or self._counted_chat_usage(request, _choices_output(answer, "message")),
            usage_reported=usage is not None,
            model=str(answer.get("model") or request.model),
            raw=answer,
        )

    @staticmethod
    def _counted_chat_usage(request: ChatRequest, output_text: str) -> Usage:
        return Usage(
            input_tokens=tokens.count_message_tokens(request.messages, model=request.model),
            output_tokens=tokens.count_text_tokens(output_text, model=request.model),
        )

    async def chat_stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        """The upstream's chunks as they come (`StreamDelta.raw`), parsed only for billing.

        Chunks that carry no output (the role chunk) wait for the first that does, so an
        upstream that fails before any output still fails before the first event (and costs
        nothing). The chunk with `finish_reason` rides on `StreamEnd`, after the usage chunk.
        """
        body = self._chat_body(request, stream=True)
        usage: Usage | None = None
        raw_usage: dict[str, Any] | None = None
        final: dict[str, Any] | None = None  # the latest chunk with a finish_reason, held back
        finish_reasons: dict[int, str] = {}  # by choice index
        waiting: list[StreamDelta] = []  # chunks without output, not yet handed out
        pieces: list[str] = []
        try:
            async with shared_client().stream(
                "POST",
                self.base_url + "/chat/completions",
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
                    if event.data.strip() == "[DONE]":
                        break
                    chunk = self._stream_chunk(event.data)
                    if usage_from_openai(chunk.get("usage")) is not None:
                        usage, raw_usage = usage_from_openai(chunk["usage"]), chunk["usage"]
                    if not chunk.get("choices"):
                        continue  # the usage chunk
                    if final is not None:  # another choice goes on (n > 1)
                        waiting.append(_chunk_delta(final))
                        final = None
                    delta = _chunk_delta(chunk)
                    pieces.append(delta.content + delta.tool_text)
                    finished = _finish_reasons(chunk)
                    finish_reasons.update(finished)
                    if finished:
                        final = chunk
                    elif delta.content or delta.tool_text:
                        for quiet in waiting:
                            yield quiet
                        waiting.clear()
                        yield delta
                    else:
                        waiting.append(delta)
        except httpx.HTTPError as error:
            raise upstream_error_from_transport(self.name, error) from None
        if final is None:
            raise UpstreamError(502, f"{self.name} ended the stream before it finished.")
        for quiet in waiting:
            yield quiet
        yield StreamEnd(
            finish_reason=finish_reasons.get(0) or next(iter(finish_reasons.values())),
            usage=usage or self._counted_chat_usage(request, "".join(pieces)),
            usage_reported=usage is not None,
            raw=final,
            raw_usage=raw_usage,
        )

    def _stream_chunk(self, data: str) -> dict[str, Any]:
        try:
            chunk = json.loads(data)
        except ValueError:
            raise UpstreamError(502, f"{self.name} sent a stream event that is not JSON.") from None
        if not isinstance(chunk, dict):
            raise UpstreamError(502, f"{self.name} sent a stream event that is not an object.")
        if chunk.get("error"):
            raise self._error(502, json.dumps({"error": chunk["error"]}).encode(), None)
        return chunk

    # Embeddings and images

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResult:
        body = {k: v for k, v in request.extra.items() if k != "model"}
        body.update({"model": request.model, "input": request.input})
        if request.dimensions is not None:
            body["dimensions"] = request.dimensions
        if request.encoding_format is not None:
            body["encoding_format"] = request.encoding_format
        answer = await self._post_json("/embeddings", body)
        data = answer.get("data")
        if not isinstance(data, list):
            raise UpstreamError(502, f"{self.name} sent embeddings without data.")
        usage = usage_from_openai(answer.get("usage"))
        return EmbeddingsResult(
            data=data,
            usage=usage or Usage(input_tokens=_count_embedding_input(request)),
            usage_reported=usage is not None,
            model=str(answer.get("model") or request.model),
        )

    async def images(self, request: ImagesRequest) -> ImagesResult:
        body = {k: v for k, v in request.extra.items() if k not in ("model", "prompt", "n")}
        body.update({"model": request.model, "prompt": request.prompt, "n": request.n})
        for name in ("size", "quality", "response_format"):
            value = getattr(request, name)
            if value is not None:
                body[name] = value
        answer = await self._post_json("/images/generations", body)
        data = answer.get("data")
        if not isinstance(data, list):
            raise UpstreamError(502, f"{self.name} sent images without data.")
        usage = usage_from_openai(answer.get("usage"))
        return ImagesResult(
            data=data,
            usage=usage or _estimated_image_usage(request, images=len(data)),
            usage_reported=usage is not None,
            created=int(answer.get("created") or 0),
        )


def _first_choice(answer: dict[str, Any]) -> dict[str, Any]:
    """Choice 0 of an answer or chunk, or {}."""
    for choice in answer.get("choices") or []:
        if isinstance(choice, dict) and choice.get("index", 0) == 0:
            return choice
    return {}


def _choices_output(answer: dict[str, Any], key: str) -> str:
    """The output (text and tool calls) of every choice's `key` ("message" in an answer)."""
    output: list[str] = []
    for choice in answer.get("choices") or []:
        part = choice.get(key) if isinstance(choice, dict) else None
        output += _output_text(part) if isinstance(part, dict) else []
    return "".join(output)


def _chunk_delta(chunk: dict[str, Any]) -> StreamDelta:
    """A chunk as the gateway hands it on. Its text and tool text are every choice's (n > 1):
    all of it is output the client receives, billed if the stream is cut short."""
    text, tool_text = [], []
    for choice in chunk.get("choices") or []:
        delta = choice.get("delta") if isinstance(choice, dict) else None
        content, tools = _output_text(delta if isinstance(delta, dict) else {})
        text.append(content)
        tool_text.append(tools)
    return StreamDelta("".join(text), raw=chunk, tool_text="".join(tool_text))


def _finish_reasons(chunk: dict[str, Any]) -> dict[int, str]:
    return {
        int(choice.get("index") or 0): str(choice["finish_reason"])
        for choice in chunk.get("choices") or []
        if isinstance(choice, dict) and choice.get("finish_reason")
    }


def _output_text(message: dict[str, Any]) -> tuple[str, str]:
    """(text, tool text) of a message or delta: the content and refusal, then the tool calls'
    names and arguments (fragments, in a stream): the output tokens the client received."""
    texts = (message.get("content"), message.get("refusal"))
    text = "".join(value for value in texts if isinstance(value, str))
    tool_text = []
    for tool_call in message.get("tool_calls") or []:
        function = tool_call.get("function") if isinstance(tool_call, dict) else None
        if isinstance(function, dict):
            tool_text += [value for value in function.values() if isinstance(value, str)]
    return text, "".join(tool_text)


def _count_embedding_input(request: EmbeddingsRequest) -> int:
    raw = request.input
    items = [raw] if isinstance(raw, str) or (raw and isinstance(raw[0], int)) else list(raw)
    total = 0
    for item in items:
        if isinstance(item, str):
            total += tokens.count_text_tokens(item, model=request.model)
        else:
            # One input as token ids (the whole list when its first item is an int, which mypy
            # cannot narrow the union by).
            total += len(cast("list[int]", item))
    return total


def _estimated_image_usage(request: ImagesRequest, *, images: int) -> Usage:
    """Only gpt-image models bill tokens; for them, OpenAI's per-image token table."""
    if not request.model.startswith("gpt-image"):
        return Usage()
    quality = request.quality if request.quality in _GPT_IMAGE_OUTPUT_TOKENS else "high"
    by_size = _GPT_IMAGE_OUTPUT_TOKENS[quality]
    per_image = by_size.get(request.size or "1024x1024", max(by_size.values()))
    return Usage(
        input_tokens=tokens.count_text_tokens(request.prompt, model=request.model),
        output_tokens=per_image * images,
    )
