"""The signature of developer webhooks: the `LLMGateway-Signature` header (DESIGN.md §5)."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "LLMGateway-Signature"


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (DESIGN.md §5)."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
