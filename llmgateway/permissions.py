"""Restricted secret keys: what each permission allows, which roles hold it, and the one table
that says which permission every secret-key endpoint needs (docs/security.md, "Key permissions").

The check runs in one place, `sessions_app.access.principal_check` (which
`llmgateway.api.ApiView.initial` calls), for every DRF endpoint called with a secret key; an
endpoint or method missing from `ENDPOINT_PERMISSIONS` is refused (fail closed), and
tests/security/test_restricted_keys.py proves every sk route of the URLconf has its entry.
Session tokens (es_) are not affected: their reach is fixed by the route (`allowed_auth`).

This module imports no app (it is part of the kernel).
"""

from __future__ import annotations

from llmgateway.errors import ApiError

SESSIONS = "sessions"  # mint and revoke embedded sessions (creates customers on first sight)
CUSTOMERS_READ = "customers:read"  # list and read customers, their wallets and wallet ledgers
CUSTOMERS_WRITE = "customers:write"  # create customers, edit them, block and unblock them
CREDITS_GRANT = "credits:grant"  # move the organization's credits into a wallet
BALANCE_READ = "balance:read"  # the organization's credits and margin (GET /v1/balance)
PAYOUTS = "payouts"  # request and list margin payouts
CONNECT = "connect"  # Stripe Connect onboarding and status
WEBHOOKS = "webhooks"  # register, list and delete developer webhook endpoints

ALL_PERMISSIONS: tuple[str, ...] = (
    SESSIONS,
    CUSTOMERS_READ,
    CUSTOMERS_WRITE,
    CREDITS_GRANT,
    BALANCE_READ,
    PAYOUTS,
    CONNECT,
    WEBHOOKS,
)

PERMISSION_LABELS: dict[str, str] = {
    SESSIONS: "Mint and revoke end-user sessions",
    CUSTOMERS_READ: "Read customers, wallets and ledgers",
    CUSTOMERS_WRITE: "Create, edit, block and unblock customers",
    CREDITS_GRANT: "Grant organization credits to wallets",
    BALANCE_READ: "Read the organization's credits and margin",
    PAYOUTS: "Request and list payouts",
    CONNECT: "Stripe Connect onboarding and status",
    WEBHOOKS: "Manage webhook endpoints",
}

# What a member of each role may put on a key they create. Mirrors the dashboard: developers
# cannot grant credits, block customers, see the organization's money, payouts or Connect.
_DEVELOPER = frozenset({SESSIONS, CUSTOMERS_READ, WEBHOOKS})
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "developer": _DEVELOPER,
    "admin": frozenset(ALL_PERMISSIONS),
    "owner": frozenset(ALL_PERMISSIONS),
}

# Every key may call the OpenAI-compatible endpoints and the model list: they spend only the
# organization's own credits, as any key's traffic does.
ANY_KEY = "*"

# URL name → HTTP method → the permission a secret key needs. One entry per sk route.
ENDPOINT_PERMISSIONS: dict[str, dict[str, str]] = {
    "sessions": {"POST": SESSIONS},
    "session-detail": {"DELETE": SESSIONS},
    "customers": {"GET": CUSTOMERS_READ, "POST": CUSTOMERS_WRITE},
    "customer": {"GET": CUSTOMERS_READ, "PATCH": CUSTOMERS_WRITE},
    "wallet-detail": {"GET": CUSTOMERS_READ},
    "wallet-ledger": {"GET": CUSTOMERS_READ},
    "wallet-credit": {"POST": CREDITS_GRANT},
    "balance": {"GET": BALANCE_READ},
    "payouts": {"GET": PAYOUTS, "POST": PAYOUTS},
    "payout-detail": {"GET": PAYOUTS},
    "connect-onboarding": {"POST": CONNECT},
    "connect-status": {"GET": CONNECT},
    "webhook-endpoints": {"GET": WEBHOOKS, "POST": WEBHOOKS},
    "webhook-endpoint": {"GET": WEBHOOKS, "DELETE": WEBHOOKS},
    "api-key-current": {"GET": ANY_KEY},  # a key may always read its own metadata
    # The proxy's own authentication (proxy/auth.py) serves these; every key may call them.
    "models": {"GET": ANY_KEY},
    "model-detail": {"GET": ANY_KEY},
    "chat-completions": {"POST": ANY_KEY},
    "responses": {"POST": ANY_KEY},
    "embeddings": {"POST": ANY_KEY},
    "image-generations": {"POST": ANY_KEY},
}


class KeyPermissionDenied(ApiError):
    status = 403
    code = "permission_denied"
    type = "permission_error"
    default_message = "This API key does not have the permission this endpoint needs."


def required_permission(url_name: str | None, method: str) -> str | None:
    """The permission a secret key needs for this route and method; None if there is no entry."""
    method = "GET" if method.upper() == "HEAD" else method.upper()
    return ENDPOINT_PERMISSIONS.get(url_name or "", {}).get(method)


def check_key_permission(*, granted, url_name: str | None, method: str) -> None:
    """Refuse unless a key holding `granted` may call `method` on the route named `url_name`."""
    if method.upper() == "OPTIONS":
        return
    needed = required_permission(url_name, method)
    if needed is None:
        raise KeyPermissionDenied("Secret keys cannot call this endpoint.")
    if needed == ANY_KEY or needed in (granted or ()):
        return
    raise KeyPermissionDenied(
        f"This API key lacks the permission `{needed}` that this endpoint needs; "
        "create a key with it in the dashboard (API keys)."
    )


def permissions_normalize(permissions) -> list[str]:
    """Known permission names, deduplicated, in the canonical order."""
    wanted = set(permissions or ())
    unknown = wanted - set(ALL_PERMISSIONS)
    if unknown:
        from llmgateway.errors import InvalidRequest

        raise InvalidRequest(
            f"Unknown permission(s): {', '.join(sorted(unknown))}.", param="permissions"
        )
    return [permission for permission in ALL_PERMISSIONS if permission in wanted]


def role_may_grant(role: str, permissions) -> bool:
    return set(permissions or ()) <= ROLE_PERMISSIONS.get(role, frozenset())
