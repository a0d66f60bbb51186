"""Trying webhooks locally: the URL's scheme and port are refused before any DNS lookup, and
"Send test event" delivers a signed `ping` through the normal delivery path and says how the
endpoint answered."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from collections.abc import Iterator

import pytest

from billing.errors import WebhookUrlRejected
from billing.models import DeveloperWebhookEndpoint, WebhookDelivery
from billing.webhooks.endpoints import webhook_endpoint_create
from billing.webhooks.url_guard import webhook_url_check
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.helpers import factories
from tests.helpers.dashboard import project_url


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any lookup is recorded and fails the way an unknown name does."""
    looked_up: list[str] = []

    def refuse(host, *args, **kwargs):
        looked_up.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return looked_up


@pytest.mark.parametrize("livemode", [True, False])
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example/llm", "The URL must use https."),
        ("ftp://hooks.example/llm", "The URL must be https://host/…."),
        ("https://hooks.example:8080/llm", "The URL's port 8080 is not allowed"),
    ],
)
def test_what_the_url_says_is_refused_before_any_dns_lookup(
    settings, no_dns, livemode, url, message
):
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = False
    with pytest.raises(WebhookUrlRejected) as refused:
        webhook_url_check(url, livemode=livemode)
    assert message in refused.value.message
    assert no_dns == []


def test_http_to_an_unknown_name_names_https_as_the_fix(settings, no_dns):
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = True  # local development: http to loopback, test mode
    with pytest.raises(WebhookUrlRejected) as refused:
        webhook_url_check("http://hooks.example/llm", livemode=False)
    assert refused.value.message == (
        "The URL must use https (plain http only to this machine, in test mode)."
    )
    assert no_dns == ["hooks.example"]  # only loopback could make http acceptable


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def local_endpoint(settings, project, receiver) -> DeveloperWebhookEndpoint:
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    return webhook_endpoint_create(
        project_id=project.pk,
        livemode=False,
        url=receiver.url("/hooks"),
        events=["wallet.credited"],  # a ping goes whatever the endpoint subscribed to
    )


@pytest.mark.django_db
def test_send_test_event_delivers_a_signed_ping(
    developer_client, project, local_endpoint, receiver
):
    response = developer_client.post(
        project_url(project, f"webhooks/{local_endpoint.pk}/test/"), follow=True
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Test event delivered to {local_endpoint.url}: HTTP 200 in " in html
    assert len(receiver.received) == 1
    received = receiver.received[0]
    body = json.loads(received.body)
    assert body["type"] == "ping" and body["livemode"] is False
    assert body["data"] == {"endpoint": local_endpoint.pk, "url": local_endpoint.url}
    signature = dict(
        part.split("=", 1) for part in received.headers["LLMGateway-Signature"].split(",")
    )
    expected = hmac.new(
        local_endpoint.secret.encode(),
        f"{signature['t']}.".encode() + received.body,
        hashlib.sha256,
    ).hexdigest()
    assert hmac.compare_digest(signature["v1"], expected)
    delivery = WebhookDelivery.objects.get(endpoint=local_endpoint)
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.event.type == "ping"
    assert "ping" in html  # listed with the recent deliveries


@pytest.mark.django_db
def test_a_failed_test_event_says_why_and_is_not_retried(
    developer_client, project, local_endpoint, receiver
):
    receiver.status = 500
    response = developer_client.post(
        project_url(project, f"webhooks/{local_endpoint.pk}/test/"), follow=True
    )
    assert f"Test event to {local_endpoint.url} failed: HTTP 500." in response.content.decode()
    delivery = WebhookDelivery.objects.get(endpoint=local_endpoint)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.next_attempt_at is None
    assert delivery.attempt_count == 1


@pytest.mark.django_db
def test_another_projects_endpoint_cannot_be_pinged(
    developer_client, organization, local_endpoint, receiver
):
    other = factories.make_project(organization, name="Other")
    response = developer_client.post(project_url(other, f"webhooks/{local_endpoint.pk}/test/"))
    assert response.status_code == 404
    assert receiver.received == []
