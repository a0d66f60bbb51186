"""CORS for the routes browsers call with session tokens; secret-key routes send no CORS headers."""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpResponse, JsonResponse

from llmgateway.origins import known_origins
from sessions_app.errors import OriginNotAllowed

# Paths a browser holding an es_ token may call.
SESSION_PATHS = frozenset(
    {
        "/v1/sessions/refresh",
        "/v1/wallet",
        "/v1/models",
        "/v1/chat/completions",
        "/v1/responses",
        "/v1/embeddings",
        "/v1/images/generations",
        "/v1/config",
    }
)
SESSION_PATH_PREFIXES = ("/v1/wallet/",)
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "authorization, content-type, idempotency-key"
EXPOSED_HEADERS = "x-llmgateway-cost, x-llmgateway-balance, retry-after, x-request-id"
PREFLIGHT_MAX_AGE_SECONDS = 600


def is_session_path(path: str) -> bool:
    return path in SESSION_PATHS or path.startswith(SESSION_PATH_PREFIXES)


class SessionCorsMiddleware:
    """Sync and async capable: under ASGI a sync-only middleware would cost every request to
    the async API views a hop to a thread and back."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        origin = request.headers.get("Origin")
        if not origin or not is_session_path(request.path):
            return self.get_response(request)
        if _is_preflight(request):
            return self._preflight(origin)
        return self._add_headers(request, origin, self.get_response(request))

    async def __acall__(self, request):
        origin = request.headers.get("Origin")
        if not origin or not is_session_path(request.path):
            return await self.get_response(request)
        # The origin checks may read the database (known_origins): off the event loop.
        if _is_preflight(request):
            return await sync_to_async(self._preflight, thread_sensitive=False)(origin)
        response = await self.get_response(request)
        return await sync_to_async(self._add_headers, thread_sensitive=False)(
            request, origin, response
        )

    def _add_headers(self, request, origin: str, response: HttpResponse) -> HttpResponse:
        headers = cors_response_headers(
            origin=origin,
            authorization=request.headers.get("Authorization", ""),
            status=response.status_code,
            body=getattr(response, "content", b""),
        )
        for name, value in headers.items():
            response[name] = value
        return response

    def _preflight(self, origin: str) -> HttpResponse:
        if origin not in known_origins():
            return JsonResponse(OriginNotAllowed().as_dict(), status=403)
        response = HttpResponse(status=204)
        for name, value in _allow_headers(origin).items():
            response[name] = value
        response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
        return response


def _is_preflight(request) -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def cors_response_headers(
    *, origin: str, authorization: str, status: int, body: bytes
) -> dict[str, str]:
    """The CORS headers of an answer on a session path to a request from `origin` (none for a
    secret-key call, an unknown origin, or the refusal of that origin). May read the cache."""
    if authorization[7:].startswith("sk_") or _refused_origin(status, body):
        return {}
    if origin not in known_origins():
        return {}
    return {**_allow_headers(origin), "Access-Control-Expose-Headers": EXPOSED_HEADERS}


def _allow_headers(origin: str) -> dict[str, str]:
    # Echo the one origin, never "*": tokens are bearer headers, and no cookie is ever allowed.
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def _refused_origin(status: int, body: bytes) -> bool:
    return status == 403 and b'"origin_not_allowed"' in body
