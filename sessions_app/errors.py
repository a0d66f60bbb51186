"""Errors of API authentication and browser sessions (codes from DESIGN.md §5)."""

from llmgateway.errors import ApiError


class AuthenticationFailed(ApiError):
    status = 401
    code = "invalid_api_key"
    type = "authentication_error"
    default_message = "Invalid API key provided."


class SessionExpired(ApiError):
    status = 401
    code = "session_expired"
    type = "authentication_error"
    default_message = "This session token has expired; refresh it or mint a new session."


class SessionRevoked(ApiError):
    status = 401
    code = "session_revoked"
    type = "authentication_error"
    default_message = "This session token was revoked."


class PermissionDenied(ApiError):
    status = 403
    code = "permission_denied"
    type = "permission_error"
    default_message = "This key cannot be used for this request."


class OriginNotAllowed(ApiError):
    status = 403
    code = "origin_not_allowed"
    type = "permission_error"
    default_message = "This origin is not allowed for the project."


class CustomerBlocked(ApiError):
    status = 403
    code = "customer_blocked"
    type = "permission_error"
    default_message = "This customer is blocked."


class ModelNotAllowed(ApiError):
    status = 403
    code = "model_not_allowed"
    type = "permission_error"
    default_message = "This model is not allowed for this key or session."


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


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"
    type = "rate_limit_error"
    default_message = "Too many requests; retry after the time in Retry-After."

    def __init__(self, message: str | None = None, *, retry_after_seconds: int = 1) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
