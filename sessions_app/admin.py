"""The operator console for end users: customers. Blocking one here revokes its sessions at once
(`sessions_app.services.customer_change`), which is why this admin is sessions_app's; customers
and their wallets are wallets' models (wallets/admin/)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from llmgateway.money import usd_display
from sessions_app import services
from wallets.admin.pages import admin_url
from wallets.models import Customer, Wallet


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """End users are created by the API on first sight, with their wallet; here they are edited."""

    list_display = [
        "external_id",
        "email",
        "name",
        "project",
        "livemode",
        "status",
        "wallet_balance",
        "created_at",
    ]
    list_filter = ["status", "livemode", "project"]
    list_select_related = ["project__organization", "wallet"]
    search_fields = ["external_id", "email", "name", "=id"]
    search_help_text = "External id, email, name, or the exact customer id (cus_…)."
    fields = [
        "id",
        "project",
        "livemode",
        "external_id",
        "email",
        "name",
        "status",
        "metadata",
        "wallet_link",
        "created_at",
    ]
    readonly_fields = ["id", "project", "livemode", "external_id", "wallet_link", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # Through the service, so that blocking here also revokes the customer's sessions.
        services.customer_change(
            customer=Customer.objects.get(pk=obj.pk),
            email=obj.email,
            name=obj.name,
            status=obj.status,
            metadata=obj.metadata,
        )

    @admin.display(description="Balance (USD)", ordering="wallet__balance_nanos")
    def wallet_balance(self, customer) -> str:
        return usd_display(customer.wallet.balance_nanos)

    @admin.display(description="Wallet")
    def wallet_link(self, customer) -> str:
        wallet = customer.wallet
        return format_html(
            '<a href="{}">{}</a> (balance {})',
            admin_url(Wallet, "change", wallet.pk),
            wallet.pk,
            usd_display(wallet.balance_nanos),
        )
