"""Authentication for the async OpenAI-compatible views (same rules as the DRF endpoints).

The billed endpoints (chat, embeddings, images) may use a principal remembered in process for
PRINCIPAL_CACHE_SECONDS when the PostgreSQL fast path is on: revocation, expiry, a refresh that
replaced the token, a blocked customer, a frozen wallet and a revoked secret key still take
effect at the next request, because the reserve statement (wallets/holds/pg.py) re-checks them
on the rows it locks. What the cache may serve stale for that long is project configuration
(sessions enabled); the origin allow-list is checked on every request against the cached project.
"""

from __future__ import annotations

import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from llmgateway.loop_local import LoopLocal
from sessions_app.authentication import (
    SESSION,
    Principal,
    bearer_token,
    principal_from_token,
    session_origin_check,
)
from sessions_app.errors import RateLimited, SessionExpired
from sessions_app.ratelimit import WINDOW_SECONDS, _limit_for, rate_limit_check
from wallets import holds

logger = logging.getLogger(__name__)
MAX_CACHED_PRINCIPALS = 10_000

_principals: dict[str, tuple[float, Principal]] = {}


def _authenticate(authorization: str, origin: str | None) -> Principal:
    principal = principal_from_token(bearer_token(authorization), origin=origin)
    rate_limit_check(principal)
    return principal


def _principal_for_cache(token: str, origin: str | None) -> Principal:
    principal = principal_from_token(token, origin=origin)
    principal.api_key  # noqa: B018 (resolve the log key here, in this thread, once)
    return principal


async def authenticate(request, *, cached: bool = False) -> Principal:
    """The caller of an async Django view (see `authenticate_bearer`)."""
    return await authenticate_bearer(
        request.headers.get("Authorization", ""), request.headers.get("Origin"), cached=cached
    )


async def authenticate_bearer(
    authorization: str, origin: str | None, *, cached: bool = False
) -> Principal:
    """The caller, from its Authorization and Origin headers. With `cached` (billed endpoints
    only), from the in-process cache when possible; otherwise in one hop off the event loop."""
    ttl = settings.PRINCIPAL_CACHE_SECONDS
    if not (cached and ttl > 0 and holds.pg_enabled()):
        return await sync_to_async(_authenticate, thread_sensitive=False)(authorization, origin)
    token = bearer_token(authorization)
    now = time.monotonic()
    entry = _principals.get(token)
    if entry is not None and entry[0] > now:
        principal = entry[1]
        _recheck(principal, origin)
    else:
        principal = await sync_to_async(_principal_for_cache, thread_sensitive=False)(token, origin)
        if len(_principals) >= MAX_CACHED_PRINCIPALS:
            for key in [key for key, (expiry, _) in _principals.items() if expiry <= now]:
                del _principals[key]
            if len(_principals) >= MAX_CACHED_PRINCIPALS:
                _principals.clear()
        _principals[token] = (now + ttl, principal)
    await rate_limit_acheck(principal)
    return principal


def _recheck(principal: Principal, origin: str | None) -> None:
    """What the cached principal can answer for this request without the database."""
    if principal.kind != SESSION:
        return
    session = principal.session
    assert session is not None
    session_origin_check(principal.project, session, origin)
    if session.expires_at <= timezone.now():
        raise SessionExpired()


def principal_cache_clear() -> None:
    _principals.clear()


# --- rate limit -----------------------------------------------------------------------------


def _redis_client():
    import redis.asyncio

    return redis.asyncio.Redis.from_url(settings.REDIS_URL)


async def _redis_close(client) -> None:
    await client.aclose()


_redis_clients = LoopLocal(_redis_client, close=_redis_close)


def redis_for_loop():
    """This event loop's asyncio Redis client (REDIS_URL), for counters on the hot path; closed
    when the loop shuts down."""
    return _redis_clients.get()


async def rate_limit_acheck(principal: Principal) -> None:
    """`sessions_app.ratelimit.rate_limit_check` without a thread hop: the same counter (the same
    cache key, so the DRF endpoints count against it too) in one Redis round trip."""
    if not settings.REDIS_URL:
        rate_limit_check(principal)  # the local-memory cache: no I/O
        return
    limit = _limit_for(principal)
    if limit <= 0:
        return
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = cache.make_and_validate_key(f"ratelimit:{principal.rate_limit_key}:{window}")
    try:
        async with redis_for_loop().pipeline(transaction=False) as pipe:
            pipe.set(key, 0, ex=WINDOW_SECONDS + 5, nx=True)
            pipe.incr(key)
            _, count = await pipe.execute()
    except Exception:  # the cache is an optional dependency of this check (fail open)
        logger.warning("rate limit cache unavailable; allowing request", exc_info=True)
        return
    if count > limit:
        retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now) + 1)
        raise RateLimited(
            f"Rate limit of {limit} requests per minute exceeded.",
            retry_after_seconds=retry_after,
        )
