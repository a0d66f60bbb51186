"""Request and response bodies of the session endpoints (camelCase, DESIGN.md §5)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from llmgateway.fields import UsdAmountField


class CustomerObjectSerializer(serializers.Serializer):
    externalId = serializers.CharField(max_length=255)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    name = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "description": "The end user's id in your app (externalId)."},
            {"$ref": "#/components/schemas/CustomerObject"},
        ]
    }
)
class CustomerReferenceField(serializers.Field):
    def to_internal_value(self, data) -> dict:
        if isinstance(data, str):
            data = {"externalId": data}
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                "Give the externalId as a string or an object {externalId, email?, name?}."
            )
        nested = CustomerObjectSerializer(data=data)
        if not nested.is_valid():
            raise serializers.ValidationError(nested.errors)
        return dict(nested.validated_data)


class ScopeSerializer(serializers.Serializer):
    models = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=200
    )
    maxSpend = UsdAmountField(required=False, allow_null=True)


class SessionCreateSerializer(serializers.Serializer):
    customer = CustomerReferenceField()
    scope = ScopeSerializer(required=False)
    ttlSeconds = serializers.IntegerField(required=False, min_value=60, max_value=3600)


class ScopeOutSerializer(serializers.Serializer):
    models = serializers.ListField(child=serializers.CharField(), source="allowed_models")
    maxSpend = UsdAmountField(source="max_spend_nanos", allow_null=True)
    spent = UsdAmountField(source="spent_nanos")


def allowed_origins_field() -> serializers.ListField:
    # Public (they are page origins, not secrets): the browser client compares its own origin
    # with them, since a refused CORS preflight never lets `origin_not_allowed` reach the page.
    return serializers.ListField(
        child=serializers.CharField(),
        source="project.allowed_origins",
        help_text="The project's allowed browser origins (scheme://host[:port]) as of this "
        "answer: a page on any other origin is refused with origin_not_allowed.",
    )


class SessionSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.SerializerMethodField()
    sessionToken = serializers.SerializerMethodField()
    walletId = serializers.CharField(source="wallet_id")
    customerId = serializers.CharField(source="customer_id")
    expiresAt = serializers.DateTimeField(source="expires_at")
    livemode = serializers.BooleanField()
    scope = ScopeOutSerializer(source="*")
    allowedOrigins = allowed_origins_field()

    def get_object(self, session) -> str:
        return "session"

    def get_sessionToken(self, session) -> str:
        return self.context["token"]


class SessionRefreshSerializer(serializers.Serializer):
    id = serializers.CharField()
    sessionToken = serializers.SerializerMethodField()
    walletId = serializers.CharField(source="wallet_id")
    expiresAt = serializers.DateTimeField(source="expires_at")
    allowedOrigins = allowed_origins_field()

    def get_sessionToken(self, session) -> str:
        return self.context["token"]


class SessionRevokedSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.SerializerMethodField()

    def get_status(self, session) -> str:
        return "revoked"
