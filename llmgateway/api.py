"""The API's shared plumbing: the one error renderer, the base view, cursor pagination.

The kernel knows no caller. `ApiView` authenticates with DRF's DEFAULT_AUTHENTICATION_CLASSES
(settings.py: the bearer keys of sessions_app) and then hands the authenticated caller to the
function named by `settings.API_PRINCIPAL_CHECK` (sessions_app.access.principal_check: the kind
of key, a restricted key's permission, the rate limit, in that order). Both are named in settings,
so this module imports no app.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.module_loading import import_string
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import APIView

from llmgateway.errors import (
    ApiError,
    AuthenticationFailed,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RequestTooLarge,
    ServiceUnavailable,
)

logger = logging.getLogger(__name__)

DEFAULT_PAGE_LIMIT = 20
MAX_PAGE_LIMIT = 100


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"
    default_message = "This method is not allowed on this path."


class UnsupportedMediaType(ApiError):
    status = 415
    code = "invalid_request"
    default_message = "Send a JSON body with Content-Type: application/json."


class InternalError(ApiError):
    status = 500
    code = "internal_error"
    type = "api_error"
    default_message = "Something went wrong on our side; the request was not completed."


def _first_validation_error(detail, path: str = "") -> tuple[str, str | None]:
    """Walk DRF's nested error detail to its first message and the dotted path of its field."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            child = path if key == "non_field_errors" else f"{path}.{key}" if path else str(key)
            return _first_validation_error(value, child)
    if isinstance(detail, list) and detail:
        if all(not isinstance(item, dict | list) for item in detail):
            return str(detail[0]), path or None
        for index, item in enumerate(detail):
            if item:
                return _first_validation_error(item, f"{path}[{index}]" if path else str(index))
    return str(detail), path or None


def database_unreachable(exc: BaseException) -> bool:
    """A lost or refused database connection (Django's or the hot path's psycopg pool), as
    opposed to a bug: the client gets 503 `service_unavailable`, not a 500."""
    import psycopg
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError | psycopg.OperationalError)


def api_error_from_exception(exc: Exception) -> ApiError | None:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, RequestDataTooBig):  # a chunked body read past the limit
        return _request_too_large()
    if database_unreachable(exc):
        logger.warning("database unavailable: %s", exc)
        return ServiceUnavailable()
    if isinstance(exc, Http404 | drf.NotFound):
        return NotFound()
    if isinstance(exc, drf.ValidationError):
        message, param = _first_validation_error(exc.detail)
        if param and message and not message.lower().startswith(param.split(".")[-1].lower()):
            message = f"{param}: {message}"
        return InvalidRequest(message, param=param)
    if isinstance(exc, drf.ParseError):
        return InvalidRequest("The request body is not valid JSON.")
    if isinstance(exc, drf.UnsupportedMediaType):
        return UnsupportedMediaType()
    if isinstance(exc, drf.MethodNotAllowed):
        return MethodNotAllowed()
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        return AuthenticationFailed()
    if isinstance(exc, drf.PermissionDenied):
        return PermissionDenied()
    if isinstance(exc, drf.APIException):
        error = ApiError(str(exc.detail))
        error.status = exc.status_code
        return error
    return None


def error_response(error: ApiError) -> Response:
    return Response(error.as_dict(), status=error.status, headers=error.response_headers())


def exception_handler(exc: Exception, context) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every API error, ours or DRF's, in the DESIGN.md shape."""
    error = api_error_from_exception(exc)
    if error is None:
        logger.exception("unhandled API error", exc_info=exc)
        error = InternalError()
    return error_response(error)


def _request_too_large() -> RequestTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return RequestTooLarge(f"The request body is larger than {limit} bytes, the most this accepts.")


def body_too_large(request) -> bool:
    """A declared body over DATA_UPLOAD_MAX_MEMORY_SIZE: refused before anything reads it."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return False
    return limit is not None and declared > limit


class ApiView(APIView):
    """Base view: bearer authentication, which key kinds may call it, rate limits."""

    # Which principals may call: "secret" (sk_), "session" (es_). Empty means no auth at all.
    allowed_auth: Sequence[str] = ("secret",)

    def get_authenticators(self):
        if not self.allowed_auth:
            return []
        return super().get_authenticators()

    def initial(self, request, *args, **kwargs):
        # A platform body over the limit is a 413 in the error shape, before authentication
        # or parsing reads any of it (Django would raise RequestDataTooBig: a 500).
        if body_too_large(request):
            raise _request_too_large()
        super().initial(request, *args, **kwargs)
        if not self.allowed_auth:
            return
        principal_check = import_string(settings.API_PRINCIPAL_CHECK)
        principal_check(request, self)

    def permission_denied(self, request, message=None, code=None):  # pragma: no cover
        raise PermissionDenied(message)


# --- Cursor pagination ----------------------------------------------------------------------


def page_limit(raw: str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_PAGE_LIMIT
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        raise InvalidRequest(f"limit must be an integer from 1 to {MAX_PAGE_LIMIT}.", param="limit")
    return limit


def _encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, size: int) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise InvalidRequest("cursor is not a cursor this API returned.", param="cursor")
    return values


def keyset_page(
    queryset: QuerySet, *, fields: Sequence[str], cursor: str | None, limit: int
) -> tuple[list, str | None]:
    """One page of `queryset` ordered by `fields` descending, after an opaque cursor.

    Keyset (not offset) pagination: stable while rows are being added, and each page is an index
    range scan however deep it is.
    """
    ordered = queryset.order_by(*[f"-{field}" for field in fields])
    if cursor:
        values = _decode_cursor(cursor, len(fields))
        condition = Q()
        for index, field in enumerate(fields):
            step = Q(**{f"{field}__lt": values[index]})
            for earlier in range(index):
                step &= Q(**{fields[earlier]: values[earlier]})
            condition |= step
        ordered = ordered.filter(condition)
    rows = list(ordered[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = _encode_cursor([_cursor_value(getattr(last, field)) for field in fields])
    return rows, next_cursor


def _cursor_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def list_response(data: list, next_cursor: str | None) -> dict:
    return {
        "object": "list",
        "data": data,
        "hasMore": next_cursor is not None,
        "nextCursor": next_cursor,
    }
