"""OpenAPI pieces shared by every endpoint: the error body and the list envelope."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from llmgateway.api import DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT


class ErrorDetailSerializer(serializers.Serializer):
    type = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()
    param = serializers.CharField(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


# The error codes behind each status (DESIGN.md §5); the gateway's own paths use it too.
ERROR_DESCRIPTIONS = {
    400: "invalid_request",
    401: "invalid_api_key, session_expired, session_revoked",
    402: "insufficient_balance, wallet_frozen, spend_cap_exceeded",
    403: "permission_denied, origin_not_allowed, customer_blocked, model_not_allowed",
    404: "not_found",
    409: "idempotency_conflict, resource_already_exists",
    413: "request_too_large (the body is over MODEL_REQUEST_MAX_BYTES; nothing was charged)",
    429: "rate_limited (see Retry-After)",
    502: "upstream_error",
    503: "service_unavailable (the database is unreachable; nothing was charged)",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Error responses for the schema; 400, 401 and 429 apply to every authenticated call."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status])
        for status in sorted({400, 401, 429, *statuses})
    }


# Every cursor-paginated list takes these two. A cursor is opaque: one this API did not return
# is a 400 `invalid_request` (param `cursor`).
PAGE_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_LIMIT, "default": DEFAULT_PAGE_LIMIT},
        description=f"1 to {MAX_PAGE_LIMIT}, default {DEFAULT_PAGE_LIMIT}",
    ),
    OpenApiParameter("cursor", str, description="nextCursor from the previous page"),
]


def list_of(item_serializer, name: str):
    return inline_serializer(
        name=name,
        fields={
            "object": serializers.CharField(),
            "data": item_serializer(many=True),
            "hasMore": serializers.BooleanField(),
            "nextCursor": serializers.CharField(allow_null=True),
        },
    )
