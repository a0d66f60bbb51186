"""Request and response bodies of the top-up and webhook-endpoint endpoints (camelCase)."""

from __future__ import annotations

from rest_framework import serializers

from billing import stripe_gateway
from billing.models import TopUp
from billing.webhooks.events import EVENT_TYPES
from llmgateway.fields import UsdAmountField, UsdField


class TopUpCreateSerializer(serializers.Serializer):
    amount = UsdAmountField(min_nanos=1, help_text="USD to buy, before the platform fee.")


class TopUpSimulateSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["succeeded", "failed"])


class TopUpSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.SerializerMethodField()
    provider = serializers.ChoiceField(choices=TopUp.Provider.values)
    clientSecret = serializers.CharField(source="client_secret")
    publishableKey = serializers.SerializerMethodField()
    walletId = serializers.CharField(source="wallet_id")
    amount = UsdField(source="amount_nanos")
    fee = UsdField(source="fee_nanos")
    total = UsdField(source="total_nanos")
    netCredit = UsdField(source="net_nanos")
    margin = UsdField(source="margin_nanos")
    currency = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=TopUp.Status.values)
    failureMessage = serializers.CharField(source="failure_message", allow_null=True)
    livemode = serializers.BooleanField()
    createdAt = serializers.DateTimeField(source="created_at")

    def get_object(self, topup) -> str:
        return "top_up"

    def get_currency(self, topup) -> str:
        return "usd"

    def get_publishableKey(self, topup) -> str | None:
        if topup.provider != TopUp.Provider.STRIPE:
            return None
        return stripe_gateway.publishable_key(livemode=topup.livemode) or None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["failureMessage"] = data["failureMessage"] or None
        return data


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2048)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), required=False, max_length=20
    )


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.SerializerMethodField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    livemode = serializers.BooleanField()
    status = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")

    def get_object(self, endpoint) -> str:
        return "webhook_endpoint"

    def get_status(self, endpoint) -> str:
        return "enabled" if endpoint.enabled else "disabled"


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="Shown only in this answer: store it now.")


class WebhookEndpointDeletedSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField()
    deleted = serializers.BooleanField()
