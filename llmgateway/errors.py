"""The API error type: every service error that reaches a client is one of these.

The JSON shape (`{"error": {"type", "code", "message", "param"}}`) is produced in one place,
`llmgateway.api.exception_handler`, from these attributes. A class that declares `description`
documents its code in the OpenAPI schema under its status: `documented_errors()` is that one list
(llmgateway/api_schema.py builds the error descriptions from it). Also here: the errors of the
API's own plumbing that every app raises (authentication, permission, not found, upstream).
"""

from __future__ import annotations

_DOCUMENTED: list[type[ApiError]] = []


class ApiError(Exception):
    status: int = 400
    code: str = "invalid_request"
    type: str = "invalid_request_error"
    default_message: str = "The request was invalid."
    # Set in a class body to list `code` in the schema under `status`: "" for the code alone,
    # a text for "code (text)". Not inherited: a subclass documents itself or not at all.
    description: str | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("description") is not None:
            _DOCUMENTED.append(cls)

    def __init__(self, message: str | None = None, *, param: str | None = None) -> None:
        self.message = message or self.default_message
        self.param = param
        super().__init__(self.message)

    def response_headers(self) -> dict[str, str]:
        """Headers every answer carrying this error has (Retry-After for 429 and 503)."""
        retry_after = getattr(self, "retry_after_seconds", None)
        return {} if retry_after is None else {"Retry-After": str(retry_after)}

    def as_dict(self) -> dict:
        return {
            "error": {
                "type": self.type,
                "code": self.code,
                "message": self.message,
                "param": self.param,
            }
        }


def documented_errors() -> tuple[type[ApiError], ...]:
    """Every error class that documents its code, in the order their modules defined them."""
    return tuple(_DOCUMENTED)


class InvalidRequest(ApiError):
    description = ""


class AuthenticationFailed(ApiError):
    status = 401
    code = "invalid_api_key"
    type = "authentication_error"
    default_message = "Invalid API key provided."
    description = ""


class PermissionDenied(ApiError):
    status = 403
    code = "permission_denied"
    type = "permission_error"
    default_message = "This key cannot be used for this request."
    description = ""


class NotFound(ApiError):
    status = 404
    code = "not_found"
    default_message = "No such object."
    description = ""


class RequestTooLarge(ApiError):
    status = 413
    code = "request_too_large"
    default_message = "The request body is larger than this gateway accepts."
    description = "the body is over MODEL_REQUEST_MAX_BYTES; nothing was charged"


class IdempotencyConflict(ApiError):
    status = 409
    code = "idempotency_conflict"
    default_message = "This idempotency key was already used with different parameters."
    description = ""


class ServiceUnavailable(ApiError):
    """The database can't be reached: nothing was done (no hold, no charge); retry later."""

    status = 503
    code = "service_unavailable"
    type = "api_error"
    default_message = "The service is temporarily unavailable; nothing was charged. Retry shortly."
    description = "the database is unreachable; nothing was charged"
    retry_after_seconds = 1


class BadGateway(ApiError):
    """A service this gateway depends on (a model provider, Stripe) failed to answer: 502.

    Documents `upstream_error` for every app; each app's own upstream failure is a subclass or
    has the same status, code and type.
    """

    status = 502
    code = "upstream_error"
    type = "api_error"
    default_message = "An upstream service failed to answer; try again."
    description = ""
