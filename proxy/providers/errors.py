"""How an upstream failure becomes an error, in one place: the adapters' side (an HTTP error
answer or a transport failure → `UpstreamError`) and the gateway's (an `UpstreamError` or
`UnsupportedOperation` → the API error the client gets).

A call that fails before any output releases its hold (proxy/calls/call.py): the client's
error says nothing was charged.
"""

from __future__ import annotations

import json
import re

import httpx

from llmgateway.errors import ApiError, InvalidRequest
from proxy.errors import UpstreamFailed, UpstreamRateLimited
from proxy.providers.base import UnsupportedOperation, UpstreamError

# How much of an error answer that is not the provider's JSON error shape a message quotes.
ERROR_SNIPPET_CHARS = 300
# Upstream statuses that mean the request itself was refused: the client's to fix (a 400).
REFUSED_REQUEST_STATUSES = (400, 404, 413, 422)
_SECRET_LOOKING = re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-*.]{6,}")


def redact_secret(text: str, secret: str) -> str:
    """`text` without `secret` and without anything shaped like a provider key (`sk-…`)."""
    if secret:
        text = text.replace(secret, "[redacted]")
    return _SECRET_LOOKING.sub("[redacted]", text)


def upstream_error_from_answer(
    provider: str,
    api_key: str,
    status: int,
    content: bytes,
    *,
    code_fields: tuple[str, ...],
    string_error: bool = False,
    retry_after: float | None = None,
) -> UpstreamError:
    """An error answer (status >= 400) as an UpstreamError: the provider's message and code
    from its `{"error": {...}}` body (`code_fields`: where this API style keeps the code, first
    found wins; `string_error`: it may also send `{"error": "message"}`), never an API key;
    the gateway's own message for refused credentials."""
    code = None
    message = ""
    try:
        error = json.loads(content).get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        message = str(error.get("message") or "")
        code = next((error[field] for field in code_fields if error.get(field)), None)
    elif string_error and isinstance(error, str):
        message = error
    if status in (401, 403):
        message = f"{provider} refused the gateway's credentials."
    if not message:
        message = content[:ERROR_SNIPPET_CHARS].decode(errors="replace") or "no detail"
    return UpstreamError(
        status,
        redact_secret(f"{provider}: {message}", api_key),
        code=str(code) if code else None,
        retry_after=retry_after,
    )


def upstream_error_from_transport(provider: str, error: httpx.HTTPError) -> UpstreamError:
    """A timeout (504) or any other failure on the wire (502)."""
    if isinstance(error, httpx.TimeoutException):
        return UpstreamError(504, f"{provider} did not answer in time.", code="timeout")
    return UpstreamError(502, f"Could not reach {provider}.", code="connection_error")


def upstream_api_error(error: UpstreamError | UnsupportedOperation) -> ApiError:
    """What the client is answered when the upstream fails (nothing was charged)."""
    if isinstance(error, UnsupportedOperation):
        return InvalidRequest(str(error))
    if error.status == 429:
        return UpstreamRateLimited()
    if error.status in REFUSED_REQUEST_STATUSES:
        return InvalidRequest(f"The provider refused the request: {error.message}")
    return UpstreamFailed(f"The model provider failed ({error.status}); nothing was charged.")
