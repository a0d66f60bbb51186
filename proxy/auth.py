"""Authentication for the async OpenAI-compatible views (same rules as the DRF endpoints)."""

from __future__ import annotations

from asgiref.sync import sync_to_async

from sessions_app.authentication import Principal, bearer_token, principal_from_token
from sessions_app.ratelimit import rate_limit_check


def _authenticate(authorization: str, origin: str | None) -> Principal:
    principal = principal_from_token(bearer_token(authorization), origin=origin)
    rate_limit_check(principal)
    return principal


async def authenticate(request) -> Principal:
    """The caller of an async view, in one hop off the event loop."""
    return await sync_to_async(_authenticate, thread_sensitive=False)(
        request.headers.get("Authorization", ""), request.headers.get("Origin")
    )
