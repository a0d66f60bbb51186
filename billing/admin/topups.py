"""Admin for top-ups (read-only: money rows change only through services) and billing settings."""

from __future__ import annotations

from django.contrib import admin

from billing.admin.read_only import ReadOnlyAdmin
from billing.models import ProjectBillingSettings, TopUp
from llmgateway.money import usd_display


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = ["id", "wallet", "provider", "status", "amount", "net", "margin", "fee",
                    "livemode", "created_at"]  # fmt: skip
    list_filter = ["status", "provider", "livemode"]
    search_fields = ["id", "payment_intent_id", "charge_id", "wallet__id"]
    date_hierarchy = "created_at"

    @admin.display(description="amount (USD)")
    def amount(self, topup: TopUp) -> str:
        return usd_display(topup.amount_nanos)

    @admin.display(description="net credit (USD)")
    def net(self, topup: TopUp) -> str:
        return usd_display(topup.net_nanos)

    @admin.display(description="margin (USD)")
    def margin(self, topup: TopUp) -> str:
        return usd_display(topup.margin_nanos)

    @admin.display(description="fee (USD)")
    def fee(self, topup: TopUp) -> str:
        return usd_display(topup.fee_nanos)


@admin.register(ProjectBillingSettings)
class ProjectBillingSettingsAdmin(admin.ModelAdmin):
    list_display = ["project", "topup_min_nanos", "topup_max_nanos", "low_balance_threshold_nanos"]
    autocomplete_fields = ["project"]
