"""Admin for end users' wallets: read-only figures, freeze and unfreeze, and "Adjust balance"
(an operator's correction, posted to the ledger with a reason through `wallet_adjust`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html

from llmgateway.admin import ReadOnlyAdminMixin
from llmgateway.errors import ApiError, IdempotencyConflict
from llmgateway.money import usd_display
from wallets import services
from wallets.admin.forms import AdjustBalanceForm
from wallets.admin.pages import (
    admin_url,
    change_form_with_operator_links,
    render_operator_form,
    signed_usd,
)
from wallets.models import Hold, LedgerAccount, LedgerEntry, LedgerTransaction, Wallet


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
            admin_url(LedgerEntry, "changelist", account__id__exact=account),
            admin_url(Hold, "changelist", wallet__id__exact=wallet.pk),
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
                {"url": admin_url(Wallet, "adjust", unquote(object_id)), "label": "Adjust balance"}
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
                    done = f"Adjusted by {signed_usd(amount_nanos)} (txn_{txn.pk})"
                    self.log_change(request, wallet, f"{done}: {txn.description}")
                    self.message_user(request, f"{done}. {balance}")
                return HttpResponseRedirect(admin_url(Wallet, "change", wallet.pk))
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
