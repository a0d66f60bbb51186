"""Public, unauthenticated endpoints: the client configuration and health."""

from django.conf import settings
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from llmgateway.api import ApiView


def health(request):
    return JsonResponse({"status": "ok"})


class ConfigView(ApiView):
    allowed_auth = ()

    @extend_schema(
        operation_id="config_retrieve",
        summary="Public client configuration (publishable keys by mode)",
        auth=[],
        responses={
            200: inline_serializer(
                name="ClientConfig",
                fields={
                    "object": serializers.CharField(),
                    "publishableKeys": inline_serializer(
                        name="PublishableKeys",
                        fields={
                            "test": serializers.CharField(allow_null=True),
                            "live": serializers.CharField(allow_null=True),
                        },
                    ),
                    "paymentProviders": inline_serializer(
                        name="PaymentProviders",
                        fields={
                            "test": serializers.CharField(),
                            "live": serializers.CharField(allow_null=True),
                        },
                    ),
                },
            )
        },
        tags=["config"],
    )
    def get(self, request):
        return Response(
            {
                "object": "config",
                "publishableKeys": {
                    "test": settings.STRIPE_TEST_PUBLISHABLE_KEY or None,
                    "live": settings.STRIPE_LIVE_PUBLISHABLE_KEY or None,
                },
                "paymentProviders": {
                    "test": "stripe" if settings.STRIPE_TEST_SECRET_KEY else "simulated",
                    "live": "stripe" if settings.STRIPE_LIVE_SECRET_KEY else None,
                },
            }
        )


class ApiKeySerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.SerializerMethodField()
    name = serializers.CharField()
    displayPrefix = serializers.CharField(source="display_prefix")
    livemode = serializers.BooleanField()
    projectId = serializers.CharField(source="project_id")
    permissions = serializers.ListField(child=serializers.CharField())
    createdAt = serializers.DateTimeField(source="created_at")
    lastUsedAt = serializers.DateTimeField(source="last_used_at", allow_null=True)

    def get_object(self, api_key) -> str:
        return "api_key"


class CurrentApiKeyView(ApiView):
    """The calling secret key's own metadata, permissions included (restricted keys)."""

    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="api_keys_current",
        summary="The calling secret key: name, mode, project and permissions",
        responses={200: ApiKeySerializer},
        tags=["api-keys"],
    )
    def get(self, request):
        return Response(ApiKeySerializer(request.auth.secret_key).data)
