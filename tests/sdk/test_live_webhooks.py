"""Webhook endpoints through the SDK, and `construct_event` on a real delivery: a live daphne
credits a simulated top-up and POSTs `wallet.credited`, signed by the platform, to a receiver."""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import pytest
from llmgateway_server import NotFoundError, SignatureVerificationError

from billing.webhooks.signing import webhook_signature
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.helpers.money import assert_ledger_ok

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver():
    fake = WebhookReceiver().start()
    yield fake
    fake.stop()


def top_up_ten_dollars(base_url: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    top_up = httpx.post(f"{base_url}/v1/wallet/top-ups", json={"amount": "10.00"}, headers=headers)
    assert top_up.status_code == 201, top_up.text
    simulated = httpx.post(
        f"{base_url}/v1/wallet/top-ups/{top_up.json()['id']}/simulate",
        json={"outcome": "succeeded"},
        headers=headers,
    )
    assert simulated.status_code == 200, simulated.text


def wait_for_delivery(receiver: WebhookReceiver, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not receiver.received:
        assert time.monotonic() < deadline, "no webhook delivered"
        time.sleep(0.05)
    return receiver.received[0]


def test_endpoints_create_list_get_and_delete(gateway, receiver):
    created = gateway.webhook_endpoints.create(url=receiver.url(), events=["wallet.credited"])

    assert created.secret.startswith("whsec_")
    assert (created.url, created.events, created.status) == (
        receiver.url(),
        ("wallet.credited",),
        "enabled",
    )
    listed = gateway.webhook_endpoints.list()
    assert [endpoint.id for endpoint in listed] == [created.id]
    assert listed[0].secret is None
    assert gateway.webhook_endpoints.get(created.id).secret is None

    deleted = gateway.webhook_endpoints.delete(created.id)

    assert (deleted.id, deleted.object, deleted.deleted) == (created.id, "webhook_endpoint", True)
    with pytest.raises(NotFoundError):
        gateway.webhook_endpoints.get(created.id)


def test_a_real_delivery_verifies_and_tampering_or_age_is_refused(
    gateway, receiver, live_server_url
):
    endpoint = gateway.webhook_endpoints.create(url=receiver.url(), events=["wallet.credited"])
    session = gateway.sessions.create(customer="user_1")

    top_up_ten_dollars(live_server_url, session.session_token)
    delivery = wait_for_delivery(receiver)
    header = delivery.headers["LLMGateway-Signature"]

    event = gateway.webhooks.construct_event(delivery.body, header, endpoint.secret)
    assert event.id.startswith("evt_")
    assert (event.type, event.livemode) == ("wallet.credited", False)
    assert event.data["walletId"] == session.wallet_id
    assert Decimal(event.data["netCredit"]) == Decimal("8.333333333")
    assert abs(event.created.timestamp() - time.time()) < 60

    tampered = delivery.body.replace(b"8.333333333", b"9.333333333")
    assert tampered != delivery.body
    with pytest.raises(SignatureVerificationError):
        gateway.webhooks.construct_event(tampered, header, endpoint.secret)
    with pytest.raises(SignatureVerificationError):
        gateway.webhooks.construct_event(delivery.body, header, "whsec_not_this_endpoints")
    replayed_later = webhook_signature(
        secret=endpoint.secret, timestamp=int(time.time()) - 301, body=delivery.body
    )
    with pytest.raises(SignatureVerificationError, match="tolerance"):
        gateway.webhooks.construct_event(delivery.body, replayed_later, endpoint.secret)
    assert_ledger_ok()
