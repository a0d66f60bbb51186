"""A project's models: what it may call in the current mode and the deployments serving each."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from billing.selectors import catalog_offers
from dashboard.access import ADMIN, org_page
from dashboard.views.common import page


@org_page(with_project=True)
def project_models(request: HttpRequest) -> HttpResponse:
    """Read-only: deployments are an operator's, edited in Django admin. The health of each
    deployment (cooling down after failures) is per gateway process and not shown here."""
    dashboard = request.dashboard
    project = dashboard.project
    return page(
        request,
        "dashboard/models.html",
        {
            "offers": catalog_offers(
                livemode=dashboard.livemode, providers=project.allowed_providers
            ),
            "can_edit": dashboard.can(ADMIN),
        },
    )
