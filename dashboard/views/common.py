"""Helpers shared by the dashboard views: rendering with the page frame, confirmations."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard.selectors import memberships_for_user, organization_projects
from llmgateway.errors import ApiError


def page(
    request: HttpRequest, template: str, context: dict | None = None, **kwargs
) -> HttpResponse:
    """Render a dashboard page with what the frame needs (organization, projects, mode)."""
    dashboard = getattr(request, "dashboard", None)
    frame = {"dashboard": dashboard}
    if dashboard is not None:
        frame["memberships"] = memberships_for_user(user=request.user)
        frame["projects"] = organization_projects(organization=dashboard.organization)
    return render(request, template, {**frame, **(context or {})}, **kwargs)


def secret_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A page showing a secret once: never cached, never stored by the browser's history."""
    response = page(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


def confirm(
    request: HttpRequest,
    *,
    title: str,
    message: str,
    action_label: str,
    cancel_url: str,
    danger: bool = True,
    fields: dict | None = None,
) -> HttpResponse:
    """The confirmation step of a destructive action: a page whose form POSTs back here."""
    return page(
        request,
        "dashboard/confirm.html",
        {
            "title": title,
            "message": message,
            "action_label": action_label,
            "cancel_url": cancel_url,
            "danger": danger,
            "fields": fields or {},
        },
    )


def form_error_from(form, error: ApiError, *, field_for_param: dict | None = None) -> None:
    """Put a service's refusal on the form: on the field its param names, else on the form."""
    field = (field_for_param or {}).get(error.param or "", None)
    if field is None and error.param in form.fields:
        field = error.param
    form.add_error(field, error.message)
