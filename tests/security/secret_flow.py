"""A flow through the API that handles every kind of secret, for the never-logged tests: mint,
chat (plain and streamed), bad and revoked tokens, refresh, a webhook endpoint and its
deliveries, a simulated top-up and a live top-up against an unreachable Stripe."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

HELLO = [{"role": "user", "content": "hello, logs"}]
STRIPE_LIVE_SECRET_KEY = "sk_live_" + "NeverLogThisStripeKey0123456789ab"
UNREACHABLE_WEBHOOK_URL = "http://127.0.0.1:9/hooks"  # the discard port: deliveries fail


@dataclass
class Response:
    status: int
    body: dict | str


# (method, path, body or None, bearer token or None) → Response
Send = Callable[[str, str, dict | None, str | None], Response]


@dataclass
class Secrets:
    values: list[str] = field(default_factory=list)

    def add(self, *values: str) -> None:
        self.values.extend(value for value in values if value)

    def found_in(self, text: str) -> list[str]:
        """Every secret (or its random tail) that appears in `text`."""
        return [secret for secret in self.values if secret in text or secret[-20:] in text]


def run_flow(send: Send, *, test_key: str, live_key: str, revoked_key: str) -> Secrets:
    secrets = Secrets()
    secrets.add(test_key, live_key, revoked_key, STRIPE_LIVE_SECRET_KEY)

    minted = send("POST", "/v1/sessions", {"customer": "log_user"}, test_key)
    assert minted.status == 201, minted.body
    token, session_id, wallet_id = (
        minted.body["sessionToken"], minted.body["id"], minted.body["walletId"]
    )  # fmt: skip
    secrets.add(token)
    credit = {"amount": "5", "reason": "log test"}
    assert send("POST", f"/v1/wallets/{wallet_id}/credits", credit, test_key).status in (200, 201)

    endpoint = send("POST", "/v1/webhook-endpoints", {"url": UNREACHABLE_WEBHOOK_URL}, test_key)
    assert endpoint.status == 201, endpoint.body
    secrets.add(endpoint.body["secret"])

    chat = {"model": "test/echo", "messages": HELLO}
    answered = send("POST", "/v1/chat/completions", chat, token)
    assert answered.status == 200, answered.body
    streamed = send("POST", "/v1/chat/completions", {**chat, "stream": True}, token)
    assert streamed.status == 200, streamed.body

    topup = send("POST", "/v1/wallet/top-ups", {"amount": "10"}, token)
    assert topup.status == 201, topup.body
    secrets.add(topup.body.get("clientSecret") or "")
    simulate = {"outcome": "succeeded"}
    path = f"/v1/wallet/top-ups/{topup.body['id']}/simulate"
    assert send("POST", path, simulate, token).status == 200

    refreshed = send("POST", "/v1/sessions/refresh", None, token)
    assert refreshed.status == 200, refreshed.body
    new_token = refreshed.body["sessionToken"]
    secrets.add(new_token)
    assert send("GET", "/v1/wallet", None, token).status == 401  # the old token
    assert send("DELETE", f"/v1/sessions/{session_id}", None, test_key).status == 200
    assert send("GET", "/v1/wallet", None, new_token).status == 401  # revoked

    for bad in ("es_test_" + "Bad0Token" * 6, "sk_test_" + "Bad0Key0" * 6, revoked_key):
        secrets.add(bad)
        assert send("GET", "/v1/wallet", None, bad).status == 401
        assert send("POST", "/v1/chat/completions", chat, bad).status == 401
    garbage = "Bearer " + "es_live_" + "Garbage" * 8
    secrets.add(garbage.removeprefix("Bearer "))
    assert send("GET", "/v1/customers", None, garbage).status == 401

    live = send("POST", "/v1/sessions", {"customer": "log_user"}, live_key)
    assert live.status == 201, live.body
    secrets.add(live.body["sessionToken"])
    # Stripe is unreachable: the top-up fails, and whatever gets logged must not hold the key.
    failed = send("POST", "/v1/wallet/top-ups", {"amount": "10"}, live.body["sessionToken"])
    assert failed.status >= 400, failed.body
    return secrets


def decode(content: bytes) -> dict | str:
    try:
        return json.loads(content)
    except ValueError:
        return content.decode(errors="replace")
