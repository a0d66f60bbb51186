"""Production settings: `check --deploy` is clean with the documented environment, and the
HTTPS and browser-security headers are what the API and the pages send."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client

PRODUCTION_ENVIRONMENT = {
    "DEBUG": "false",
    "DEPLOY_HTTPS": "true",
    "ALLOWED_HOSTS": "gateway.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://gateway.example.com",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def _check_deploy(**environment: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DEBUG", "SECRET_KEY", "DEPLOY_HTTPS", "SECURE_HSTS_SECONDS", "EMAIL_BACKEND"}
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_environment():
    result = _check_deploy(**PRODUCTION_ENVIRONMENT, SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_on_the_default_secret_key_and_plain_http():
    environment = {**PRODUCTION_ENVIRONMENT, "DEPLOY_HTTPS": "false"}
    result = _check_deploy(**environment)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    # The development SECRET_KEY, no HSTS, no redirect, cookies without Secure: all caught,
    # including the settings guarded by our subclassed middleware (llmgateway/checks.py).
    for check_id in ("W009", "W004", "W008", "W010", "W016"):
        assert f"security.{check_id}" in output, output


def test_check_deploy_fails_on_the_console_email_backend():
    """Issue 19: reset and invitation links must not be printed into a production log."""
    environment = {**PRODUCTION_ENVIRONMENT, "SECRET_KEY": secrets.token_urlsafe(50)}
    environment["EMAIL_BACKEND"] = "django.core.mail.backends.console.EmailBackend"
    result = _check_deploy(**environment)
    assert result.returncode != 0
    assert "llmgateway.W001" in result.stdout + result.stderr


@pytest.mark.parametrize("path", ["/v1/config", "/dashboard/login/", "/admin/login/"])
def test_api_and_pages_send_the_browser_security_headers(db, path):
    response = Client().get(path)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # plain http: HSTS means nothing


def _https_settings(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True


@pytest.mark.parametrize("path", ["/v1/config", "/dashboard/login/"])
def test_https_deployments_send_hsts(db, settings, path):
    _https_settings(settings)
    response = Client().get(path, secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


def test_https_deployments_redirect_plain_http_except_the_health_check(db, settings):
    _https_settings(settings)
    client = Client()
    response = client.get("/v1/config")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/v1/config"
    assert client.get("/healthz").status_code == 200


def test_session_and_csrf_cookies_are_secure_with_deploy_https(db, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    response = Client().get("/dashboard/login/", secure=True)
    assert response.cookies["csrftoken"]["secure"] is True
    assert response.cookies["csrftoken"]["samesite"] == "Lax"
