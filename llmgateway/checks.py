"""Django's deploy checks, run for the middleware that subclass Django's (llmgateway/middleware.py).

Django's security checks look for the stock dotted paths in MIDDLEWARE. Ours subclass them, so
those checks would report the middleware missing (security.W001 to W003, silenced in settings) and
then skip every setting the middleware acts on: HSTS, the SSL redirect, the secure CSRF cookie.
This check runs them again with each subclass counted as the class it extends.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks.security import base, csrf
from django.test.utils import override_settings
from django.utils.module_loading import import_string

STOCK_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
)
CHECKS_GATED_BY_MIDDLEWARE = (
    base.check_sts,
    base.check_sts_include_subdomains,
    base.check_sts_preload,
    base.check_content_type_nosniff,
    base.check_ssl_redirect,
    base.check_xframe_deny,
    base.check_referrer_policy,
    base.check_cross_origin_opener_policy,
    csrf.check_csrf_cookie_secure,
)


def _as_stock(path: str) -> str:
    middleware = import_string(path)
    if not isinstance(middleware, type):
        return path
    for stock in STOCK_MIDDLEWARE:
        if path != stock and issubclass(middleware, import_string(stock)):
            return stock
    return path


@register(Tags.security, deploy=True)
def check_subclassed_security_middleware(app_configs, **kwargs):
    middleware = [_as_stock(path) for path in settings.MIDDLEWARE]
    if middleware == list(settings.MIDDLEWARE):
        return []  # the stock classes themselves: Django's own checks already ran
    errors = []
    with override_settings(MIDDLEWARE=middleware):
        for check in CHECKS_GATED_BY_MIDDLEWARE:
            errors.extend(check(app_configs))
    return errors


CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


@register(Tags.security, deploy=True)
def check_email_backend_is_not_the_console(app_configs, **kwargs):
    """The console backend prints password-reset and invitation links into the server's log:
    anyone who reads the log could take over an account. Fine for `make run`, not in production."""
    from django.core.checks import Warning as CheckWarning

    if settings.DEBUG or settings.EMAIL_BACKEND != CONSOLE_EMAIL_BACKEND:
        return []
    return [
        CheckWarning(
            "EMAIL_BACKEND is the console backend with DEBUG off: password-reset and invitation "
            "links would be printed into the server log.",
            hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST, "
            "EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL "
            "(docs/security.md, Production settings).",
            id="llmgateway.W001",
        )
    ]
