"""Verifying developer webhooks: `LLMGateway-Signature: t=<unix seconds>,v1=<hex HMAC>`.

The signature is HMAC-SHA256 with the endpoint's secret over `"<t>." + raw body`. Verify the raw
bytes exactly as received (not re-serialized JSON), compare in constant time, and refuse
timestamps outside the tolerance so a captured delivery can't be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from llmgateway_server.errors import SignatureVerificationError
from llmgateway_server.models import Event

SIGNATURE_HEADER = "LLMGateway-Signature"
DEFAULT_TOLERANCE_SECONDS = 300
SIGNATURE_SCHEME = "v1"


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, separator, value = item.strip().partition("=")
        if not separator:
            continue
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureVerificationError(
                    f"The {SIGNATURE_HEADER} header's timestamp t={value!r} is not an integer.",
                    header=header,
                ) from None
        elif name == SIGNATURE_SCHEME:
            signatures.append(value)
    if timestamp is None:
        raise SignatureVerificationError(
            f"The {SIGNATURE_HEADER} header has no timestamp (t=…).", header=header
        )
    if not signatures:
        raise SignatureVerificationError(
            f"The {SIGNATURE_HEADER} header has no {SIGNATURE_SCHEME}=… signature.",
            header=header,
        )
    return timestamp, signatures


def verify_header(
    payload: bytes | str,
    header: str | None,
    secret: str,
    *,
    tolerance: int | None = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Raise SignatureVerificationError unless `header` signs `payload` with `secret`, recently.

    `tolerance=None` skips the age check (only for replaying stored deliveries in tests).
    """
    if not secret:
        raise ValueError("the endpoint's signing secret (whsec_…) is required")
    if not header:
        raise SignatureVerificationError(f"The request has no {SIGNATURE_HEADER} header.")
    body = payload.encode() if isinstance(payload, str) else bytes(payload)
    timestamp, signatures = _parse_header(header)
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    # Check every v1 value (there may be several while a secret is rotated) without stopping
    # at the first match, so the time taken says nothing about which one was close.
    matched = False
    for signature in signatures:
        matched |= hmac.compare_digest(expected, signature)
    if not matched:
        raise SignatureVerificationError(
            "No signature in the header matches the payload: check that you pass the raw "
            "request body (not parsed and re-serialized JSON) and this endpoint's secret.",
            header=header,
        )
    if tolerance is not None:
        age = time.time() - timestamp
        if abs(age) > tolerance:
            raise SignatureVerificationError(
                f"The signature's timestamp is {abs(age):.0f} s "
                f"{'old' if age > 0 else 'in the future'}, outside the tolerance of "
                f"{tolerance} s: a replayed delivery or a wrong server clock.",
                header=header,
            )


def construct_event(
    payload: bytes | str,
    header: str | None,
    secret: str,
    tolerance: int | None = DEFAULT_TOLERANCE_SECONDS,
) -> Event:
    """Verify a delivery and return its Event; raise SignatureVerificationError otherwise.

    `payload` is the raw request body, `header` the `LLMGateway-Signature` header, `secret` the
    `whsec_…` that `webhook_endpoints.create` returned.
    """
    verify_header(payload, header, secret, tolerance=tolerance)
    data: Any = json.loads(payload)
    if not isinstance(data, dict):
        raise ValueError("the webhook payload is not a JSON object")
    return Event.from_dict(data)


class Webhooks:
    """`client.webhooks.construct_event(…)`: the same functions, reachable from a client."""

    SIGNATURE_HEADER = SIGNATURE_HEADER

    @staticmethod
    def construct_event(
        payload: bytes | str,
        header: str | None,
        secret: str,
        tolerance: int | None = DEFAULT_TOLERANCE_SECONDS,
    ) -> Event:
        return construct_event(payload, header, secret, tolerance)

    @staticmethod
    def verify_header(
        payload: bytes | str,
        header: str | None,
        secret: str,
        tolerance: int | None = DEFAULT_TOLERANCE_SECONDS,
    ) -> None:
        verify_header(payload, header, secret, tolerance=tolerance)
