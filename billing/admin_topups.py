"""Admin for top-ups, their credits and reversals, billing settings and developer webhooks."""

from __future__ import annotations

from django.contrib import admin, messages

from billing.models_topups import (
    DeveloperWebhookEndpoint,
    ProjectBillingSettings,
    TopUp,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEvent,
)
from billing.webhooks_out import webhook_delivery_resend
from llmgateway.money import usd_display


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money rows change only through services; admin shows them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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


@admin.register(DeveloperWebhookEndpoint)
class DeveloperWebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "url", "livemode", "enabled", "created_at", "deleted_at"]
    list_filter = ["livemode", "enabled"]
    search_fields = ["id", "url", "project__name"]
    exclude = ["secret"]
    readonly_fields = ["id", "project", "livemode", "created_at", "deleted_at"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "type", "project", "livemode", "created_at"]
    list_filter = ["type", "livemode"]
    search_fields = ["id"]


class WebhookDeliveryAttemptInline(admin.TabularInline):
    model = WebhookDeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "succeeded", "status_code", "error", "response_excerpt",
                       "duration_ms", "created_at"]  # fmt: skip

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "event", "endpoint", "status", "attempt_count", "last_status_code",
                    "next_attempt_at", "updated_at"]  # fmt: skip
    list_filter = ["status"]
    search_fields = ["event__id", "endpoint__id", "endpoint__url"]
    inlines = [WebhookDeliveryAttemptInline]
    actions = ["resend"]

    @admin.action(description="Resend now")
    def resend(self, request, queryset) -> None:
        for delivery_id in queryset.values_list("pk", flat=True):
            webhook_delivery_resend(delivery_id=delivery_id)
        messages.success(request, f"Queued {queryset.count()} deliveries.")
