"""The API error type: every service error that reaches a client is one of these.

The JSON shape (`{"error": {"type", "code", "message", "param"}}`) is produced in one place,
`llmgateway.api.exception_handler`, from these attributes.
"""

from __future__ import annotations


class ApiError(Exception):
    status: int = 400
    code: str = "invalid_request"
    type: str = "invalid_request_error"
    default_message: str = "The request was invalid."

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


class InvalidRequest(ApiError):
    pass


class NotFound(ApiError):
    status = 404
    code = "not_found"
    default_message = "No such object."


class RequestTooLarge(ApiError):
    status = 413
    code = "request_too_large"
    default_message = "The request body is larger than this gateway accepts."


class IdempotencyConflict(ApiError):
    status = 409
    code = "idempotency_conflict"
    default_message = "This idempotency key was already used with different parameters."


class ServiceUnavailable(ApiError):
    """The database can't be reached: nothing was done (no hold, no charge); retry later."""

    status = 503
    code = "service_unavailable"
    type = "api_error"
    default_message = "The service is temporarily unavailable; nothing was charged. Retry shortly."
    retry_after_seconds = 1
