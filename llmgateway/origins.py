"""Browser origins: validating a project's allow-list and answering "is this origin known?"."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.cache import cache

from llmgateway.errors import InvalidRequest

_KNOWN_ORIGINS_CACHE_KEY = "cors:known-origins:v1"
_KNOWN_ORIGINS_TTL_SECONDS = 30


def origin_normalize(origin: str, *, param: str = "allowedOrigins") -> str:
    """An exact `scheme://host[:port]` (no path, query, user or trailing slash), lower-cased."""
    text = (origin or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InvalidRequest(f"{origin!r} is not an origin.", param=param) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("",)
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
    ):
        raise InvalidRequest(
            f"{origin!r} is not an origin: use scheme://host[:port], e.g. https://app.example.",
            param=param,
        )
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def known_origins() -> frozenset[str]:
    """Every origin any project with sessions allows; preflights carry no key to say which."""
    origins = cache.get(_KNOWN_ORIGINS_CACHE_KEY)
    if origins is None:
        from llmgateway.models import Project

        origins = frozenset(
            origin
            for allowed in Project.objects.filter(sessions_enabled=True).values_list(
                "allowed_origins", flat=True
            )
            for origin in allowed or []
        )
        cache.set(_KNOWN_ORIGINS_CACHE_KEY, origins, _KNOWN_ORIGINS_TTL_SECONDS)
    return origins


def known_origins_forget() -> None:
    cache.delete(_KNOWN_ORIGINS_CACHE_KEY)
