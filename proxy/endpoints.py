"""The billed OpenAI-compatible endpoints (chat, responses, embeddings, images), independent of
the server that carries them: each takes the caller's headers and body and gives back a `Reply`.

Two transports render a Reply (proxy/transports/): the Django views (the test client, and any
request the ASGI front leaves to Django) and the bare ASGI front (the hot path under a real
server). Keeping the work here means both answer byte for byte alike.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from django.conf import settings

from llmgateway.api import InternalError, database_unreachable
from llmgateway.errors import ApiError, InvalidRequest, RequestTooLarge, ServiceUnavailable
from llmgateway.money import nanos_to_usd
from llmgateway.parsers import contains_nul
from proxy.auth import authenticate_bearer
from proxy.calls import responses_api, responses_output, responses_stream
from proxy.calls.call import Call
from proxy.calls.chat import chat_complete, prepare_chat
from proxy.calls.chat_sse import SseStream, chat_stream_sse
from proxy.calls.chat_stream import chat_stream_open
from proxy.calls.embeddings import embeddings_create
from proxy.calls.images import images_generate

logger = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json"


@dataclass
class Reply:
    """A response before any transport: a JSON body, or a stream of SSE bytes."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: SseStream | None = None  # closed by the transport on every way out


@dataclass(frozen=True)
class Caller:
    """What the endpoints read from a request."""

    authorization: str
    origin: str | None
    body: bytes


Endpoint = Callable[[Caller], Awaitable[Reply]]


def json_reply(payload: object, *, status: int = 200) -> Reply:
    # json.dumps' default separators: the bodies Django's JsonResponse wrote before this module.
    return Reply(
        status=status,
        headers={"Content-Type": JSON_CONTENT_TYPE},
        body=json.dumps(payload).encode(),
    )


def error_reply(error: ApiError) -> Reply:
    reply = json_reply(error.as_dict(), status=error.status)
    reply.headers.update(error.response_headers())
    return reply


def declared_length(content_length: str | None) -> int:
    """The Content-Length header as a number (the server has already refused a malformed one)."""
    try:
        return int(content_length or 0)
    except ValueError:
        return 0


def request_too_large(size: int) -> bool:
    """Checked by each transport on the declared length before reading, and on the body read
    (a chunked body declares none; each reads at most one byte past the limit)."""
    return size > settings.MODEL_REQUEST_MAX_BYTES


def too_large_reply() -> Reply:
    limit = settings.MODEL_REQUEST_MAX_BYTES
    return error_reply(
        RequestTooLarge(f"The request body is larger than this gateway accepts ({limit} bytes).")
    )


async def answer(endpoint: Endpoint, caller: Caller, *, path: str) -> Reply:
    """The endpoint's reply; whatever it raises, in the error shape."""
    try:
        return await endpoint(caller)
    except Exception as error:
        return error_reply(api_error_for(error, path=path))


def api_error_for(error: Exception, *, path: str) -> ApiError:
    """An ApiError as it is; a lost database a 503; anything else (a bug: logged) a 500.
    Call from inside the `except` block, so the log carries the traceback."""
    if isinstance(error, ApiError):
        return error
    if database_unreachable(error):
        logger.warning("database unavailable in %s: %s", path, error)
        return ServiceUnavailable()
    logger.exception("unhandled error in %s", path)
    return InternalError()


def _json_body(body: bytes) -> object:
    try:
        payload = json.loads(body or b"null")
        has_nul = contains_nul(payload)
    except (ValueError, UnicodeDecodeError, RecursionError):  # Recursion: nested too deep
        raise InvalidRequest("The request body is not valid JSON.") from None
    if has_nul:
        raise InvalidRequest("Strings may not contain the NUL character (\\u0000).")
    return payload


def _billed(reply: Reply, call: Call) -> Reply:
    reply.headers["X-LLMGateway-Cost"] = nanos_to_usd(call.charged_nanos)
    if call.balance_nanos is not None:
        reply.headers["X-LLMGateway-Balance"] = nanos_to_usd(call.balance_nanos)
    reply.headers["X-Request-Id"] = call.request_id
    reply.headers["X-LLMGateway-Provider"] = call.deployment.provider
    return reply


async def chat_completions(caller: Caller) -> Reply:
    principal = await authenticate_bearer(caller.authorization, caller.origin, cached=True)
    call, chat = await prepare_chat(principal, _json_body(caller.body))
    if not call.stream:
        payload = await chat_complete(call, chat)
        return _billed(json_reply(payload), call)
    stream = await chat_stream_open(call, chat)
    return _streaming(call, chat_stream_sse(stream))


def _streaming(call: Call, stream: SseStream) -> Reply:
    return Reply(
        status=200,
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
            # The exact cost is known only at the end: it is in the final chunk's (event's)
            # `x_llmgateway`. The header carries the most this stream can cost (its hold).
            "X-LLMGateway-Cost": nanos_to_usd(call.hold_nanos),
            "X-Request-Id": call.request_id,
            "X-LLMGateway-Provider": call.deployment.provider,
        },
        stream=stream,
    )


async def responses(caller: Caller) -> Reply:
    """OpenAI's Responses API, served as a chat request (proxy/calls/responses_api.py)."""
    principal = await authenticate_bearer(caller.authorization, caller.origin, cached=True)
    request = responses_api.responses_request(_json_body(caller.body))
    call, chat = await prepare_chat(principal, request.chat_body)
    call.endpoint = "responses"
    if not call.stream:
        completion = await chat_complete(call, chat)
        return _billed(
            json_reply(responses_output.response_from_completion(request, completion)), call
        )
    stream = await chat_stream_open(call, chat)
    render = responses_stream.response_events(request)
    return _streaming(call, SseStream(stream, render))


async def embeddings(caller: Caller) -> Reply:
    principal = await authenticate_bearer(caller.authorization, caller.origin, cached=True)
    call, payload = await embeddings_create(principal, _json_body(caller.body))
    return _billed(json_reply(payload), call)


async def image_generations(caller: Caller) -> Reply:
    principal = await authenticate_bearer(caller.authorization, caller.origin, cached=True)
    call, payload = await images_generate(principal, _json_body(caller.body))
    return _billed(json_reply(payload), call)


# The POST endpoints by path (proxy/urls.py routes the same views under /v1/).
BILLED_ENDPOINTS: dict[str, Endpoint] = {
    "/v1/chat/completions": chat_completions,
    "/v1/responses": responses,
    "/v1/embeddings": embeddings,
    "/v1/images/generations": image_generations,
}
