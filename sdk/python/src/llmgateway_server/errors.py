"""The SDK's exceptions: one class per kind of API failure, chosen from the error's code and status.

Every API error body is `{"error": {"type", "code", "message", "param"}}`; the exception carries
those fields plus the HTTP status, the request id (when the server sent one) and the headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any


class LLMGatewayError(Exception):
    """Base class of every error this SDK raises for an API call."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        type: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.type = type
        self.param = param
        self.request_id = request_id
        self.headers = {name.lower(): value for name, value in (headers or {}).items()}
        self.body = body

    def __str__(self) -> str:
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(self.code)
        prefix = f"({', '.join(parts)}) " if parts else ""
        suffix = f" [param: {self.param}]" if self.param else ""
        request = f" [request id: {self.request_id}]" if self.request_id else ""
        return f"{prefix}{self.message}{suffix}{request}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, param={self.param!r})"
        )


class AuthenticationError(LLMGatewayError):
    """401: the key is missing, unknown or revoked (`invalid_api_key`), or a session token
    expired or was revoked (`session_expired`, `session_revoked`)."""


class PermissionDeniedError(LLMGatewayError):
    """403: `permission_denied`, `model_not_allowed`, `origin_not_allowed`, `customer_blocked`,
    `sessions_disabled`."""


class PaymentRequiredError(LLMGatewayError):
    """402: the money isn't there (see the subclasses)."""


class InsufficientBalanceError(PaymentRequiredError):
    """402 `insufficient_balance`: the wallet (or the organization's credits) can't cover it."""


class SpendCapExceededError(PaymentRequiredError):
    """402 `spend_cap_exceeded`: the session's `maxSpend` would be passed."""


class WalletFrozenError(PaymentRequiredError):
    """402 `wallet_frozen`: an operator froze the wallet."""


class InvalidRequestError(LLMGatewayError):
    """400 (and 405, 415): a bad body, field or query; `param` names the field when known."""


class NotFoundError(LLMGatewayError):
    """404 `not_found`: no such object for this key (other projects' and modes' objects too)."""


class ConflictError(LLMGatewayError):
    """409: the request conflicts with the current state (`resource_already_exists`, …)."""


class IdempotencyError(ConflictError):
    """409 `idempotency_conflict`: an idempotency key was reused with different parameters."""


class RateLimitError(LLMGatewayError):
    """429 `rate_limited`; `retry_after` is the server's `Retry-After` in seconds, if any."""

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.headers)


class APIError(LLMGatewayError):
    """A 5xx answer, or an answer the SDK could not understand."""


class UpstreamError(APIError):
    """502 `upstream_error`: the model or payment provider failed; nothing was charged."""


class APIConnectionError(LLMGatewayError):
    """The request never got an HTTP answer: connection refused or reset, DNS, TLS, timeout."""


class APITimeoutError(APIConnectionError):
    """The request timed out (connecting, or waiting for the answer)."""


class SignatureVerificationError(LLMGatewayError):
    """A webhook's `LLMGateway-Signature` header is missing, malformed, wrong or too old."""

    def __init__(self, message: str, *, header: str | None = None) -> None:
        super().__init__(message)
        self.header = header


_BY_CODE: dict[str, type[LLMGatewayError]] = {
    "insufficient_balance": InsufficientBalanceError,
    "spend_cap_exceeded": SpendCapExceededError,
    "wallet_frozen": WalletFrozenError,
    "idempotency_conflict": IdempotencyError,
    "upstream_error": UpstreamError,
    "rate_limited": RateLimitError,
}

_BY_STATUS: dict[int, type[LLMGatewayError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: InvalidRequestError,
    409: ConflictError,
    415: InvalidRequestError,
    422: InvalidRequestError,
    429: RateLimitError,
}


def error_class_for(status: int, code: str | None) -> type[LLMGatewayError]:
    """The most specific class: a known code first, then the status."""
    if code and code in _BY_CODE:
        return _BY_CODE[code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return APIError if status >= 500 or status < 400 else InvalidRequestError


def error_from_response(
    *, status: int, body: Any, headers: Mapping[str, str], fallback_text: str = ""
) -> LLMGatewayError:
    """Build the exception for a non-2xx answer (a body in the API's error shape or not)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {}
    code = error.get("code") if isinstance(error.get("code"), str) else None
    message = error.get("message") or fallback_text.strip()[:500] or f"HTTP {status}"
    lowered = {name.lower(): value for name, value in headers.items()}
    cls = error_class_for(status, code)
    return cls(
        str(message),
        status=status,
        code=code,
        type=error.get("type"),
        param=error.get("param"),
        request_id=lowered.get("x-request-id") or lowered.get("request-id"),
        headers=lowered,
        body=body,
    )


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` as seconds: a number, or an HTTP date turned into seconds from now."""
    found = (raw.strip() for name, raw in headers.items() if name.lower() == "retry-after")
    value = next(found, "")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return max(seconds, 0.0)
