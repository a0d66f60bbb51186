"""One model request end to end: checks, worst-case hold, upstream call, settlement, log.

DESIGN.md §7: authenticate → scope, mode, origin → price → reserve the worst case (402 before
any upstream call) → call the upstream → the real cost from its usage (counted when it gives
none) → settle in one transaction → log off the response path.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.utils import timezone

from billing.models import CatalogModel
from billing.pricing import cost_nanos, output_tokens_bound, worst_case_cost_nanos
from billing.selectors import catalog_model_aget
from llmgateway import ids
from llmgateway.errors import ApiError, InvalidRequest
from proxy import prompt_bound, tokens
from proxy import requests as parse
from proxy.errors import ModelNotFound, UpstreamFailed, UpstreamRateLimited
from proxy.logs import LogEntry, request_log
from proxy.providers.base import (
    ChatRequest,
    ChatResult,
    EmbeddingsRequest,
    ImagesRequest,
    Provider,
    ProviderNotConfigured,
    StreamDelta,
    StreamEnd,
    UnsupportedOperation,
    UpstreamError,
    Usage,
)
from proxy.providers.registry import aget_provider
from sessions_app.authentication import SESSION, Principal
from sessions_app.errors import ModelNotAllowed
from wallets import holds
from wallets.notify import wallet_balance_changed_soon

TEST_PROVIDER = "test"
T = TypeVar("T")


def hold_payer(principal: Principal) -> holds.Payer:
    """Who a request's hold is on: the session's wallet (browser traffic) or the organization's
    credits (secret keys)."""
    if principal.kind == SESSION:
        session = principal.session
        assert session is not None
        return holds.WalletPayer(
            wallet_id=session.wallet_id,
            session_id=session.pk,
            token_hash=session.token_hash,
            livemode=principal.livemode,
        )
    assert principal.secret_key is not None
    return holds.OrganizationPayer(
        organization_id=principal.project.organization_id,
        api_key_id=principal.secret_key.pk,
        livemode=principal.livemode,
    )


@dataclass
class Call:
    """What one request is, as it goes through the steps; also what its log row is made of."""

    principal: Principal
    endpoint: str
    model: CatalogModel
    provider: Provider
    stream: bool = False
    request_id: str = field(default_factory=lambda: ids.prefixed_id("req"))
    started: float = field(default_factory=time.perf_counter)
    hold: holds.ReservedHold | None = None
    usage: Usage = field(default_factory=Usage)
    images: int = 0
    charged_nanos: int = 0
    balance_nanos: int | None = None
    prompt_tokens: int = 0  # the bound the hold was priced on (proxy/prompt_bound.py)
    include_usage: bool = False  # the client asked for the usage chunk (stream_options)
    finished: bool = False  # the hold was settled or released

    async def reserve(self, amount_nanos: int) -> None:
        # While this call lives and until it settles or releases, its hold does not expire.
        self.hold = await holds.reserve(
            hold_payer(self.principal),
            amount_nanos=amount_nanos,
            request_id=self.request_id,
            owner=self,
        )

    async def settle(self, usage: Usage, *, images: int = 0) -> None:
        self.usage, self.images = usage, images
        cost = cost_nanos(
            self.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cached_input_tokens=usage.cached_input_tokens,
            images=images,
        )
        assert self.hold is not None
        # Shielded: a client that leaves while we settle must not leave the hold unsettled.
        self.finished = True
        result = await asyncio.shield(holds.settle(self.hold, cost_nanos=cost))
        self.charged_nanos = result.charged_nanos
        if self.principal.kind == SESSION:
            self.balance_nanos = result.balance_nanos
            if result.charged_nanos:
                # Every socket on this wallet (other tabs too) hears of it; not awaited.
                assert self.principal.session is not None
                wallet_balance_changed_soon(
                    wallet_id=self.principal.session.wallet_id,
                    read_balance=holds.balance_reader(),
                )

    async def release(self) -> None:
        if self.hold is not None and not self.finished:
            self.finished = True
            await asyncio.shield(holds.release(self.hold))

    async def upstream(self, request: Awaitable[T]) -> T:
        """Await the upstream call; on any failure give the hold back, log, and raise the
        API error (an upstream failure before output costs nothing)."""
        try:
            return await request
        except (UpstreamError, UnsupportedOperation) as error:
            await self.release()
            api_error = upstream_api_error(error)
            await self.log(
                status_code=api_error.status, outcome="failed", error_code=api_error.code
            )
            raise api_error from None
        except BaseException:
            await self.release()
            raise

    async def log(self, *, status_code: int, outcome: str, error_code: str = "") -> None:
        principal = self.principal
        session = principal.session
        if "api_key" in principal.__dict__:  # cached_property already resolved (cached principal)
            api_key = principal.api_key
        else:
            api_key = await sync_to_async(lambda: principal.api_key, thread_sensitive=False)()
        await request_log(
            LogEntry(
                request_id=self.request_id,
                created_at=timezone.now(),
                project_id=principal.project.pk,
                api_key_id=api_key.pk,
                livemode=principal.livemode,
                session_id=session.pk if session else "",
                customer_id=session.customer_id if session else "",
                wallet_id=session.wallet_id if session else "",
                endpoint=self.endpoint,
                model=self.model.id,
                stream=self.stream,
                input_tokens=self.usage.input_tokens,
                output_tokens=self.usage.output_tokens,
                cached_input_tokens=self.usage.cached_input_tokens,
                images=self.images,
                cost_nanos=self.charged_nanos,
                latency_ms=int((time.perf_counter() - self.started) * 1000),
                status_code=status_code,
                error_code=error_code,
                outcome=outcome,
            )
        )


async def model_for_call(
    principal: Principal, model_id: str, kind: str
) -> tuple[CatalogModel, Provider]:
    """The catalog model, if this caller may use it here, and the adapter that serves it."""
    model = await catalog_model_aget(model_id)
    if model is None:
        raise ModelNotFound(f"The model {model_id!r} does not exist.", param="model")
    if model.kind != kind:
        raise InvalidRequest(
            f"{model_id!r} is a {model.kind} model; this endpoint needs a {kind} model.",
            param="model",
        )
    if not principal.livemode and model.provider != TEST_PROVIDER:
        raise ModelNotAllowed(
            "Test-mode keys and sessions may call only the local test models (test/…): money "
            "paid in test mode never buys real upstream usage.",
            param="model",
        )
    session = principal.session
    if session is not None and session.allowed_models and model_id not in session.allowed_models:
        raise ModelNotAllowed(f"This session may not use {model_id!r}.", param="model")
    try:
        provider = await aget_provider(model.provider)
    except ProviderNotConfigured:
        raise ModelNotAllowed(
            f"The provider of {model_id!r} is not configured on this gateway.", param="model"
        ) from None
    return model, provider


def upstream_api_error(error: UpstreamError | UnsupportedOperation) -> ApiError:
    if isinstance(error, UnsupportedOperation):
        return InvalidRequest(str(error))
    if error.status == 429:
        return UpstreamRateLimited()
    if error.status in (400, 404, 413, 422):
        return InvalidRequest(f"The provider refused the request: {error.message}")
    return UpstreamFailed(f"The model provider failed ({error.status}); nothing was charged.")


# --- chat -------------------------------------------------------------------------------------


def _completion_id() -> str:
    return "chatcmpl-" + ids.random_string(24)


def _usage_json(usage: Usage) -> dict[str, Any]:
    body: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }
    if usage.cached_input_tokens:
        body["prompt_tokens_details"] = {"cached_tokens": usage.cached_input_tokens}
    return body


async def prepare_chat(principal: Principal, body: Any) -> tuple[Call, ChatRequest, int]:
    body = parse.require_object(body)
    model, provider = await model_for_call(principal, parse.model_id(body), CatalogModel.Kind.CHAT)
    messages = parse.chat_messages(body)
    options = parse.chat_options(body)
    choices = parse.chat_choices(body)
    if choices > provider.max_choices:
        raise InvalidRequest(
            f"{model.id!r} answers one choice per request (n = 1); n up to "
            f"{parse.MAX_CHAT_CHOICES} is served for OpenAI-compatible providers.",
            param="n",
        )
    requested = parse.positive_int(body, "max_completion_tokens") or parse.positive_int(
        body, "max_tokens"
    )
    # The context window is checked on the messages alone (the tools' JSON is an overcount);
    # the hold covers every input token the upstream can bill.
    message_tokens = tokens.count_message_tokens(messages, model=model.upstream_model)
    max_output = output_tokens_bound(
        model, prompt_tokens=message_tokens, max_output_tokens=requested
    )
    if max_output < 1:
        raise InvalidRequest(
            "The prompt leaves no room for an answer in this model's context window.",
            param="messages",
        )
    call = Call(principal=principal, endpoint="chat.completions", model=model, provider=provider)
    call.stream = bool(body.get("stream"))
    call.include_usage = parse.stream_include_usage(body)
    call.prompt_tokens = prompt_tokens = prompt_bound.chat_prompt_tokens(
        messages, options, model=model.upstream_model
    )
    chat = ChatRequest(
        model=model.upstream_model,
        messages=messages,
        max_tokens=max_output,
        n=choices,
        extra=options,
    )
    worst = worst_case_cost_nanos(
        model, prompt_tokens=prompt_tokens, max_output_tokens=max_output, choices=choices
    )
    return call, chat, max(worst, 1)


async def chat_complete(call: Call, chat: ChatRequest, worst_nanos: int) -> dict[str, Any]:
    await call.reserve(worst_nanos)
    result = await call.upstream(call.provider.chat(chat))
    await call.settle(result.usage)
    await call.log(status_code=200, outcome="completed")
    return _chat_completion_json(call, result)


def _chat_completion_json(call: Call, result: ChatResult) -> dict[str, Any]:
    """The upstream's answer with the gateway's model id (and usage if it gave none), or one
    built from the normalized result for adapters that translate."""
    if result.raw is not None:
        answer = {**result.raw, "model": call.model.id}
        for choice in answer.get("choices") or []:
            if isinstance(choice, dict) and isinstance(choice.get("message"), dict):
                choice["message"].setdefault("refusal", None)  # required by OpenAI's schema
        if not result.usage_reported:
            answer["usage"] = _usage_json(result.usage)
        return answer
    return {
        "id": _completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": call.model.id,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": result.content, "refusal": None},
                "finish_reason": result.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": _usage_json(result.usage),
    }


@dataclass
class ChatStream:
    """An upstream stream whose first event has arrived: from here on the answer is a 200."""

    call: Call
    chat: ChatRequest
    events: AsyncIterator
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


async def chat_stream_open(call: Call, chat: ChatRequest, worst_nanos: int) -> ChatStream:
    """Reserve and wait for the upstream's first event, so a failure before any output is still
    a JSON error that costs nothing."""
    await call.reserve(worst_nanos)
    events = call.provider.chat_stream(chat)
    try:
        first = await anext(events)
    except (UpstreamError, UnsupportedOperation, StopAsyncIteration) as error:
        await events.aclose()
        await call.release()
        api_error = (
            UpstreamFailed("The model provider ended the stream before any output.")
            if isinstance(error, StopAsyncIteration)
            else upstream_api_error(error)
        )
        await call.log(status_code=api_error.status, outcome="failed", error_code=api_error.code)
        raise api_error from None
    except BaseException:
        await events.aclose()
        await call.release()
        raise
    return ChatStream(call, chat, events, first)


def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


@dataclass(frozen=True)
class StreamOutcome:
    """The last item of a billed stream: what it consumed and cost, and why it ended."""

    usage: Usage
    finish_reason: str | None  # None when the upstream failed part-way
    error: ApiError | None
    charged_nanos: int
    balance_nanos: int | None
    end: StreamEnd | None = None  # the upstream's end of the stream, when it got there


async def chat_stream_billed(stream: ChatStream) -> AsyncIterator[StreamDelta | StreamOutcome]:
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


# Renders a billed chat stream as SSE bytes: chat chunks (the default) or Responses events.
StreamRenderer = Callable[["ChatStream"], AsyncGenerator[bytes, None]]


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
    frame = {"id": _completion_id(), "created": int(time.time())}

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
                "usage": usage or _usage_json(item.usage),
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


def _counted_usage(stream: ChatStream, delivered: list[str]) -> Usage:
    output = (
        tokens.count_text_tokens("".join(delivered), model=stream.chat.model) if delivered else 0
    )
    return Usage(input_tokens=stream.call.prompt_tokens, output_tokens=output)


async def _settle_partial(stream: ChatStream) -> None:
    call = stream.call
    await call.settle(_counted_usage(stream, stream.delivered))
    await asyncio.shield(call.log(status_code=499, outcome="cancelled", error_code="client_closed"))


def _billing_json(call: Call) -> dict[str, Any]:
    from llmgateway.money import nanos_to_usd

    billing = {"cost": nanos_to_usd(call.charged_nanos)}
    if call.balance_nanos is not None:
        billing["balance"] = nanos_to_usd(call.balance_nanos)
    return billing


# --- embeddings and images --------------------------------------------------------------------


async def embeddings(principal: Principal, body: Any) -> tuple[Call, dict[str, Any]]:
    body = parse.require_object(body)
    model, provider = await model_for_call(
        principal, parse.model_id(body), CatalogModel.Kind.EMBEDDING
    )
    value = parse.embedding_input(body)
    items = [value] if isinstance(value, str) or (value and isinstance(value[0], int)) else value
    prompt_tokens = sum(
        len(item)
        if isinstance(item, list)
        else tokens.count_text_tokens(item, model=model.upstream_model)
        for item in items
    )
    call = Call(principal=principal, endpoint="embeddings", model=model, provider=provider)
    request = EmbeddingsRequest(
        model=model.upstream_model,
        input=value,
        dimensions=parse.positive_int(body, "dimensions", maximum=10_000),
        encoding_format=body.get("encoding_format")
        if body.get("encoding_format") in ("float", "base64")
        else None,
    )
    await call.reserve(
        max(1, worst_case_cost_nanos(model, prompt_tokens=prompt_tokens, max_output_tokens=0))
    )
    result = await call.upstream(provider.embeddings(request))
    await call.settle(result.usage)
    await call.log(status_code=200, outcome="completed")
    return call, {
        "object": "list",
        "data": result.data,
        "model": model.id,
        "usage": {
            "prompt_tokens": result.usage.prompt_tokens,
            "total_tokens": result.usage.prompt_tokens,
        },
    }


async def images(principal: Principal, body: Any) -> tuple[Call, dict[str, Any]]:
    body = parse.require_object(body)
    model, provider = await model_for_call(principal, parse.model_id(body), CatalogModel.Kind.IMAGE)
    prompt = parse.image_prompt(body)
    count = parse.positive_int(body, "n", maximum=10) or 1
    prompt_tokens = tokens.count_text_tokens(prompt, model=model.upstream_model)
    call = Call(principal=principal, endpoint="images.generations", model=model, provider=provider)
    response_format = body.get("response_format")
    if response_format not in (None, "url", "b64_json"):
        raise InvalidRequest(
            "response_format must be 'url' or 'b64_json'.", param="response_format"
        )
    request = ImagesRequest(
        model=model.upstream_model,
        prompt=prompt,
        n=count,
        size=body.get("size") if isinstance(body.get("size"), str) else None,
        quality=body.get("quality") if isinstance(body.get("quality"), str) else None,
        response_format=response_format,
    )
    await call.reserve(
        max(1, worst_case_cost_nanos(model, prompt_tokens=prompt_tokens, images=count))
    )
    result = await call.upstream(provider.images(request))
    await call.settle(result.usage, images=min(result.image_count, count))
    await call.log(status_code=200, outcome="completed")
    return call, {"created": result.created, "data": result.data}
