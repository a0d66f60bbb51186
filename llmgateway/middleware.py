"""Django's built-in middleware without the thread hops on the API (`/v1/`).

Under ASGI, Django's `MiddlewareMixin` runs every `process_request` and `process_response` in
`sync_to_async(thread_sensitive=True)`: two hops per middleware to one shared thread, about a
dozen per request with the stock list (~20% of the event loop's time on the gateway's hot path,
and a point where every request queues). So:

- Security, common and X-Frame-Options are pure functions of the request and response (no I/O,
  no database): their async path calls them inline.
- Sessions, CSRF, authentication and messages serve the cookie-based pages (admin, dashboard).
  The API authenticates with bearer tokens and never reads a cookie, so on `/v1/` they are
  skipped; everywhere else they run exactly as Django ships them.
"""

from __future__ import annotations

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware

API_PATH_PREFIX = "/v1/"


class _InlineAsync:
    """For middleware whose hooks do no I/O: the async path calls them without a thread hop."""

    async def __acall__(self, request):
        response = self.process_request(request) if hasattr(self, "process_request") else None
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            response = self.process_response(request, response)
        return response


class _CookiePagesOnly:
    """For middleware the bearer-token API never needs: skipped on `/v1/`."""

    def __call__(self, request):
        if request.path_info.startswith(API_PATH_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class InlineSecurityMiddleware(_InlineAsync, SecurityMiddleware):
    pass


class InlineCommonMiddleware(_InlineAsync, CommonMiddleware):
    pass


class InlineXFrameOptionsMiddleware(_InlineAsync, XFrameOptionsMiddleware):
    pass


class PagesSessionMiddleware(_CookiePagesOnly, SessionMiddleware):
    pass


class PagesCsrfViewMiddleware(_CookiePagesOnly, CsrfViewMiddleware):
    """CSRF stays on for every cookie-authenticated page.

    `process_view` is declared async because Django adapts view middleware when it loads them:
    a sync one would cost a thread hop on every request, the API's included. Its work (compare
    the cookie with the form field or header) does no I/O, so it runs inline.
    """

    async def process_view(self, request, callback, callback_args, callback_kwargs):
        if request.path_info.startswith(API_PATH_PREFIX):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class PagesAuthenticationMiddleware(_CookiePagesOnly, AuthenticationMiddleware):
    pass


class PagesMessageMiddleware(_CookiePagesOnly, MessageMiddleware):
    pass


def content_security_policy() -> str:
    from django.conf import settings

    return settings.CONTENT_SECURITY_POLICY


class ContentSecurityPolicyMiddleware:
    """`Content-Security-Policy` on the pages (dashboard, admin, site): scripts and styles only
    from this origin, no inline script, no framing, forms post only here. Not on `/v1/` (JSON:
    nothing to execute; the Swagger page at /v1/docs needs its inline bootstrap script).
    Pure header work, so sync and async alike without a thread hop."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        from asgiref.sync import iscoroutinefunction, markcoroutinefunction

        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _add(self, request, response):
        policy = content_security_policy()
        if (
            policy
            and not request.path_info.startswith(API_PATH_PREFIX)
            and "Content-Security-Policy" not in response
        ):
            response["Content-Security-Policy"] = policy
        return response

    def __call__(self, request):
        from asgiref.sync import iscoroutinefunction

        if iscoroutinefunction(self):
            return self.__acall__(request)
        return self._add(request, self.get_response(request))

    async def __acall__(self, request):
        return self._add(request, await self.get_response(request))
