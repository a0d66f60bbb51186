"""End users of a project: search, wallet and ledger, credit grants, blocking, sessions."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dashboard.access import ADMIN, org_page
from dashboard.forms import GrantCreditsForm, LedgerFilterForm
from dashboard.selectors import customers_search, ledger_rows_annotate, wallet_ledger_filtered
from dashboard.views.common import confirm, form_error_from, page
from llmgateway.errors import ApiError, IdempotencyConflict
from llmgateway.money import usd_display
from sessions_app.models import EmbeddedSession
from sessions_app.services import customer_block, customer_unblock, sessions_revoke_for_customer
from wallets.models import Customer
from wallets.selectors import organization_balance
from wallets.services import wallet_grant_from_organization

CUSTOMERS_PER_PAGE = 50
LEDGER_PER_PAGE = 50


@org_page(with_project=True)
def customers(request: HttpRequest) -> HttpResponse:
    dashboard = request.dashboard
    query = request.GET.get("q", "")
    found = customers_search(project=dashboard.project, livemode=dashboard.livemode, query=query)
    listing = Paginator(found, CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"customers": listing, "q": query}
    if request.headers.get("HX-Request") == "true":
        return page(request, "dashboard/_customer_rows.html", context)
    return page(request, "dashboard/customers.html", context)


def _customer(request: HttpRequest, customer_id: str) -> Customer:
    dashboard = request.dashboard
    customer = (
        Customer.objects.select_related("wallet")
        .filter(pk=customer_id, project=dashboard.project, livemode=dashboard.livemode)
        .first()
    )
    if customer is None:
        raise Http404("No such customer in this project and mode.")
    return customer


def _customer_url(request: HttpRequest, customer: Customer) -> str:
    dashboard = request.dashboard
    return reverse(
        "dashboard:customer", args=[dashboard.organization.pk, dashboard.project.pk, customer.pk]
    )


def _customer_page(request: HttpRequest, customer: Customer, *, grant_form=None, status=200):
    dashboard = request.dashboard
    filters = LedgerFilterForm(request.GET or None)
    entries = wallet_ledger_filtered(wallet_id=customer.wallet.pk)
    if filters.is_valid():
        entries = wallet_ledger_filtered(
            wallet_id=customer.wallet.pk,
            kind=filters.cleaned_data["kind"],
            since=filters.cleaned_data["since"],
            until=filters.cleaned_data["until"],
        )
    listing = Paginator(entries, LEDGER_PER_PAGE).get_page(request.GET.get("page"))
    listing.object_list = ledger_rows_annotate(
        wallet_id=customer.wallet.pk, entries=list(listing.object_list)
    )
    query = request.GET.copy()
    query.pop("page", None)
    now = timezone.now()
    return page(
        request,
        "dashboard/customer.html",
        {
            "customer": customer,
            "wallet": customer.wallet,
            "filters": filters,
            "entries": listing,
            "ledger_query": query.urlencode(),
            "grant_form": grant_form or GrantCreditsForm(),
            "org_credits": organization_balance(
                organization_id=dashboard.organization.pk, livemode=dashboard.livemode
            ).credits_nanos,
            "active_sessions": EmbeddedSession.objects.filter(
                customer=customer, revoked_at__isnull=True, expires_at__gt=now
            ).count(),
            "can_manage": dashboard.can(ADMIN),
        },
        status=status,
    )


@org_page(with_project=True)
def customer(request: HttpRequest, customer_id: str) -> HttpResponse:
    return _customer_page(request, _customer(request, customer_id))


@org_page(role=ADMIN, with_project=True)
@require_POST
def customer_grant(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer = _customer(request, customer_id)
    form = GrantCreditsForm(request.POST)
    if form.is_valid():
        try:
            _, created = wallet_grant_from_organization(
                wallet_id=customer.wallet.pk,
                amount_nanos=form.cleaned_data["amount_usd"],
                reason=form.cleaned_data["reason"] or "Granted from the dashboard",
                idempotency_key=form.idempotency_key(scope=f"dashboard-grant:{customer.wallet.pk}"),
                actor=f"dashboard:{request.user.get_username()}",
            )
        except IdempotencyConflict:
            form.refuse_reused_token()
        except ApiError as error:
            form_error_from(form, error, field_for_param={"amount": "amount_usd"})
        else:
            if created:
                messages.success(
                    request,
                    f"Granted {usd_display(form.cleaned_data['amount_usd'])} to "
                    f"{customer.external_id}.",
                )
            else:
                messages.warning(request, "This grant was already made; nothing more was moved.")
            return redirect(_customer_url(request, customer))
    customer.wallet.refresh_from_db()
    return _customer_page(request, customer, grant_form=form, status=400)


@org_page(role=ADMIN, with_project=True)
def customer_status(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer = _customer(request, customer_id)
    blocking = customer.status == Customer.Status.ACTIVE
    if request.method != "POST":
        return confirm(
            request,
            title="Block customer" if blocking else "Unblock customer",
            message=(
                f"Block {customer.external_id}? Their sessions are revoked at once and new "
                "ones are refused until you unblock them."
                if blocking
                else f"Unblock {customer.external_id}? They can start sessions again."
            ),
            action_label="Block" if blocking else "Unblock",
            cancel_url=_customer_url(request, customer),
            danger=blocking,
        )
    if blocking:
        customer_block(customer=customer)
    else:
        customer_unblock(customer=customer)
    messages.success(request, f"{customer.external_id} is now {customer.status}.")
    return redirect(_customer_url(request, customer))


@org_page(with_project=True)
def customer_sessions_revoke(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer = _customer(request, customer_id)
    if request.method != "POST":
        return confirm(
            request,
            title="Revoke sessions",
            message=f"Revoke every session of {customer.external_id}? Their browser tokens stop "
            "working at once (your backend can mint new ones).",
            action_label="Revoke sessions",
            cancel_url=_customer_url(request, customer),
        )
    count = sessions_revoke_for_customer(customer_id=customer.pk)
    messages.success(request, f"{count} session(s) revoked.")
    return redirect(_customer_url(request, customer))
