"""Request and response bodies of the customer and wallet endpoints (camelCase)."""

from __future__ import annotations

from rest_framework import serializers

from llmgateway.fields import UsdAmountField, UsdField
from wallets.models import Customer


class CustomerSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.SerializerMethodField()
    externalId = serializers.CharField(source="external_id")
    email = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    livemode = serializers.BooleanField()
    walletId = serializers.CharField(source="wallet.pk")
    metadata = serializers.DictField()
    createdAt = serializers.DateTimeField(source="created_at")

    def get_object(self, customer) -> str:
        return "customer"


class CustomerCreateSerializer(serializers.Serializer):
    externalId = serializers.CharField(max_length=255)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    name = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    metadata = serializers.DictField(required=False, default=dict)


class CustomerUpdateSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    status = serializers.ChoiceField(choices=Customer.Status.values, required=False)
    metadata = serializers.DictField(required=False)


class WalletSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.SerializerMethodField()
    customerId = serializers.CharField(source="customer_id")
    balance = UsdField(source="balance_nanos")
    held = UsdField(source="held_nanos")
    available = UsdField(source="available_nanos")
    currency = serializers.SerializerMethodField()
    status = serializers.CharField()
    livemode = serializers.BooleanField()

    def get_object(self, wallet) -> str:
        return "wallet"

    def get_currency(self, wallet) -> str:
        return "usd"


class LedgerEntrySerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    object = serializers.SerializerMethodField()
    transactionId = serializers.SerializerMethodField()
    type = serializers.CharField(source="transaction.kind")
    amount = UsdField(source="amount_nanos")
    description = serializers.CharField(source="transaction.description")
    createdAt = serializers.DateTimeField(source="created_at")

    def get_id(self, entry) -> str:
        return f"le_{entry.pk}"

    def get_object(self, entry) -> str:
        return "ledger_entry"

    def get_transactionId(self, entry) -> str:
        return f"txn_{entry.transaction_id}"


class OwnWalletSerializer(WalletSerializer):
    recentLedger = LedgerEntrySerializer(many=True, source="recent_ledger")


class WalletCreditSerializer(serializers.Serializer):
    amount = UsdAmountField(min_nanos=1)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    idempotencyKey = serializers.CharField(max_length=200, required=False)


class WalletCreditResultSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    object = serializers.SerializerMethodField()
    walletId = serializers.CharField(source="wallet.pk")
    amount = UsdField(source="amount_nanos")
    reason = serializers.CharField(source="transaction.description")
    balance = UsdField(source="wallet.balance_nanos")
    createdAt = serializers.DateTimeField(source="transaction.created_at")

    def get_id(self, result) -> str:
        return f"txn_{result.transaction.pk}"

    def get_object(self, result) -> str:
        return "wallet_credit"


class OrganizationBalanceSerializer(serializers.Serializer):
    object = serializers.SerializerMethodField()
    livemode = serializers.SerializerMethodField()
    credits = UsdField(source="credits_nanos")
    marginAvailable = UsdField(source="margin_available_nanos")
    marginReserved = UsdField(source="margin_reserved_nanos")
    marginPaid = UsdField(source="margin_paid_nanos")

    def get_object(self, balance) -> str:
        return "balance"

    def get_livemode(self, balance) -> bool:
        return self.context["livemode"]
