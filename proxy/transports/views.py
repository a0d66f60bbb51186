"""The OpenAI-compatible endpoints as async Django views, so streams and upstream calls never
hold a thread. The billed ones render proxy.endpoints (which the ASGI front, asgi_front.py, also
serves, ahead of Django, under a real server); `/v1/models` is answered here."""

from __future__ import annotations

import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from billing.models import CatalogModel, Deployment
from billing.selectors import catalog_offers
from llmgateway.api import MethodNotAllowed
from llmgateway.errors import ApiError
from llmgateway.money import nanos_to_usd
from proxy import endpoints
from proxy.auth import authenticate
from proxy.errors import ModelNotFound
from sessions_app.authentication import SESSION

logger = logging.getLogger(__name__)


def error_response(error: ApiError) -> HttpResponse:
    return _django_response(endpoints.error_reply(error))


def api_view(method: str):
    """Only `method`; every ApiError in the error shape, anything else a 500 in that shape."""

    def decorate(view):
        async def wrapped(request, *args, **kwargs):
            if request.method != method:
                return _method_not_allowed(method)
            try:
                return await view(request, *args, **kwargs)
            except Exception as error:
                return error_response(endpoints.api_error_for(error, path=request.path))

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return csrf_exempt(wrapped)

    return decorate


def _method_not_allowed(allowed: str) -> HttpResponse:
    response = error_response(MethodNotAllowed())
    response["Allow"] = allowed
    return response


def _django_response(reply: endpoints.Reply) -> HttpResponse:
    response: HttpResponse | StreamingHttpResponse
    if reply.stream is not None:
        response = StreamingHttpResponse(reply.stream, status=reply.status)
    else:
        response = HttpResponse(reply.body, status=reply.status)
    for name, value in reply.headers.items():
        response[name] = value
    return response


def billed_view(endpoint: endpoints.Endpoint):
    """A Django view over one of proxy.endpoints (the ASGI front serves the same ones)."""

    async def view(request):
        if request.method != "POST":
            return _method_not_allowed("POST")
        declared = endpoints.declared_length(request.META.get("CONTENT_LENGTH"))
        if endpoints.request_too_large(declared):
            return _django_response(endpoints.too_large_reply())
        # Not request.body, which caps at DATA_UPLOAD_MAX_MEMORY_SIZE; one byte past our limit
        # is enough to refuse a chunked body.
        body = request.read(settings.MODEL_REQUEST_MAX_BYTES + 1)
        if endpoints.request_too_large(len(body)):
            return _django_response(endpoints.too_large_reply())
        caller = endpoints.Caller(
            authorization=request.headers.get("Authorization", ""),
            origin=request.headers.get("Origin"),
            body=body,
        )
        return _django_response(await endpoints.answer(endpoint, caller, path=request.path))

    view.__name__ = endpoint.__name__
    view.__doc__ = endpoint.__doc__
    return csrf_exempt(view)


chat_completions = billed_view(endpoints.chat_completions)
responses = billed_view(endpoints.responses)
embeddings = billed_view(endpoints.embeddings)
image_generations = billed_view(endpoints.image_generations)


@api_view("GET")
async def models(request):
    principal = await authenticate(request)
    data = [_model_json(*offer) for offer in await _models_for(principal)]
    return JsonResponse({"object": "list", "data": data})


@api_view("GET")
async def model_detail(request, model_id: str):
    """One model of `/v1/models`; one the caller may not use is as unknown as a missing one."""
    principal = await authenticate(request)
    for model, deployments in await _models_for(principal):
        if model.id == model_id:
            return JsonResponse(_model_json(model, deployments))
    raise ModelNotFound(f"The model {model_id!r} does not exist.", param="model")


async def _models_for(principal) -> list[tuple[CatalogModel, list[Deployment]]]:
    """The catalog models this key or session may call, with the deployments that may serve
    it (the project's allowed providers applied)."""
    offers = await sync_to_async(catalog_offers, thread_sensitive=False)(
        livemode=principal.livemode, providers=principal.project.allowed_providers
    )
    scope = principal.session.allowed_models if principal.kind == SESSION else []
    return [offer for offer in offers if not scope or offer[0].id in scope]


# `pricing` name -> the deployment's price field (nano-USD).
PRICING_FIELDS = {
    "input_per_million_tokens": "input_nanos_per_million_tokens",
    "output_per_million_tokens": "output_nanos_per_million_tokens",
    "cached_input_per_million_tokens": "cached_input_nanos_per_million_tokens",
    "per_image": "nanos_per_image",
    "per_request": "nanos_per_request",
}


def _pricing(deployment: Deployment) -> dict[str, str]:
    return {
        name: nanos_to_usd(getattr(deployment, field)) for name, field in PRICING_FIELDS.items()
    }


def _model_json(model: CatalogModel, deployments: list[Deployment]) -> dict:
    """`pricing` is the highest of the deployments' prices: what a request may cost at most
    whichever serves it; `providers` lists each one's own."""
    return {
        "id": model.id,
        "object": "model",
        "created": int(model.created_at.timestamp()),  # stable: when it joined the catalog
        "owned_by": model.owner,
        "kind": model.kind,
        "pricing": {
            name: nanos_to_usd(max(getattr(deployment, field) for deployment in deployments))
            for name, field in PRICING_FIELDS.items()
        },
        "providers": [
            {"provider": deployment.provider, "pricing": _pricing(deployment)}
            for deployment in deployments
        ],
        "max_output_tokens": model.max_output_tokens,
        "context_window": model.context_window,
    }
