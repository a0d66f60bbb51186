"""Admin for an organization's credits: the tenancy admin's organization page
(llmgateway/admin.py) with its live and test credits, and "Grant credits", a ledger movement
through `organization_credit_grant` (so a form calling one service, not a field edit)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse

from llmgateway.admin import OrganizationAdmin
from llmgateway.errors import ApiError
from llmgateway.models import Organization
from llmgateway.money import usd_display
from wallets import services
from wallets.admin.forms import GrantCreditsForm
from wallets.admin.pages import change_form_with_operator_links, render_operator_form
from wallets.models import LedgerAccount


def _credits_subquery(livemode: bool) -> Subquery:
    return Subquery(
        LedgerAccount.objects.filter(
            organization=OuterRef("pk"), kind=LedgerAccount.Kind.ORG_CREDITS, livemode=livemode
        ).values("balance_nanos")[:1]
    )


# The kernel registered the tenancy page; this app's version of it adds the credits.
admin.site.unregister(Organization)


@admin.register(Organization)
class OrganizationCreditsAdmin(OrganizationAdmin):
    list_display = [
        "name",
        "id",
        "member_count",
        "project_count",
        "live_credits",
        "test_credits",
        "created_at",
    ]
    readonly_fields = ["id", "live_credits", "test_credits", "created_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name"]
        return ["id", "name", "live_credits", "test_credits", "created_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                live_credits_nanos=_credits_subquery(livemode=True),
                test_credits_nanos=_credits_subquery(livemode=False),
            )
        )

    @admin.display(description="Live credits (USD)", ordering="live_credits_nanos")
    def live_credits(self, organization) -> str:
        return usd_display(organization.live_credits_nanos or 0)

    @admin.display(description="Test credits (USD)", ordering="test_credits_nanos")
    def test_credits(self, organization) -> str:
        return usd_display(organization.test_credits_nanos or 0)

    # --- Grant credits.

    change_form_template = property(lambda self: change_form_with_operator_links())

    def has_grant_permission(self, request: HttpRequest) -> bool:
        # One permission gates every operator money movement (grants here, wallet adjustments).
        return request.user.has_perm("wallets.add_ledgertransaction")

    def get_urls(self):
        grant = path(
            "<path:object_id>/grant-credits/",
            self.admin_site.admin_view(self.grant_credits_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_grant_credits",
        )
        return [grant, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        links = []
        if self.has_grant_permission(request):
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_grant_credits",
                args=[object_id],  # still quoted, as it came in the URL
            )
            links.append({"url": url, "label": "Grant credits"})
        extra_context = {**(extra_context or {}), "operator_links": links}
        return super().change_view(request, object_id, form_url, extra_context)

    def grant_credits_view(self, request: HttpRequest, object_id: str):
        organization = self.get_object(request, unquote(object_id))
        if organization is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_grant_permission(request):
            raise PermissionDenied
        form = GrantCreditsForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                txn, created = services.organization_credit_grant(
                    organization_id=organization.pk,
                    amount_nanos=data["amount"],
                    reason=data["reason"],
                    livemode=data["mode"] == "live",
                    actor=request.user.get_username(),
                    idempotency_key=data["idempotency_key"],
                )
            except ApiError as error:
                form.add_service_error(error)
            else:
                amount = f"{usd_display(data['amount'])} {data['mode']}"
                if created:
                    self.log_change(
                        request, organization, f"Granted {amount} credits (txn_{txn.pk})."
                    )
                    self.message_user(request, f"Granted {amount} credits (txn_{txn.pk}).")
                else:
                    self.message_user(
                        request,
                        f"This grant was already made (txn_{txn.pk}); nothing more was granted.",
                        messages.WARNING,
                    )
                return HttpResponseRedirect(
                    reverse(
                        f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                        args=[quote(organization.pk)],
                    )
                )
        return render_operator_form(
            request,
            model_admin=self,
            original=organization,
            form=form,
            title="Grant credits",
            summary=(
                f"Credits are what {organization.name} spends on its own sk_ traffic. "
                f"Now: ${self.live_credits(organization)} live, "
                f"${self.test_credits(organization)} test."
            ),
            submit_label="Grant credits",
        )
