"""Request and response bodies of the Connect and payout endpoints (camelCase)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import serializers

from llmgateway.errors import InvalidRequest
from llmgateway.fields import UsdAmountField, UsdField
from llmgateway.origins import origin_normalize
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


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        return origin_normalize(f"{parts.scheme}://{parts.netloc}")
    except (InvalidRequest, ValueError):
        return None


def connect_url_origins_allowed(project) -> set[str]:
    """Where Stripe may send a member back after onboarding: the project's allowed origins and
    the origins of the operator's CONNECT_RETURN_URL / CONNECT_REFRESH_URL. Anything else would
    let a key holder hand an admin a link that lands on a site of their choosing."""
    allowed = set(project.allowed_origins or [])
    for url in (settings.CONNECT_RETURN_URL, settings.CONNECT_REFRESH_URL):
        origin = _origin_of(url) if url else None
        if origin:
            allowed.add(origin)
    return allowed


class ConnectOnboardingCreateSerializer(serializers.Serializer):
    """`context["project"]`: the calling key's project, whose origins the URLs must be on."""

    returnUrl = serializers.URLField(required=False, max_length=2000)
    refreshUrl = serializers.URLField(required=False, max_length=2000)

    def _on_allowed_origin(self, value: str, field: str) -> str:
        if not value:
            return value
        origin = _origin_of(value)
        if origin is None or origin not in connect_url_origins_allowed(self.context["project"]):
            raise serializers.ValidationError(
                f"{field} must be on one of the project's allowed origins or the operator's "
                "CONNECT_RETURN_URL / CONNECT_REFRESH_URL."
            )
        return value

    def validate_returnUrl(self, value: str) -> str:
        return self._on_allowed_origin(value, "returnUrl")

    def validate_refreshUrl(self, value: str) -> str:
        return self._on_allowed_origin(value, "refreshUrl")


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
