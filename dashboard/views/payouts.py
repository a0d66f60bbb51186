"""Connect onboarding, margin figures, payout requests and history of an organization.

Both modes: in test mode the same services move test margin to a test connected account
(Stripe's test mode with STRIPE_TEST_SECRET_KEY, else the simulated provider), so the whole
flow can be rehearsed. Refusals are worded for this page, not for the API.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from dashboard.access import ADMIN, org_page
from dashboard.forms import PayoutRequestForm
from dashboard.views.common import confirm, page
from llmgateway.errors import ApiError, IdempotencyConflict
from llmgateway.money import usd_display
from payouts import services as payout_services
from payouts.errors import (
    ConnectNotConfigured,
    ConnectProviderError,
    InsufficientMargin,
    PayoutsNotEnabled,
)
from payouts.models import Payout
from payouts.selectors import connect_status, payouts_for_organization
from payouts.services.simulated import ACCOUNT_PREFIX, connect_simulated
from wallets.selectors import organization_balance

HISTORY_LENGTH = 50


def _payouts_page(request: HttpRequest, *, form=None, status=200) -> HttpResponse:
    dashboard = request.dashboard
    organization_id = dashboard.organization.pk
    connect = connect_status(organization_id=organization_id, livemode=dashboard.livemode)
    return page(
        request,
        "dashboard/payouts.html",
        {
            "connect": connect,
            "simulated": connect_simulated(livemode=dashboard.livemode)
            or (connect.account_id or "").startswith(ACCOUNT_PREFIX),
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


def dashboard_wording(request: HttpRequest, error: ApiError, *, amount_nanos: int | None) -> str:
    """What a refusal means on this page (the API's messages name endpoints and fields)."""
    dashboard = request.dashboard
    if isinstance(error, PayoutsNotEnabled):
        return (
            "Your Stripe account cannot receive payouts yet: finish onboarding with “Connect "
            "with Stripe” above, then “Refresh status”."
        )
    if isinstance(error, InsufficientMargin):
        available = organization_balance(
            organization_id=dashboard.organization.pk, livemode=dashboard.livemode
        ).margin_available_nanos
        minimum = usd_display(payout_services.payout_minimum_nanos())
        if amount_nanos is None:
            return (
                f"Nothing to pay out yet: {usd_display(available)} of margin is available and "
                f"a payout is at least {minimum}."
            )
        return f"That is more than the {usd_display(available)} of margin available."
    if isinstance(error, IdempotencyConflict):
        return "This confirmation was already used for another amount: request the payout again."
    if isinstance(error, ConnectNotConfigured):
        mode = "live" if dashboard.livemode else "test"
        return (
            f"Stripe Connect is not configured for {mode} mode on this gateway: its operator "
            f"sets STRIPE_{mode.upper()}_SECRET_KEY."
        )
    if isinstance(error, ConnectProviderError):
        return "Stripe could not be reached just now; try again in a minute."
    if error.param == "amount":
        minimum = usd_display(payout_services.payout_minimum_nanos())
        return f"A payout is at least {minimum}, in whole cents."
    return error.message


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
        where = "your connected Stripe account"
        if not dashboard.livemode:
            where = "your test connected account (test money: nothing real moves)"
        return confirm(
            request,
            title="Request payout",
            message=f"Pay out {what} to {where}?",
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
        form.add_error(
            "amount_usd" if error.param == "amount" else None,
            dashboard_wording(request, error, amount_nanos=amount_nanos),
        )
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
    # Live Stripe needs https return URLs: on plain http the operator's CONNECT_*_URL apply.
    # Test mode takes this page as it is (http on a laptop).
    return_url = back if back.startswith("https://") or not dashboard.livemode else ""
    try:
        link = payout_services.connect_onboarding_start(
            organization_id=dashboard.organization.pk,
            livemode=dashboard.livemode,
            return_url=return_url,
            refresh_url=return_url,
        )
    except ApiError as error:
        messages.error(request, dashboard_wording(request, error, amount_nanos=None))
        return redirect("dashboard:payouts", org_id=dashboard.organization.pk)
    if link.account.stripe_account_id.startswith(ACCOUNT_PREFIX):
        messages.success(
            request,
            f"Simulated test account {link.account.stripe_account_id} connected: it can receive "
            "test payouts at once (no Stripe test key is set, so nothing leaves this gateway).",
        )
        return redirect("dashboard:payouts", org_id=dashboard.organization.pk)
    return redirect(link.url)


@org_page(role=ADMIN)
@require_POST
def connect_refresh(request: HttpRequest) -> HttpResponse:
    """Read the account from Stripe now, for gateways no `account.updated` webhook reaches."""
    dashboard = request.dashboard
    try:
        account = payout_services.connected_account_refresh(
            organization_id=dashboard.organization.pk, livemode=dashboard.livemode
        )
    except ApiError as error:
        messages.error(request, dashboard_wording(request, error, amount_nanos=None))
    else:
        if account is None:
            messages.error(request, "There is no connected account yet: connect with Stripe first.")
        elif account.payouts_enabled:
            messages.success(request, "Your Stripe account can receive payouts.")
        else:
            messages.warning(
                request, "Stripe says onboarding is not finished yet: continue onboarding."
            )
    return redirect("dashboard:payouts", org_id=dashboard.organization.pk)
