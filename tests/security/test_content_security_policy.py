"""Content-Security-Policy on the pages, nosniff and frame headers on /static/ (issue 19,
hardening).

What this proves: the dashboard, admin and site pages carry a CSP that allows no inline script
and no framing; the JSON API does not need one; no dashboard template has an inline script or an
inline event handler (the CSP would break it); /static/ files, which are answered before Django's
middleware, carry `nosniff` and `X-Frame-Options`; and the same against a live daphne.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from django.conf import settings

PAGES = ["/dashboard/login/", "/admin/login/", "/dashboard/signup/"]


def _assert_strict(policy: str) -> None:
    directives = dict(
        ([*part.strip().split(" ", 1), ""])[:2] for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_a_strict_csp(client, path):
    response = client.get(path)
    assert response.status_code == 200
    _assert_strict(response["Content-Security-Policy"])


@pytest.mark.django_db
def test_the_api_has_no_page_csp(client):
    assert "Content-Security-Policy" not in client.get("/v1/config")


def test_templates_have_no_inline_script():
    roots = [
        Path(settings.BASE_DIR) / "dashboard" / "templates",
        Path(settings.BASE_DIR) / "templates",
    ]
    for root in roots:
        for template in root.rglob("*.html"):
            text = template.read_text()
            for tag in re.findall(r"<script\b[^>]*>", text):
                assert "src=" in tag, f"inline script in {template}"
            assert not re.search(r"\son[a-z]+\s*=", text), f"inline handler in {template}"
            assert "javascript:" not in text, template


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_live_csp_and_static_headers(live_server_url):
    with httpx.Client(base_url=live_server_url, timeout=10) as http:
        page = http.get("/dashboard/login/")
        _assert_strict(page.headers["content-security-policy"])
        for path in ("/static/dashboard/dashboard.js", "/static/llmgateway/elements.js"):
            static = http.get(path)
            assert static.status_code == 200, path
            assert static.headers["x-content-type-options"] == "nosniff"
            assert static.headers["x-frame-options"] == "DENY"
        assert (
            http.get("/static/llmgateway/elements.js").headers["access-control-allow-origin"] == "*"
        )
