"""A project's webhook endpoints and their recent deliveries."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing.webhooks.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_ping,
)
from billing.webhooks.events import webhook_delivery_resend
from dashboard.access import org_page
from dashboard.forms import WebhookEndpointForm
from dashboard.selectors import (
    webhook_deliveries_recent,
    webhook_delivery_for_project,
    webhook_endpoints_for_project,
)
from dashboard.views.common import confirm, form_error_from, page, secret_page
from llmgateway.errors import ApiError


def _webhooks_page(request: HttpRequest, *, form=None, created=None, status=200) -> HttpResponse:
    dashboard = request.dashboard
    context = {
        "endpoints": webhook_endpoints_for_project(
            project=dashboard.project, livemode=dashboard.livemode
        ),
        "deliveries": webhook_deliveries_recent(
            project=dashboard.project, livemode=dashboard.livemode
        ),
        "form": form or WebhookEndpointForm(),
        "created": created,
    }
    if created is not None:
        return secret_page(request, "dashboard/webhooks.html", context)
    return page(request, "dashboard/webhooks.html", context, status=status)


@org_page(with_project=True)
def webhooks(request: HttpRequest) -> HttpResponse:
    return _webhooks_page(request)


@org_page(with_project=True)
@require_POST
def webhook_create(request: HttpRequest) -> HttpResponse:
    dashboard = request.dashboard
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint = webhook_endpoint_create(
                project_id=dashboard.project.pk,
                livemode=dashboard.livemode,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
        except ApiError as error:
            form_error_from(form, error)
        else:
            return _webhooks_page(request, created=endpoint)
    return _webhooks_page(request, form=form, status=400)


def _endpoint_or_404(request: HttpRequest, endpoint_id: str):
    """One of this project's endpoints in the mode shown, or a 404."""
    dashboard = request.dashboard
    endpoint = (
        webhook_endpoints_for_project(project=dashboard.project, livemode=dashboard.livemode)
        .filter(pk=endpoint_id)
        .first()
    )
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def _back(request: HttpRequest) -> str:
    dashboard = request.dashboard
    return reverse("dashboard:webhooks", args=[dashboard.organization.pk, dashboard.project.pk])


@org_page(with_project=True)
def webhook_delete(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    if request.method != "POST":
        return confirm(
            request,
            title="Delete webhook endpoint",
            message=f"Delete {endpoint.url}? It receives no more events; pending deliveries "
            "to it are given up.",
            action_label="Delete endpoint",
            cancel_url=_back(request),
        )
    webhook_endpoint_delete(endpoint=endpoint)
    messages.success(request, f"Endpoint {endpoint.url} deleted.")
    return redirect(_back(request))


@org_page(with_project=True)
@require_POST
def webhook_test(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    """Send a signed `ping` to the endpoint now and say how it answered."""
    endpoint = _endpoint_or_404(request, endpoint_id)
    attempt = webhook_endpoint_ping(endpoint=endpoint)
    if attempt.succeeded:
        messages.success(
            request,
            f"Test event delivered to {endpoint.url}: HTTP {attempt.status_code} in "
            f"{attempt.duration_ms} ms.",
        )
    else:
        messages.error(
            request,
            f"Test event to {endpoint.url} failed: {attempt.error}. Fix the receiver and send "
            "another.",
        )
    return redirect(_back(request))


@org_page(with_project=True)
@require_POST
def delivery_resend(request: HttpRequest, delivery_id: int) -> HttpResponse:
    dashboard = request.dashboard
    delivery = webhook_delivery_for_project(
        project=dashboard.project, livemode=dashboard.livemode, delivery_id=delivery_id
    )
    if delivery is None or delivery.endpoint.deleted_at is not None:
        raise Http404("No such delivery.")
    webhook_delivery_resend(delivery_id=delivery.pk)
    messages.success(request, f"Delivery of {delivery.event_id} queued again.")
    return redirect(_back(request))
