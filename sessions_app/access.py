"""What an authenticated API caller may do: the checks every DRF endpoint runs after authentication.

`settings.API_PRINCIPAL_CHECK` names `principal_check`; `llmgateway.api.ApiView` calls it once
DRF's authentication (`BearerAuthentication`, settings' DEFAULT_AUTHENTICATION_CLASSES) has set
`request.auth`, so the kernel imports nothing of this app.
"""

from __future__ import annotations

from llmgateway.permissions import check_key_permission
from sessions_app.authentication import require_principal_kind
from sessions_app.ratelimit import rate_limit_check


def principal_check(request, view) -> None:
    """The kind of key the view accepts (its `allowed_auth`), a restricted secret key's
    permission for the route, then the rate limit: in this order, so a refused call is not
    counted against the limit."""
    principal = request.auth
    require_principal_kind(principal, view.allowed_auth)
    implemented = hasattr(view, request.method.lower())  # otherwise DRF answers 405
    if principal.secret_key is not None and implemented:
        # Restricted keys: the one check, against the one table (llmgateway/permissions.py).
        match = request.resolver_match
        check_key_permission(
            granted=principal.secret_key.permissions,
            url_name=match.url_name if match else None,
            method=request.method,
        )
    rate_limit_check(principal)
