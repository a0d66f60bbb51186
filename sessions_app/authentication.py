"""Bearer authentication for secret keys (sk_) and session tokens (es_), for DRF and WebSockets."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication

from llmgateway import ids
from llmgateway.errors import AuthenticationFailed, PermissionDenied
from llmgateway.models import ApiKey, Project
from sessions_app.errors import (
    CustomerBlocked,
    OriginNotAllowed,
    SessionExpired,
    SessionRevoked,
    SessionsDisabled,
)
from sessions_app.models import EmbeddedSession
from wallets.errors import WalletFrozen
from wallets.models import Customer, Wallet

SECRET = "secret"
SESSION = "session"
# Writing last_used_at on every request would add a write to the hot path; a minute is plenty.
LAST_USED_RESOLUTION = timedelta(seconds=60)


@dataclass
class Principal:
    """Who is calling: a project's secret key, or an end user's browser session."""

    kind: str
    project: Project
    livemode: bool
    secret_key: ApiKey | None = None
    session: EmbeddedSession | None = None

    @cached_property
    def api_key(self) -> ApiKey:
        """The key logs and usage aggregates point at: the hidden embedded key for sessions."""
        if self.secret_key is not None:
            return self.secret_key
        return ApiKey.objects.get(
            project=self.project, kind=ApiKey.Kind.EMBEDDED_SESSION, livemode=self.livemode
        )

    @property
    def rate_limit_key(self) -> str:
        if self.session is not None:
            return f"session:{self.session.pk}"
        assert self.secret_key is not None
        return f"key:{self.secret_key.pk}"


def principal_from_token(token: str, *, origin: str | None = None) -> Principal:
    if token.startswith(("sk_live_", "sk_test_")):
        return _principal_from_secret_key(token)
    if token.startswith(("es_live_", "es_test_")):
        return _principal_from_session_token(token, origin=origin)
    raise AuthenticationFailed()


def _principal_from_secret_key(token: str) -> Principal:
    digest = ids.token_hash(token)
    # The lookup is by the hash's unique index, so timing says nothing about the key; the
    # constant-time compare keeps it that way whatever the database does.
    api_key = (
        ApiKey.objects.select_related("project")
        .filter(key_hash=digest, kind=ApiKey.Kind.SECRET)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.key_hash, digest):
        raise AuthenticationFailed()
    if api_key.revoked_at is not None:
        raise AuthenticationFailed("This API key was revoked.")
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return Principal(
        kind=SECRET, project=api_key.project, livemode=api_key.livemode, secret_key=api_key
    )


def session_origin_check(project, session: EmbeddedSession, origin: str | None) -> None:
    """A session token's request must come from one of its project's allowed origins; with
    `session_origin_required`, a live one must name an origin at all. The one rule for every
    path that accepts a session token (including the gateway's cached principals)."""
    if origin and origin not in (project.allowed_origins or []):
        raise OriginNotAllowed(f"Origin {origin} is not in this project's allowed origins.")
    if not origin and session.livemode and project.session_origin_required:
        raise OriginNotAllowed(
            "This project accepts live session tokens only from a browser on an allowed origin "
            "(the request has no Origin header)."
        )


def _principal_from_session_token(token: str, *, origin: str | None) -> Principal:
    digest = ids.token_hash(token)
    session = (
        EmbeddedSession.objects.select_related("project", "customer", "wallet")
        .filter(token_hash=digest)
        .first()
    )
    if session is None or not hmac.compare_digest(session.token_hash, digest):
        raise AuthenticationFailed("Invalid session token.")
    if session.revoked_at is not None:
        raise SessionRevoked()
    if session.expires_at <= timezone.now():
        raise SessionExpired()
    project = session.project
    session_origin_check(project, session, origin)
    if not project.sessions_enabled:
        raise SessionsDisabled()
    if session.customer.status == Customer.Status.BLOCKED:
        raise CustomerBlocked()
    if session.wallet.status == Wallet.Status.FROZEN:
        raise WalletFrozen()
    return Principal(kind=SESSION, project=project, livemode=session.livemode, session=session)


def bearer_token(authorization_header: str) -> str:
    if not authorization_header:
        raise AuthenticationFailed(
            "No API key provided: send it as the header Authorization: Bearer <key>."
        )
    scheme, _, token = authorization_header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationFailed("Send the key as Authorization: Bearer <key>.")
    return token


class BearerAuthentication(BaseAuthentication):
    def authenticate(self, request):
        token = bearer_token(request.META.get("HTTP_AUTHORIZATION", ""))
        principal = principal_from_token(token, origin=request.META.get("HTTP_ORIGIN"))
        return (None, principal)

    def authenticate_header(self, request):
        return "Bearer"


_KIND_NAMES = {SECRET: "a secret key (sk_…)", SESSION: "a session token (es_…)"}


def require_principal_kind(principal: Principal | None, allowed: tuple[str, ...] | list) -> None:
    if principal is None:
        raise AuthenticationFailed()
    if principal.kind not in allowed:
        needed = " or ".join(_KIND_NAMES[kind] for kind in allowed)
        raise PermissionDenied(f"This endpoint needs {needed}.")
