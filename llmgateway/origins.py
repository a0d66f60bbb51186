"""Browser origins: validating a project's allow-list and answering "is this origin known?"."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.cache import cache

from llmgateway.errors import InvalidRequest

_KNOWN_ORIGINS_CACHE_KEY = "cors:known-origins:v1"
_KNOWN_ORIGINS_TTL_SECONDS = 30


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_normalize(origin: str, *, param: str = "allowedOrigins") -> str:
    """The origin exactly as a browser sends it in `Origin`: `scheme://host[:port]`, lower-case,
    the default port dropped, an international name in punycode, a trailing `/` trimmed.

    Anything a browser can never send is refused with the reason: a path, query, user, or a
    wildcard (`https://*.example.com`: list each origin; an `Origin` header never has one).
    """
    text = (origin or "").strip()
    if text.endswith("/") and text.count("/") == 3:  # "https://app.example/" → no path
        text = text[:-1]
    if "*" in text:
        raise InvalidRequest(
            f"{origin!r}: wildcards never match, since a browser sends one exact origin. List "
            "each origin (https://shop.example, https://www.shop.example).",
            param=param,
        )
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
    host = _ascii_host(parts.hostname, origin=origin, param=param)
    if ":" in host:
        host = f"[{host}]"
    if port == _DEFAULT_PORTS[parts.scheme]:
        port = None  # browsers leave the default port out of Origin
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _ascii_host(hostname: str, *, origin: str, param: str) -> str:
    host = hostname.lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")  # what browsers send for an IDN host
    except UnicodeError:
        raise InvalidRequest(
            f"{origin!r} has a host name that is not valid.", param=param
        ) from None


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
