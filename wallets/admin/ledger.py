"""Admin for the ledger and holds, all read-only: accounts (with what the platform did not
collect or lost), transactions with their entries, entries, and holds."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Sum
from django.utils.html import format_html

from llmgateway.admin import ReadOnlyAdminMixin
from llmgateway.money import usd_display
from wallets.admin.pages import admin_url, change_list_with_summary, signed_usd
from wallets.models import Hold, LedgerAccount, LedgerEntry, LedgerTransaction
from wallets.selectors import ledger_shortfall_totals


def _usd_by_mode(totals: dict[str, int]) -> str:
    return f"live {usd_display(totals['live'])}, test {usd_display(totals['test'])}"


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Accounts, with what the platform did not collect or lost above the list (ledger_check
    prints the same figures)."""

    list_display = ["id", "kind", "owner", "livemode", "cached_balance", "held", "created_at"]
    list_filter = ["kind", "livemode"]
    list_select_related = ["organization", "wallet"]
    search_fields = ["=wallet__id", "=organization__id", "organization__name"]
    search_help_text = "Exact wallet or organization id, or the organization's name."
    fields = [
        "id",
        "kind",
        "livemode",
        "organization",
        "wallet",
        "cached_balance",
        "held",
        "entries_sum",
        "created_at",
    ]
    readonly_fields = fields
    change_list_template = property(lambda self: change_list_with_summary())

    def changelist_view(self, request, extra_context=None):
        totals = ledger_shortfall_totals()
        summary = (
            f"Uncollected usage: {_usd_by_mode(totals.uncollected_nanos)} · "
            f"Platform losses: {_usd_by_mode(totals.platform_losses_nanos)}"
        )
        extra_context = {
            **(extra_context or {}),
            "summary": summary,
            "summary_id": "ledger-shortfall",
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="Owner")
    def owner(self, account) -> str:
        return account.wallet_id or (account.organization and account.organization.name) or "—"

    @admin.display(description="Cached balance (USD)")
    def cached_balance(self, account) -> str:
        if account.wallet_id:
            return usd_display(account.wallet.balance_nanos)
        if account.balance_nanos is None:
            return "— (system account: sum of entries)"
        return usd_display(account.balance_nanos)

    @admin.display(description="Held (USD)")
    def held(self, account) -> str:
        # Holds reserve on wallets (cached on the wallet row) and on organization credits.
        return usd_display(account.wallet.held_nanos if account.wallet_id else account.held_nanos)

    @admin.display(description="Sum of entries (USD)")
    def entries_sum(self, account) -> str:
        total = account.entries.aggregate(total=Sum("amount_nanos"))["total"] or 0
        return format_html(
            '{} · <a href="{}">entries</a>',
            usd_display(total),
            admin_url(LedgerEntry, "changelist", account__id__exact=account.pk),
        )


class LedgerEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LedgerEntry
    fields = ["account", "amount", "created_at"]
    readonly_fields = fields

    @admin.display(description="Amount (USD)")
    def amount(self, entry) -> str:
        return signed_usd(entry.amount_nanos)


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "livemode",
        "description",
        "actor",
        "idempotency_key",
        "created_at",
    ]
    list_filter = ["kind", "livemode"]
    search_fields = ["idempotency_key", "description", "actor", "id__exact"]
    search_help_text = "Idempotency key, description, actor, or the transaction number."
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = [
        "id",
        "kind",
        "livemode",
        "description",
        "actor",
        "idempotency_key",
        "metadata",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [LedgerEntryInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "transaction", "account", "amount", "created_at"]
    list_filter = ["account__kind", "account__livemode", "transaction__kind"]
    list_select_related = ["transaction", "account"]
    search_fields = [
        "=account__wallet__id",
        "=account__organization__id",
        "account__organization__name",
        "transaction__description",
        "transaction__id__exact",
    ]
    search_help_text = "Exact wallet or organization id, organization name, or description."
    show_full_result_count = False
    fields = ["id", "transaction", "account", "amount", "created_at"]
    readonly_fields = fields

    @admin.display(description="Amount (USD)", ordering="amount_nanos")
    def amount(self, entry) -> str:
        return signed_usd(entry.amount_nanos)


class HoldTargetFilter(admin.SimpleListFilter):
    title = "reserved on"
    parameter_name = "on"

    def lookups(self, request, model_admin):
        return [("wallet", "End-user wallet"), ("credits", "Organization credits")]

    def queryset(self, request, queryset):
        if self.value() == "wallet":
            return queryset.filter(wallet__isnull=False)
        if self.value() == "credits":
            return queryset.filter(account__isnull=False)
        return queryset


class UncollectedFilter(admin.SimpleListFilter):
    title = "uncollected usage"
    parameter_name = "uncollected"

    def lookups(self, request, model_admin):
        return [("yes", "Some usage uncollected")]

    def queryset(self, request, queryset):
        return queryset.filter(uncollected_nanos__gt=0) if self.value() == "yes" else queryset


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "reserved_on",
        "amount",
        "charged",
        "uncollected",
        "status",
        "request_id",
        "session",
        "expires_at",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", HoldTargetFilter, UncollectedFilter]
    list_select_related = ["wallet", "account__organization", "session"]
    search_fields = [
        "=id",
        "=wallet__id",
        "=account__organization__id",
        "account__organization__name",
        "=request_id",
        "=session__id",
    ]
    search_help_text = "Exact hold, wallet, organization, request or session id; or org name."
    show_full_result_count = False
    fields = [
        "id",
        "wallet",
        "account",
        "session",
        "amount",
        "charged",
        "uncollected",
        "status",
        "request_id",
        "expires_at",
        "created_at",
        "finished_at",
    ]
    readonly_fields = fields

    @admin.display(description="Reserved on")
    def reserved_on(self, hold) -> str:
        if hold.wallet_id:
            return hold.wallet_id
        return f"{hold.account.organization.name} credits" if hold.account else "—"

    @admin.display(description="Amount held (USD)", ordering="amount_nanos")
    def amount(self, hold) -> str:
        return usd_display(hold.amount_nanos)

    @admin.display(description="Charged (USD)", ordering="charged_nanos")
    def charged(self, hold) -> str:
        return usd_display(hold.charged_nanos)

    @admin.display(description="Uncollected (USD)", ordering="uncollected_nanos")
    def uncollected(self, hold) -> str:
        """The part of the charge the payer's balance could not cover (docs/ledger.md)."""
        return usd_display(hold.uncollected_nanos)
