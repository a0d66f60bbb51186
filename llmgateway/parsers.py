"""Request input that the database could never store is refused up front as a 400.

PostgreSQL text and JSON cannot hold the NUL character (U+0000); a body, path or query carrying
one would otherwise fail deep inside a query as a 500.
"""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction
from django.http import JsonResponse
from django.utils.decorators import sync_and_async_middleware
from rest_framework.parsers import JSONParser

from llmgateway.errors import InvalidRequest

NUL = "\x00"


def contains_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(contains_nul(item) for item in value)
    return False


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # JSON nested deeper than Python's recursion limit raises RecursionError, which DRF's
        # parser doesn't turn into a ParseError: it would be a 500.
        try:
            data = super().parse(stream, media_type, parser_context)
            has_nul = contains_nul(data)
        except RecursionError:
            raise InvalidRequest("The request body is nested too deeply.") from None
        if has_nul:
            raise InvalidRequest("Strings may not contain the NUL character (\\u0000).")
        return data


def _refused(request) -> JsonResponse | None:
    query = request.META.get("QUERY_STRING", "")
    if request.path.startswith("/v1/") and (NUL in request.path or NUL in query or "%00" in query):
        error = InvalidRequest("The path or query may not contain the NUL character.")
        return JsonResponse(error.as_dict(), status=400)
    return None


@sync_and_async_middleware
def reject_nul_middleware(get_response):
    """Refuse API paths and query strings that carry a NUL character (400, error shape)."""
    if iscoroutinefunction(get_response):

        async def async_middleware(request):
            return _refused(request) or await get_response(request)

        return async_middleware

    def middleware(request):
        return _refused(request) or get_response(request)

    return middleware
