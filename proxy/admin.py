"""Operator views of request logs and daily usage (read-only: they are records, not settings)."""

from django.contrib import admin

from llmgateway.money import usd_display
from proxy.models import RequestLog, UsageDaily


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RequestLog)
class RequestLogAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "project",
        "model",
        "provider",
        "attempts",
        "endpoint",
        "stream",
        "status_code",
        "outcome",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "latency_ms",
        "livemode",
    )
    list_filter = ("livemode", "outcome", "endpoint", "stream", "status_code", "provider", "model")
    search_fields = ("request_id", "session_id", "customer_id", "wallet_id", "model")
    date_hierarchy = "created_at"
    list_select_related = ("project",)

    @admin.display(description="cost (USD)", ordering="cost_nanos")
    def cost_usd(self, log):
        return usd_display(log.cost_nanos)


@admin.register(UsageDaily)
class UsageDailyAdmin(ReadOnlyAdmin):
    list_display = (
        "date",
        "project",
        "api_key",
        "model",
        "requests",
        "errors",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "livemode",
    )
    list_filter = ("livemode", "model", "date")
    search_fields = ("model", "project__name")
    date_hierarchy = "date"
    list_select_related = ("project", "api_key")

    @admin.display(description="cost (USD)", ordering="cost_nanos")
    def cost_usd(self, usage):
        return usd_display(usage.cost_nanos)
