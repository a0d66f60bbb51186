"""Throttles for log-in, password reset and sign-up (docs/security.md, "Throttles").

Counters live in Django's cache: Redis when REDIS_URL is set (shared by every process), else the
process's memory. A window starts at the first counted attempt and lasts its full length (the
counter's expiry is not moved by later attempts), so a locked account stays locked until then.
Log-in counts failures per account and per client address; a success clears the account's
counter. Password reset and sign-up count every request per address (and reset per email).
If the cache is down, the throttle lets the request through and logs it (fail open), like the
API's rate limits.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    scope: str  # "login:account", "login:address", …
    limit: int
    window_seconds: int


def _rules() -> dict[str, Rule]:
    window = settings.AUTH_THROTTLE_WINDOW_SECONDS
    return {
        "login:account": Rule("login:account", settings.LOGIN_FAILURES_PER_ACCOUNT, window),
        "login:address": Rule("login:address", settings.LOGIN_FAILURES_PER_ADDRESS, window),
        "reset:email": Rule("reset:email", settings.PASSWORD_RESETS_PER_EMAIL, window),
        "reset:address": Rule("reset:address", settings.PASSWORD_RESETS_PER_ADDRESS, window),
        "signup:address": Rule("signup:address", settings.SIGNUPS_PER_ADDRESS, window),
    }


def client_address(request) -> str:
    """REMOTE_ADDR: behind a reverse proxy, have it set REMOTE_ADDR (e.g. uvicorn/daphne's
    proxy-headers options) so every client doesn't share the proxy's address."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(scope: str, subject: str) -> str:
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
    return f"throttle:{settings.AUTH_THROTTLE_NAMESPACE}:{scope}:{digest}"


def _deadline_key(key: str) -> str:
    return f"{key}:until"


def blocked_for(scope: str, subject: str) -> int:
    """Seconds until `subject` may try again in `scope` (0: not blocked)."""
    rule = _rules()[scope]
    if rule.limit <= 0:
        return 0
    key = _key(scope, subject)
    try:
        count = cache.get(key, 0)
        until = cache.get(_deadline_key(key), 0)
    except Exception:
        logger.warning("throttle cache unavailable; allowing", exc_info=True)
        return 0
    if count < rule.limit:
        return 0
    return max(1, math.ceil(until - time.time())) if until else rule.window_seconds


def count(scope: str, subject: str) -> None:
    rule = _rules()[scope]
    if rule.limit <= 0:
        return
    key = _key(scope, subject)
    try:
        if cache.add(key, 0, timeout=rule.window_seconds):
            cache.set(_deadline_key(key), time.time() + rule.window_seconds, rule.window_seconds)
        cache.incr(key)
    except Exception:
        logger.warning("throttle cache unavailable; not counted", exc_info=True)


def clear(scope: str, subject: str) -> None:
    key = _key(scope, subject)
    try:
        cache.delete_many([key, _deadline_key(key)])
    except Exception:
        logger.warning("throttle cache unavailable; not cleared", exc_info=True)


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        f"Too many attempts. For your security, try again in {minutes} minute"
        f"{'' if minutes == 1 else 's'}."
    )
