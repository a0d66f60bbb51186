"""Admin for connected accounts, payout settings and payouts (retry and cancel go through the
services)."""

from __future__ import annotations

from django.contrib import admin, messages

from llmgateway.errors import ApiError
from llmgateway.money import usd_display
from payouts import services
from payouts.models import ConnectedAccount, Payout, PayoutSettings


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(admin.ModelAdmin):
    list_display = ["stripe_account_id", "organization", "livemode", "details_submitted",
                    "payouts_enabled", "stripe_synced_at", "created_at"]  # fmt: skip
    list_filter = ["livemode", "payouts_enabled", "details_submitted"]
    search_fields = ["stripe_account_id", "organization__name", "organization__id"]
    # Stripe's account.updated webhooks own these flags.
    readonly_fields = ["organization", "livemode", "stripe_account_id", "details_submitted",
                       "payouts_enabled", "charges_enabled", "stripe_synced_at", "created_at",
                       "updated_at"]  # fmt: skip

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PayoutSettings)
class PayoutSettingsAdmin(admin.ModelAdmin):
    list_display = ["organization", "automatic_payouts_enabled", "threshold"]
    autocomplete_fields = ["organization"]

    @admin.display(description="automatic threshold (USD)")
    def threshold(self, row: PayoutSettings) -> str:
        if row.automatic_threshold_nanos is None:
            return "default"
        return usd_display(row.automatic_threshold_nanos)


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "amount", "status", "trigger", "transfer_id",
                    "transfer_attempts", "livemode", "created_at", "paid_at"]  # fmt: skip
    list_filter = ["status", "trigger", "livemode"]
    search_fields = ["id", "transfer_id", "organization__name", "organization__id"]
    date_hierarchy = "created_at"
    actions = ["retry_payouts", "cancel_payouts"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Payout._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="amount (USD)")
    def amount(self, payout: Payout) -> str:
        return usd_display(payout.amount_nanos)

    def _each(self, request, queryset, action, done: str) -> None:
        for payout in queryset:
            try:
                action(payout_id=payout.pk, actor=f"admin:{request.user.get_username()}")
            except ApiError as error:
                self.message_user(request, f"{payout.pk}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{payout.pk}: {done}", messages.SUCCESS)

    @admin.action(description="Retry the transfer (failed: reserve again)")
    def retry_payouts(self, request, queryset) -> None:
        self._each(request, queryset, services.payout_retry, "queued for transfer")

    @admin.action(description="Cancel (pending only) and release the reservation")
    def cancel_payouts(self, request, queryset) -> None:
        self._each(request, queryset, services.payout_cancel, "canceled, reservation released")
