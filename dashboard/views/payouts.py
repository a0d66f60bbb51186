"""Connect onboarding, margin figures, payout requests and history of an organization."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from dashboard.access import ADMIN, org_page
from dashboard.forms import PayoutRequestForm
from dashboard.views.common import confirm, form_error_from, page
from llmgateway.errors import ApiError
from llmgateway.money import usd_display
from payouts import services as payout_services
from payouts.models import Payout
from payouts.selectors import connect_status, payouts_for_organization
from wallets.selectors import organization_balance

HISTORY_LENGTH = 50


def _payouts_page(request: HttpRequest, *, form=None, status=200) -> HttpResponse:
    dashboard = request.dashboard
    organization_id = dashboard.organization.pk
    return page(
        request,
        "dashboard/payouts.html",
        {
            "connect": connect_status(organization_id=organization_id, livemode=dashboard.livemode),
            "balance": organization_balance(
                organization_id=organization_id, livemode=dashboard.livemode
            ),
            "payouts": payouts_for_organization(
                organization_id=organization_id, livemode=dashboard.livemode
            )[:HISTORY_LENGTH],
            "form": form or PayoutRequestForm(),
            "minimum_nanos": payout_services.payout_minimum_nanos(),
        },
        status=status,
    )


@org_page(role=ADMIN)
def payouts(request: HttpRequest) -> HttpResponse:
    return _payouts_page(request)


@org_page(role=ADMIN)
@require_POST
def payout_request(request: HttpRequest) -> HttpResponse:
    """Two steps: the form POSTs here, a confirmation page POSTs again with `confirmed`."""
    dashboard = request.dashboard
    form = PayoutRequestForm(request.POST)
    if not form.is_valid():
        return _payouts_page(request, form=form, status=400)
    amount_nanos = form.cleaned_data["amount_usd"]
    if request.POST.get("confirmed") != "yes":
        what = "all available margin" if amount_nanos is None else usd_display(amount_nanos)
        return confirm(
            request,
            title="Request payout",
            message=f"Pay out {what} to your connected Stripe account?",
            action_label="Request payout",
            cancel_url=reverse("dashboard:payouts", args=[dashboard.organization.pk]),
            danger=False,
            fields={
                "amount_usd": request.POST.get("amount_usd", ""),
                "confirmed": "yes",
                # One key per confirmation page: submitting it twice makes one payout.
                "idempotency_key": f"dashboard-{uuid.uuid4()}",
            },
        )
    try:
        payout, _ = payout_services.payout_request(
            organization_id=dashboard.organization.pk,
            livemode=dashboard.livemode,
            amount_nanos=amount_nanos,
            requested_by_id=request.user.pk,
            idempotency_key=request.POST.get("idempotency_key", "")[:255] or None,
            trigger=Payout.Trigger.DASHBOARD,
        )
    except ApiError as error:
        form_error_from(form, error, field_for_param={"amount": "amount_usd"})
        return _payouts_page(request, form=form, status=400)
    messages.success(
        request, f"Payout {payout.pk} of {usd_display(payout.amount_nanos)} requested."
    )
    return redirect("dashboard:payouts", org_id=dashboard.organization.pk)


@org_page(role=ADMIN)
@require_POST
def connect_onboarding(request: HttpRequest) -> HttpResponse:
    """Create (once) the Express account and send the developer to Stripe's onboarding form."""
    dashboard = request.dashboard
    back = request.build_absolute_uri(
        reverse("dashboard:payouts", args=[dashboard.organization.pk])
    )
    # Stripe needs https return URLs; on plain http the operator's CONNECT_*_URL apply.
    return_url = back if back.startswith("https://") else ""
    try:
        link = payout_services.connect_onboarding_start(
            organization_id=dashboard.organization.pk,
            livemode=dashboard.livemode,
            return_url=return_url,
            refresh_url=return_url,
        )
    except ApiError as error:
        messages.error(request, error.message)
        return redirect("dashboard:payouts", org_id=dashboard.organization.pk)
    return redirect(link.url)
