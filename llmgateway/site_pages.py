"""The pages a person reaches in a browser outside the dashboard: the home page at `/`, and the
HTML error pages of browser routes. API routes (`/v1/`, Stripe's webhook, health) keep answering
in the API's JSON error shape (DESIGN.md §5)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from llmgateway.api import InternalError
from llmgateway.errors import ApiError, NotFound


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
    type = "permission_error"
    default_message = "You may not do this."


API_PATH_PREFIXES = ("/v1/", "/stripe/", "/healthz")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PATH_PREFIXES) or path == "/v1"


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "site/home.html")


def _error_page(
    request: HttpRequest, *, status: int, title: str, message: str, api_error: ApiError
) -> HttpResponse:
    if is_api_path(request.path):
        return JsonResponse(api_error.as_dict(), status=api_error.status)
    return render(request, "site/error.html", {"title": title, "message": message}, status=status)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page(
        request,
        status=404,
        title="Page not found",
        message="There is no page at this address, or it is not yours to see.",
        api_error=NotFound("No such path."),
    )


def forbidden(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page(
        request,
        status=403,
        title="Not allowed",
        message="Your account may not open this page.",
        api_error=Forbidden(),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # No template context processors that could fail again: a plain render of a static page.
    if is_api_path(request.path):
        error = InternalError()
        return JsonResponse(error.as_dict(), status=error.status)
    return render(
        request,
        "site/error.html",
        {"title": "Something went wrong", "message": "The error was logged. Try again shortly."},
        status=500,
    )
