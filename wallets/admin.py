"""The operator console for end users' money: customers, wallets, the ledger and holds.

Money is never edited as a field. Balances change only through ledger services: the "Adjust
balance" page on a wallet (`wallets.services.wallet_adjust`) and, on organizations, "Grant
credits". Both need the `wallets.add_ledgertransaction` permission; freezing and unfreezing a
wallet needs `wallets.change_wallet`. Ledger rows and holds are read-only here.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from llmgateway.admin import ReadOnlyAdminMixin
from llmgateway.errors import ApiError, IdempotencyConflict
from llmgateway.money import usd_display
from wallets import services
from wallets.admin_forms import (
    AdjustBalanceForm,
    change_form_with_operator_links,
    change_list_with_summary,
    render_operator_form,
)
from wallets.models import Customer, Hold, LedgerAccount, LedgerEntry, LedgerTransaction, Wallet
from wallets.selectors import ledger_shortfall_totals


def _admin_url(model, view: str, *args, **query) -> str:
    """An admin URL; primary keys are quoted the admin's way (ids hold "_", its escape)."""
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    url = reverse(name, args=[quote(arg) for arg in args])
    return f"{url}?{urlencode(query)}" if query else url


def _signed_usd(nanos: int) -> str:
    return usd_display(nanos, signed=True)


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
        services.customer_update(
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
            _admin_url(Wallet, "change", wallet.pk),
            wallet.pk,
            usd_display(wallet.balance_nanos),
        )


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "customer_external_id",
        "project",
        "livemode",
        "status",
        "balance",
        "held",
        "available",
        "created_at",
    ]
    list_filter = ["status", "livemode"]
    list_select_related = ["customer__project__organization"]
    search_fields = ["=id", "=customer__id", "customer__external_id", "customer__email"]
    search_help_text = "Exact wallet or customer id, or the customer's external id or email."
    fields = [
        "id",
        "customer",
        "project",
        "livemode",
        "status",
        "balance",
        "held",
        "available",
        "history",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["freeze_wallets", "unfreeze_wallets"]
    change_form_template = property(lambda self: change_form_with_operator_links())

    @admin.display(description="Customer", ordering="customer__external_id")
    def customer_external_id(self, wallet) -> str:
        return wallet.customer.external_id

    @admin.display(description="Project", ordering="customer__project__name")
    def project(self, wallet) -> str:
        return str(wallet.customer.project)

    @admin.display(description="Balance (USD)", ordering="balance_nanos")
    def balance(self, wallet) -> str:
        return usd_display(wallet.balance_nanos)

    @admin.display(description="Held (USD)", ordering="held_nanos")
    def held(self, wallet) -> str:
        return usd_display(wallet.held_nanos)

    @admin.display(description="Available (USD)")
    def available(self, wallet) -> str:
        return usd_display(wallet.available_nanos)

    @admin.display(description="History")
    def history(self, wallet) -> str:
        account = LedgerAccount.objects.filter(wallet=wallet).values_list("pk", flat=True).first()
        return format_html(
            '<a href="{}">Ledger entries</a> · <a href="{}">Holds</a>',
            _admin_url(LedgerEntry, "changelist", account__id__exact=account),
            _admin_url(Hold, "changelist", wallet__id__exact=wallet.pk),
        )

    # --- Freeze and unfreeze.

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("wallets.change_wallet")

    @admin.action(description="Freeze selected wallets", permissions=["operate"])
    def freeze_wallets(self, request, queryset) -> None:
        self._set_status(request, queryset, Wallet.Status.FROZEN)

    @admin.action(description="Unfreeze selected wallets", permissions=["operate"])
    def unfreeze_wallets(self, request, queryset) -> None:
        self._set_status(request, queryset, Wallet.Status.ACTIVE)

    def _set_status(self, request, queryset, status: str) -> None:
        changed = 0
        for wallet in queryset:
            if wallet.status != status:
                services.wallet_set_status(wallet_id=wallet.pk, status=status)
                self.log_change(request, wallet, f"Set status to {status}.")
                changed += 1
        self.message_user(request, f"{changed} wallet(s) now {status}.")

    # --- Adjust balance: an operator's correction, posted to the ledger with a reason.

    def has_adjust_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("wallets.add_ledgertransaction")

    def get_urls(self):
        adjust = path(
            "<path:object_id>/adjust/",
            self.admin_site.admin_view(self.adjust_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_adjust",
        )
        return [adjust, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        links = []
        if self.has_adjust_permission(request):
            links.append(
                {"url": _admin_url(Wallet, "adjust", unquote(object_id)), "label": "Adjust balance"}
            )
        extra_context = {**(extra_context or {}), "operator_links": links}
        return super().change_view(request, object_id, form_url, extra_context)

    def adjust_view(self, request: HttpRequest, object_id: str):
        wallet = self.get_object(request, unquote(object_id))
        if wallet is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_adjust_permission(request):
            raise PermissionDenied
        form = AdjustBalanceForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            amount_nanos = form.cleaned_data["amount"]
            idempotency_key = form.idempotency_key(scope=f"admin-adjust:{wallet.pk}")
            # Only for the message: the ledger's unique key is what makes a replay move nothing.
            replayed = bool(idempotency_key) and (
                LedgerTransaction.objects.filter(idempotency_key=idempotency_key).exists()
            )
            try:
                txn = services.wallet_adjust(
                    wallet_id=wallet.pk,
                    amount_nanos=amount_nanos,
                    reason=form.cleaned_data["reason"],
                    actor=request.user.get_username(),
                    idempotency_key=idempotency_key,
                )
            except IdempotencyConflict:
                form.refuse_reused_token()
            except ApiError as error:
                form.add_service_error(error)
            else:
                wallet.refresh_from_db()
                balance = f"Balance is now {usd_display(wallet.balance_nanos)}."
                if replayed:
                    self.message_user(
                        request,
                        f"This adjustment was already made (txn_{txn.pk}); nothing more was "
                        f"moved. {balance}",
                        messages.WARNING,
                    )
                else:
                    done = f"Adjusted by {_signed_usd(amount_nanos)} (txn_{txn.pk})"
                    self.log_change(request, wallet, f"{done}: {txn.description}")
                    self.message_user(request, f"{done}. {balance}")
                return HttpResponseRedirect(_admin_url(Wallet, "change", wallet.pk))
        return render_operator_form(
            request,
            model_admin=self,
            original=wallet,
            form=form,
            title="Adjust balance",
            summary=(
                f"Balance {usd_display(wallet.balance_nanos)}, "
                f"held {usd_display(wallet.held_nanos)}, "
                f"available {usd_display(wallet.available_nanos)} "
                f"({'live' if wallet.livemode else 'test'} mode). "
                "A debit can take at most the available amount."
            ),
            submit_label="Post adjustment",
        )


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
            _admin_url(LedgerEntry, "changelist", account__id__exact=account.pk),
        )


class LedgerEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LedgerEntry
    fields = ["account", "amount", "created_at"]
    readonly_fields = fields

    @admin.display(description="Amount (USD)")
    def amount(self, entry) -> str:
        return _signed_usd(entry.amount_nanos)


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
        return _signed_usd(entry.amount_nanos)


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


from wallets import admin_books  # noqa: E402, F401  (the books check: runs and checkpoints)
