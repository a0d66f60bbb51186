"""The OpenAI-compatible endpoints: async views, so streams and upstream calls never hold a
thread. Each parses, authenticates, hands over to proxy.gateway and renders."""

from __future__ import annotations

import json
import logging
import time

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from billing.selectors import catalog_models_available
from llmgateway.api import InternalError, MethodNotAllowed, database_unreachable
from llmgateway.errors import ApiError, InvalidRequest, ServiceUnavailable
from llmgateway.money import nanos_to_usd
from llmgateway.parsers import contains_nul
from proxy import gateway
from proxy.auth import authenticate
from sessions_app.authentication import SESSION

logger = logging.getLogger(__name__)


def error_json(error: ApiError) -> JsonResponse:
    response = JsonResponse(error.as_dict(), status=error.status)
    retry_after = getattr(error, "retry_after_seconds", None)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _json_body(request) -> object:
    try:
        body = json.loads(request.body or b"null")
        has_nul = contains_nul(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # Recursion: nested too deep
        raise InvalidRequest("The request body is not valid JSON.") from None
    if has_nul:
        raise InvalidRequest("Strings may not contain the NUL character (\\u0000).")
    return body


def _billing_headers(response: HttpResponse, call: gateway.Call) -> HttpResponse:
    response["X-LLMGateway-Cost"] = nanos_to_usd(call.charged_nanos)
    if call.balance_nanos is not None:
        response["X-LLMGateway-Balance"] = nanos_to_usd(call.balance_nanos)
    response["X-Request-Id"] = call.request_id
    return response


def api_view(method: str):
    """Only `method`; every ApiError in the error shape, anything else a 500 in that shape."""

    def decorate(view):
        async def wrapped(request, *args, **kwargs):
            if request.method != method:
                response = error_json(MethodNotAllowed())
                response["Allow"] = method
                return response
            try:
                return await view(request, *args, **kwargs)
            except ApiError as error:
                return error_json(error)
            except Exception as error:
                if database_unreachable(error):
                    logger.warning("database unavailable in %s: %s", request.path, error)
                    return error_json(ServiceUnavailable())
                logger.exception("unhandled error in %s", request.path)
                return error_json(InternalError())

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return csrf_exempt(wrapped)

    return decorate


@api_view("POST")
async def chat_completions(request):
    principal = await authenticate(request, cached=True)
    call, chat, worst = await gateway.prepare_chat(principal, _json_body(request))
    if not call.stream:
        payload = await gateway.chat_complete(call, chat, worst)
        return _billing_headers(JsonResponse(payload), call)
    stream = await gateway.chat_stream_open(call, chat, worst)
    response = StreamingHttpResponse(
        gateway.chat_stream_sse(stream), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    # The exact cost is known only at the end: it is in the final chunk's `x_llmgateway`. The
    # header carries the most this stream can cost (its hold).
    response["X-LLMGateway-Cost"] = nanos_to_usd(worst)
    response["X-Request-Id"] = call.request_id
    return response


@api_view("POST")
async def embeddings(request):
    principal = await authenticate(request, cached=True)
    call, payload = await gateway.embeddings(principal, _json_body(request))
    return _billing_headers(JsonResponse(payload), call)


@api_view("POST")
async def image_generations(request):
    principal = await authenticate(request, cached=True)
    call, payload = await gateway.images(principal, _json_body(request))
    return _billing_headers(JsonResponse(payload), call)


@api_view("GET")
async def models(request):
    from asgiref.sync import sync_to_async

    principal = await authenticate(request)
    available = await sync_to_async(catalog_models_available, thread_sensitive=False)(
        livemode=principal.livemode
    )
    scope = principal.session.allowed_models if principal.kind == SESSION else []
    created = int(time.time())
    data = [
        {
            "id": model.id,
            "object": "model",
            "created": created,
            "owned_by": model.provider,
            "kind": model.kind,
            "pricing": {
                "input_per_million_tokens": nanos_to_usd(model.input_nanos_per_million_tokens),
                "output_per_million_tokens": nanos_to_usd(model.output_nanos_per_million_tokens),
                "cached_input_per_million_tokens": nanos_to_usd(
                    model.cached_input_nanos_per_million_tokens
                ),
                "per_image": nanos_to_usd(model.nanos_per_image),
                "per_request": nanos_to_usd(model.nanos_per_request),
            },
            "max_output_tokens": model.max_output_tokens,
            "context_window": model.context_window,
        }
        for model in available
        if not scope or model.id in scope
    ]
    return JsonResponse({"object": "list", "data": data})
