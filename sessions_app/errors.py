"""Errors of browser sessions and end users' access (codes from DESIGN.md §5).

The generic `invalid_api_key` and `permission_denied` are the kernel's (llmgateway/errors.py).
"""

from llmgateway.errors import ApiError


class SessionExpired(ApiError):
    status = 401
    code = "session_expired"
    type = "authentication_error"
    default_message = "This session token has expired; refresh it or mint a new session."
    description = ""


class SessionRevoked(ApiError):
    status = 401
    code = "session_revoked"
    type = "authentication_error"
    default_message = "This session token was revoked."
    description = ""


class OriginNotAllowed(ApiError):
    status = 403
    code = "origin_not_allowed"
    type = "permission_error"
    default_message = "This origin is not allowed for the project."
    description = ""


class CustomerBlocked(ApiError):
    status = 403
    code = "customer_blocked"
    type = "permission_error"
    default_message = "This customer is blocked."
    description = ""


class ModelNotAllowed(ApiError):
    status = 403
    code = "model_not_allowed"
    type = "permission_error"
    default_message = "This model is not allowed for this key or session."
    description = ""


class SessionsDisabled(ApiError):
    status = 403
    code = "sessions_disabled"
    type = "permission_error"
    default_message = "End-user sessions are turned off for this project."


class SpendCapExceeded(ApiError):
    status = 402
    code = "spend_cap_exceeded"
    type = "payment_required"
    default_message = "This request would exceed the session's spend cap."
    description = ""


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"
    type = "rate_limit_error"
    default_message = "Too many requests; retry after the time in Retry-After."
    description = "see Retry-After"

    def __init__(self, message: str | None = None, *, retry_after_seconds: int = 1) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
