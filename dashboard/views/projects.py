"""A project's overview and settings, and its secret API keys."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing.selectors import catalog_model_ids
from billing.services.limits import project_billing_limits
from dashboard import services
from dashboard.access import ADMIN, org_page
from dashboard.forms import ProjectSettingsForm
from dashboard.forms_keys import ApiKeyCreateForm
from dashboard.selectors import secret_keys_for_project
from dashboard.views.common import confirm, form_error_from, page, secret_page
from llmgateway.errors import ApiError
from llmgateway.money import nanos_to_usd
from llmgateway.services import api_key_create, api_key_revoke


def _usd_or_empty(nanos: int | None) -> str:
    return "" if nanos is None else nanos_to_usd(nanos)


def _settings_initial(project) -> dict:
    overrides = getattr(project, "billing_settings", None)
    return {
        "name": project.name,
        "markup_percent": project.markup_percent,
        "allowed_origins": "\n".join(project.allowed_origins),
        "sessions_enabled": project.sessions_enabled,
        "default_allowed_models": "\n".join(project.default_allowed_models),
        "topup_min_usd": _usd_or_empty(overrides and overrides.topup_min_nanos),
        "topup_max_usd": _usd_or_empty(overrides and overrides.topup_max_nanos),
        "low_balance_threshold_usd": _usd_or_empty(
            overrides and overrides.low_balance_threshold_nanos
        ),
        "routing_preference": project.routing_preference,
        "allowed_providers": ", ".join(project.allowed_providers),
    }


@org_page(with_project=True)
def project_settings(request: HttpRequest) -> HttpResponse:
    dashboard = request.dashboard
    project = dashboard.project
    if request.method == "POST":
        if not dashboard.can(ADMIN):
            return page(
                request,
                "dashboard/forbidden.html",
                {"message": "Changing project settings needs the admin role or higher."},
                status=403,
            )
        form = ProjectSettingsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.project_update(
                    project=project,
                    name=data["name"],
                    markup_percent=data["markup_percent"],
                    allowed_origins=data["allowed_origins"],
                    sessions_enabled=data["sessions_enabled"],
                    default_allowed_models=data["default_allowed_models"],
                )
                services.project_billing_settings_update(
                    project=project,
                    topup_min_nanos=data["topup_min_usd"],
                    topup_max_nanos=data["topup_max_usd"],
                    low_balance_threshold_nanos=data["low_balance_threshold_usd"],
                )
                services.project_routing_update(
                    project=project,
                    routing_preference=data["routing_preference"],
                    allowed_providers=data["allowed_providers"],
                )
            except ApiError as error:
                form_error_from(form, error)
            else:
                messages.success(request, "Settings saved.")
                return redirect(request.path)
    else:
        form = ProjectSettingsForm(initial=_settings_initial(project))
    return page(
        request,
        "dashboard/project_settings.html",
        {
            "form": form,
            "limits": project_billing_limits(project_id=project.pk),
            "models_available": sorted(
                catalog_model_ids(livemode=dashboard.livemode, providers=project.allowed_providers)
            ),
            "can_edit": dashboard.can(ADMIN),
        },
    )


def _keys_page(request: HttpRequest, *, form=None, created=None) -> HttpResponse:
    dashboard = request.dashboard
    context = {
        "keys": secret_keys_for_project(project=dashboard.project, livemode=dashboard.livemode),
        "form": form or ApiKeyCreateForm(role=dashboard.role),
        "created": created,
    }
    if created is not None:
        return secret_page(request, "dashboard/keys.html", context)
    return page(request, "dashboard/keys.html", context)


@org_page(with_project=True)
def keys(request: HttpRequest) -> HttpResponse:
    return _keys_page(request)


@org_page(with_project=True)
@require_POST
def key_create(request: HttpRequest) -> HttpResponse:
    dashboard = request.dashboard
    # The form offers only the permissions the member's role holds and refuses any other.
    form = ApiKeyCreateForm(request.POST, role=dashboard.role)
    if not form.is_valid():
        return _keys_page(request, form=form)
    api_key, plaintext = api_key_create(
        project=dashboard.project,
        livemode=dashboard.livemode,
        name=form.cleaned_data["name"],
        permissions=form.cleaned_data["permissions"],
    )
    # Rendered in this response only (no redirect, no session, no message): shown once.
    return _keys_page(request, created={"key": api_key, "plaintext": plaintext})


@org_page(with_project=True)
def key_revoke(request: HttpRequest, key_id: str) -> HttpResponse:
    dashboard = request.dashboard
    api_key = (
        secret_keys_for_project(project=dashboard.project, livemode=dashboard.livemode)
        .filter(pk=key_id)
        .first()
    )
    if api_key is None:
        raise Http404("No such key.")
    back = reverse("dashboard:keys", args=[dashboard.organization.pk, dashboard.project.pk])
    if request.method != "POST":
        return confirm(
            request,
            title="Revoke key",
            message=f"Revoke {api_key.display_prefix}… ({api_key.name or 'unnamed'})? Requests "
            "with it are refused at once; this cannot be undone.",
            action_label="Revoke key",
            cancel_url=back,
        )
    api_key_revoke(api_key_id=api_key.pk)
    messages.success(request, f"Key {api_key.display_prefix}… revoked.")
    return redirect(back)
