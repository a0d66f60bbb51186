"""Request and response bodies of the Connect and payout endpoints (camelCase)."""

from __future__ import annotations

from rest_framework import serializers

from llmgateway.fields import UsdAmountField, UsdField
from payouts.models import Payout


class PayoutSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.SerializerMethodField()
    amount = UsdField(source="amount_nanos")
    currency = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Payout.Status.values)
    automatic = serializers.SerializerMethodField()
    transferId = serializers.SerializerMethodField()
    failureCode = serializers.SerializerMethodField()
    failureMessage = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")
    paidAt = serializers.DateTimeField(source="paid_at", allow_null=True)
    livemode = serializers.BooleanField()

    def get_object(self, payout) -> str:
        return "payout"

    def get_currency(self, payout) -> str:
        return "usd"

    def get_automatic(self, payout) -> bool:
        return payout.trigger == Payout.Trigger.AUTOMATIC

    def get_transferId(self, payout) -> str | None:
        return payout.transfer_id or None

    def get_failureCode(self, payout) -> str | None:
        return payout.failure_code or None

    def get_failureMessage(self, payout) -> str | None:
        return payout.failure_message or None


class PayoutCreateSerializer(serializers.Serializer):
    amount = UsdAmountField(
        required=False,
        help_text="USD; default everything available. Whole cents are paid, at least 1.00.",
    )
    idempotencyKey = serializers.CharField(max_length=200, required=False)


class ConnectOnboardingCreateSerializer(serializers.Serializer):
    returnUrl = serializers.URLField(required=False, max_length=2000)
    refreshUrl = serializers.URLField(required=False, max_length=2000)


class ConnectOnboardingSerializer(serializers.Serializer):
    object = serializers.SerializerMethodField()
    accountId = serializers.CharField(source="account.stripe_account_id")
    url = serializers.CharField()

    def get_object(self, link) -> str:
        return "connect_onboarding_link"


class ConnectStatusSerializer(serializers.Serializer):
    object = serializers.SerializerMethodField()
    accountId = serializers.CharField(source="account_id", allow_null=True)
    onboarded = serializers.BooleanField()
    payoutsEnabled = serializers.BooleanField(source="payouts_enabled")
    livemode = serializers.BooleanField()

    def get_object(self, status) -> str:
        return "connect_status"
