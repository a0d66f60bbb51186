"""A project's activity: every model request with its customer, model, tokens, cost, latency
and status, filterable and paginated (the request logs the gateway writes)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from dashboard.access import org_page
from dashboard.forms import ActivityFilterForm
from dashboard.selectors import customers_by_id, request_log_models, request_logs_filtered
from dashboard.views.common import page
from wallets.models import Customer

REQUESTS_PER_PAGE = 50


def _customer_for(request: HttpRequest, text: str) -> Customer | None:
    """A customer of this project and mode by id (cus_…) or externalId."""
    dashboard = request.dashboard
    return (
        Customer.objects.filter(project=dashboard.project, livemode=dashboard.livemode)
        .filter(Q(pk=text) | Q(external_id=text))
        .first()
    )


@org_page(with_project=True)
def activity(request: HttpRequest) -> HttpResponse:
    dashboard = request.dashboard
    filters = ActivityFilterForm(
        request.GET or None,
        models=request_log_models(project=dashboard.project, livemode=dashboard.livemode),
    )
    criteria: dict = {}
    customer = None
    if filters.is_valid():
        wanted = filters.cleaned_data["customer"].strip()
        if wanted:
            customer = _customer_for(request, wanted)
            if customer is None:
                filters.add_error("customer", "No customer with this id or externalId here.")
        criteria = {
            "model": filters.cleaned_data["model"],
            "outcome": filters.cleaned_data["status"],
            "since": filters.cleaned_data["since"],
            "until": filters.cleaned_data["until"],
        }
    logs = request_logs_filtered(
        project=dashboard.project,
        livemode=dashboard.livemode,
        customer_id=customer.pk if customer else "",
        **criteria,
    )
    if filters.errors:
        logs = logs.none()
    listing = Paginator(logs, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    customers = customers_by_id(ids={log.customer_id for log in listing if log.customer_id})
    for log in listing:
        log.customer = customers.get(log.customer_id)
    query = request.GET.copy()
    query.pop("page", None)
    return page(
        request,
        "dashboard/activity.html",
        {
            "filters": filters,
            "requests": listing,
            "customer": customer,
            "query": query.urlencode(),
        },
    )
