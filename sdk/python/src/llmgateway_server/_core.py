"""What the sync and async clients share: a call's description, request building, the retry
policy, and turning an HTTP answer into a result or an exception. Only the transport differs."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx

from llmgateway_server._version import VERSION
from llmgateway_server.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    error_from_response,
    retry_after_seconds,
)

T = TypeVar("T")

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY_SECONDS = 0.5
MAX_RETRY_DELAY_SECONDS = 8.0
# A Retry-After longer than this is not waited for: the error is raised to the caller instead.
MAX_RETRY_AFTER_SECONDS = 60.0
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API operation: what to send, and how to read a 2xx answer (`parse(json, status)`)."""

    method: str
    path: str
    parse: Callable[[Any, int], T]
    params: Mapping[str, Any] | None = None
    json: Mapping[str, Any] | None = None
    idempotency_key: str | None = None

    @property
    def retryable(self) -> bool:
        """Safe to send again after an unknown outcome: the server can't apply it twice."""
        return self.method in IDEMPOTENT_METHODS or self.idempotency_key is not None

    def with_params(self, **params: Any) -> Call[T]:
        return replace(self, params={**(self.params or {}), **params})


def path_segment(value: str) -> str:
    """An id as one URL path segment (`ext:user 1` → `ext:user%201`)."""
    if not isinstance(value, str) or not value:
        raise ValueError("an object id must be a non-empty string")
    return quote(value, safe=":@")


def usd_string(amount: Decimal | str | int) -> str:
    """A USD amount for the API: a decimal string. Floats are refused (they can't hold cents)."""
    if isinstance(amount, bool | float):
        raise TypeError("give USD amounts as Decimal, str or int, not float (0.1 isn't exact)")
    try:
        value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    except InvalidOperation as error:
        raise ValueError(f"not a USD amount: {amount!r}") from error
    if not value.is_finite():
        raise ValueError(f"not a USD amount: {amount!r}")
    return format(value, "f")


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def retry_delay_seconds(attempt: int, headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait before retry number `attempt + 1`; None: don't retry.

    The server's Retry-After wins when it gives one we are willing to wait for; otherwise
    exponential backoff with jitter, so many clients failing together don't retry together.
    """
    retry_after = retry_after_seconds(headers) if headers is not None else None
    if retry_after is not None:
        return retry_after if retry_after <= MAX_RETRY_AFTER_SECONDS else None
    backoff: float = min(INITIAL_RETRY_DELAY_SECONDS * 2.0**attempt, MAX_RETRY_DELAY_SECONDS)
    return backoff * (0.5 + random.random() / 2)  # noqa: S311 (jitter, not a secret)


def connection_error_is_retryable(call: Call[Any], error: httpx.TransportError) -> bool:
    # A connection that never opened sent nothing, so even a plain POST is safe to resend.
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
        return True
    return call.retryable


def connection_error(error: httpx.TransportError) -> APIConnectionError:
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"The request timed out: {error}")
    return APIConnectionError(f"Could not reach the LLM gateway: {type(error).__name__}: {error}")


class ClientConfig:
    """Settings and request building common to `LLMGateway` and `AsyncLLMGateway`."""

    def __init__(
        self,
        api_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout,
        max_retries: int,
    ) -> None:
        api_key = api_key or os.environ.get("LLMGATEWAY_API_KEY")
        if not api_key:
            raise ValueError("pass api_key=… (or set LLMGATEWAY_API_KEY): a sk_test_/sk_live_ key")
        if api_key.startswith("es_"):
            raise ValueError(
                "an es_ session token belongs in the browser; the server SDK needs a secret key"
            )
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        base_url = base_url or os.environ.get("LLMGATEWAY_BASE_URL") or DEFAULT_BASE_URL
        self.api_key = api_key
        self.base_url = base_url.rstrip("/").removesuffix("/v1")
        self.timeout = timeout
        self.max_retries = max_retries

    def __repr__(self) -> str:  # never print the key
        return f"<{type(self).__name__} base_url={self.base_url!r}>"

    def request_arguments(self, call: Call[Any]) -> dict[str, Any]:
        headers = {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": f"llmgateway-server-python/{VERSION}",
        }
        if call.idempotency_key is not None:
            headers["Idempotency-Key"] = call.idempotency_key
        arguments: dict[str, Any] = {
            "method": call.method,
            "url": self.base_url + call.path,
            "headers": headers,
        }
        if call.params:
            arguments["params"] = drop_none(call.params)
        if call.json is not None:
            arguments["json"] = call.json
        return arguments

    def retry_delay(self, call: Call[Any], attempt: int, response: httpx.Response) -> float | None:
        """For an HTTP answer: seconds to wait before sending `call` again, or None."""
        if attempt >= self.max_retries or response.status_code not in RETRYABLE_STATUSES:
            return None
        if not call.retryable:
            return None
        return retry_delay_seconds(attempt, response.headers)

    def connection_retry_delay(
        self, call: Call[Any], attempt: int, error: httpx.TransportError
    ) -> float | None:
        if attempt >= self.max_retries or not connection_error_is_retryable(call, error):
            return None
        return retry_delay_seconds(attempt, None)


def result_from_response(call: Call[T], response: httpx.Response) -> T:
    """The parsed result of a 2xx answer; the matching exception for anything else."""
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
        if response.is_success:
            raise APIError(
                "The gateway answered with something that is not JSON.",
                status=response.status_code,
                headers=response.headers,
            ) from None
    if not response.is_success:
        raise error_from_response(
            status=response.status_code,
            body=body,
            headers=response.headers,
            fallback_text=response.text if body is None else "",
        )
    try:
        return call.parse(body, response.status_code)
    except (KeyError, TypeError, ValueError) as error:
        raise APIError(
            f"The gateway's answer to {call.method} {call.path} has an unexpected shape: "
            f"{type(error).__name__}: {error}",
            status=response.status_code,
            headers=response.headers,
            body=body,
        ) from error
