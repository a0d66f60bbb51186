"""OpenAPI pieces shared by every endpoint: the error body and the list envelope."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.apps import apps
from django.utils.functional import lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from llmgateway.api import DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT
from llmgateway.errors import ApiError, documented_errors


class ErrorDetailSerializer(serializers.Serializer):
    type = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()
    param = serializers.CharField(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def _error_descriptions() -> dict[int, str]:
    """Status -> the codes documented under it, from the error classes that declare a
    `description` (llmgateway.errors.documented_errors): the one list of documented codes.

    Under a status the codes come bottom layer first (the kernel, then the apps in
    INSTALLED_APPS order), an app's by module name and then in the order the module defines
    them; a code several classes share is listed once.
    """
    app_order = {config.name: index for index, config in enumerate(apps.get_app_configs())}

    def layer(error: type[ApiError]) -> tuple[int, str]:
        config = apps.get_containing_app_config(error.__module__)
        return (app_order[config.name] if config else len(app_order), error.__module__)

    codes: dict[int, dict[str, str]] = {}
    for error in sorted(documented_errors(), key=layer):
        text = f"{error.code} ({error.description})" if error.description else error.code
        codes.setdefault(error.status, {}).setdefault(error.code, text)
    return {status: ", ".join(texts.values()) for status, texts in sorted(codes.items())}


class _ErrorDescriptions(Mapping[int, str]):
    """The codes behind each status (DESIGN.md §5), read when the schema is generated: by then
    every app's error classes are defined. The gateway's own paths (proxy/openapi.py) use it too.
    """

    def __getitem__(self, status: int) -> str:
        return _error_descriptions()[status]

    def __iter__(self) -> Iterator[int]:
        return iter(_error_descriptions())

    def __len__(self) -> int:
        return len(_error_descriptions())


ERROR_DESCRIPTIONS: Mapping[int, str] = _ErrorDescriptions()
_lazy_description = lazy(ERROR_DESCRIPTIONS.__getitem__, str)


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Error responses for the schema; 400, 401 and 429 apply to every authenticated call.

    Called when a view module is imported, before every app's errors exist: the description is
    a lazy string, made when the schema is generated.
    """
    return {
        status: OpenApiResponse(ErrorSerializer, description=_lazy_description(status))
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
