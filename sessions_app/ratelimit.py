"""Fixed-window rate limits per secret key and per session (in Redis when REDIS_URL is set)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

from sessions_app.errors import RateLimited

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 60


def _limit_for(principal) -> int:
    if principal.kind == "session":
        return settings.RATE_LIMIT_SESSION_PER_MINUTE
    return settings.RATE_LIMIT_SECRET_KEY_PER_MINUTE


def rate_limit_check(principal) -> None:
    """Count this request; raise 429 `rate_limited` with Retry-After past the window's limit.

    If the cache backend is down the request is let through (fail open) and the failure logged:
    an outage of Redis must not take the gateway's paying traffic down with it.
    """
    limit = _limit_for(principal)
    if limit <= 0:
        return
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"ratelimit:{principal.rate_limit_key}:{window}"
    try:
        cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
        count = cache.incr(key)
    except Exception:  # the cache is an optional dependency of this check
        logger.warning("rate limit cache unavailable; allowing request", exc_info=True)
        return
    if count > limit:
        retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now) + 1)
        raise RateLimited(
            f"Rate limit of {limit} requests per minute exceeded.",
            retry_after_seconds=retry_after,
        )
