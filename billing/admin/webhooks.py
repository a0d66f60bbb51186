"""Admin for developer webhooks: endpoints, events, deliveries and their attempts (resend)."""

from __future__ import annotations

from django.contrib import admin, messages

from billing.admin.read_only import ReadOnlyAdmin
from billing.models import (
    DeveloperWebhookEndpoint,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEvent,
)
from billing.webhooks.events import webhook_delivery_resend


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
