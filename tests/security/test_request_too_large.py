"""Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE on the platform (DRF) endpoints (issue 19, must-fix 2).

What this proves: a 3 MB body to every DRF route of the URLconf that takes a body, with a secret
key or a session token as the route wants (and with no key at all), is a 413
`request_too_large` in the error shape, not a 500 (Django's RequestDataTooBig), refused on the
declared length before anything reads it; a RequestDataTooBig raised anyway maps to the same
413; and the same against a live daphne.
"""

from __future__ import annotations

import json

import httpx
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from llmgateway.api import ApiView
from tests.helpers.api import assert_error

BIG = 3 * 1024 * 1024
BODY_METHODS = ("post", "patch", "put")


def _routes(patterns=None, prefix: str = ""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _drf_body_routes():
    found = []
    for route, pattern in _routes():
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None or not issubclass(view_class, ApiView):
            continue
        path = "/" + route
        for name in pattern.pattern.converters:
            path = path.replace(f"<str:{name}>", "x_123")
        for method in BODY_METHODS:
            if hasattr(view_class, method):
                found.append((method, path, view_class.allowed_auth))
    return found


def _big_body() -> str:
    return json.dumps({"externalId": "x" * BIG, "amount": "1"})


@pytest.mark.django_db
def test_every_drf_body_route_answers_413_to_a_3mb_body(client, secret_key, mint_session):
    session_token = mint_session()["sessionToken"]
    routes = _drf_body_routes()
    assert len(routes) >= 9, routes
    body = _big_body()
    for method, path, allowed in routes:
        for key in (secret_key if "secret" in allowed else session_token, None):
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            response = getattr(client, method)(
                path, body, content_type="application/json", headers=headers
            )
            assert_error(response, 413, "request_too_large")


def test_request_data_too_big_anywhere_in_a_view_is_413():
    from django.core.exceptions import RequestDataTooBig

    from llmgateway.api import exception_handler

    response = exception_handler(RequestDataTooBig("too big"), {})
    assert response.status_code == 413
    assert response.data["error"]["code"] == "request_too_large"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_live_platform_endpoints_answer_413(live_server_url, secret_key):
    body = _big_body().encode()
    with httpx.Client(base_url=live_server_url, timeout=30) as http:
        for path in ("/v1/customers", "/v1/sessions", "/v1/webhook-endpoints", "/v1/payouts"):
            response = http.post(
                path,
                content=body,
                headers={
                    "Authorization": f"Bearer {secret_key}",
                    "Content-Type": "application/json",
                },
            )
            assert response.status_code == 413, (path, response.text)
            assert response.json()["error"]["code"] == "request_too_large"
