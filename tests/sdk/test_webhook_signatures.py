"""`construct_event` against headers made by the platform's own signer (billing.webhooks.signing).

The end-to-end case (a real delivery from a live server) is in test_live_webhooks.py.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from llmgateway_server import LLMGateway, SignatureVerificationError, construct_event

from billing.webhooks.signing import SIGNATURE_HEADER, webhook_signature

SECRET = "whsec_0123456789abcdefghijklmnopqrstuv"
BODY = json.dumps(
    {
        "id": "evt_123",
        "object": "event",
        "type": "wallet.credited",
        "created": 1764300000,
        "livemode": False,
        "data": {"walletId": "wal_1", "balance": "8.333333333"},
    },
    separators=(",", ":"),
    sort_keys=True,
).encode()


def signed(body: bytes = BODY, *, secret: str = SECRET, age_seconds: int = 0) -> str:
    return webhook_signature(secret=secret, timestamp=int(time.time()) - age_seconds, body=body)


def test_the_sdk_and_the_platform_name_the_same_header():
    import llmgateway_server

    assert llmgateway_server.SIGNATURE_HEADER == SIGNATURE_HEADER


def test_a_valid_signature_gives_a_typed_event():
    event = construct_event(BODY, signed(), SECRET)

    assert (event.id, event.type, event.livemode) == ("evt_123", "wallet.credited", False)
    assert event.created == datetime(2025, 11, 28, 3, 20, tzinfo=UTC)
    assert event.data["balance"] == "8.333333333"
    assert event.raw["object"] == "event"


def test_the_body_may_be_given_as_text_and_through_a_client():
    client = LLMGateway(api_key="sk_test_" + "x" * 32)
    assert client.webhooks.construct_event(BODY.decode(), signed(), SECRET).id == "evt_123"


def test_a_tampered_body_is_refused():
    header = signed()
    tampered = BODY.replace(b"8.333333333", b"9.333333333")
    with pytest.raises(SignatureVerificationError, match="No signature in the header matches"):
        construct_event(tampered, header, SECRET)


def test_a_re_serialized_body_is_refused():
    header = signed()
    with pytest.raises(SignatureVerificationError, match="raw request body"):
        construct_event(json.dumps(json.loads(BODY)), header, SECRET)


def test_the_wrong_secret_is_refused():
    with pytest.raises(SignatureVerificationError, match="No signature"):
        construct_event(BODY, signed(), "whsec_someone_elses_secret")


def test_a_stale_timestamp_is_refused_even_with_a_valid_signature():
    header = signed(age_seconds=301)
    with pytest.raises(SignatureVerificationError, match="old, outside the tolerance of 300 s"):
        construct_event(BODY, header, SECRET)
    # Inside a wider tolerance the same header is fine.
    assert construct_event(BODY, header, SECRET, tolerance=600).id == "evt_123"


def test_a_timestamp_from_the_future_is_refused():
    with pytest.raises(SignatureVerificationError, match="in the future"):
        construct_event(BODY, signed(age_seconds=-400), SECRET)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "no LLMGateway-Signature header"),
        ("", "no LLMGateway-Signature header"),
        ("v1=abc", "no timestamp"),
        ("t=123", "no v1="),
        ("t=soon,v1=abc", "not an integer"),
    ],
)
def test_malformed_headers_are_refused_with_a_clear_message(header, message):
    with pytest.raises(SignatureVerificationError, match=message):
        construct_event(BODY, header, SECRET)


def test_any_of_several_v1_signatures_may_match_during_a_secret_rotation():
    current = signed()
    timestamp, signature = current.split(",")
    header = f"{timestamp},v1={'0' * 64},{signature}"
    assert construct_event(BODY, header, SECRET).id == "evt_123"
