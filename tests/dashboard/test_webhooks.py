"""Webhook endpoints: create (secret shown once), delete after confirming, deliveries, resend."""

from __future__ import annotations

import re

import pytest

from billing.models import DeveloperWebhookEndpoint, WebhookDelivery, WebhookDeliveryAttempt
from billing.webhooks.events import webhook_event_emit
from tests.helpers.dashboard import project_url

pytestmark = pytest.mark.django_db

# An IP literal: checked as a public address without any DNS lookup (this network has none).
PUBLIC_URL = "https://93.184.216.34/hooks/llm"


def test_creating_an_endpoint_shows_its_secret_once(developer_client, project):
    response = developer_client.post(
        project_url(project, "webhooks/new/"), {"url": PUBLIC_URL, "events": ["wallet.credited"]}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    endpoint = DeveloperWebhookEndpoint.objects.get(project=project)
    assert endpoint.events == ["wallet.credited"] and endpoint.livemode is False
    assert f'value="{endpoint.secret}"' in response.content.decode()
    listing = developer_client.get(project_url(project, "webhooks/")).content.decode()
    assert PUBLIC_URL in listing
    assert endpoint.secret not in listing


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://127.0.0.1/hook", "private, loopback, link-local or reserved"),
        ("https://10.1.2.3/hook", "private, loopback, link-local or reserved"),
        ("http://93.184.216.34/hook", "The URL must use https."),
        ("not a url", "Enter a valid URL."),
    ],
)
def test_unsafe_or_invalid_urls_are_refused_with_a_message(developer_client, project, url, message):
    response = developer_client.post(project_url(project, "webhooks/new/"), {"url": url})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DeveloperWebhookEndpoint.objects.exists()


def test_deleting_an_endpoint_asks_first(developer_client, project):
    endpoint = DeveloperWebhookEndpoint.objects.create(
        project=project, livemode=False, url=PUBLIC_URL
    )
    path = project_url(project, f"webhooks/{endpoint.pk}/delete/")
    assert f"Delete {PUBLIC_URL}?" in developer_client.get(path).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.deleted_at is None
    developer_client.post(path)
    endpoint.refresh_from_db()
    assert endpoint.deleted_at is not None
    page = developer_client.get(project_url(project, "webhooks/")).content.decode()
    assert PUBLIC_URL not in page.split('id="endpoints"')[1].split("</table>")[0]


def test_deliveries_show_status_and_response_and_can_be_resent(
    developer_client, project, django_capture_on_commit_callbacks
):
    endpoint = DeveloperWebhookEndpoint.objects.create(
        project=project, livemode=False, url=PUBLIC_URL
    )
    with django_capture_on_commit_callbacks(execute=False):
        event = webhook_event_emit(
            project_id=project.pk, livemode=False, type="wallet.credited", data={"amount": "1.00"}
        )
    delivery = WebhookDelivery.objects.get(event=event, endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempt_count=7, last_status_code=500, last_error="HTTP 500"
    )
    WebhookDeliveryAttempt.objects.create(
        delivery=delivery, number=7, status_code=500, response_excerpt="upstream exploded"
    )
    page = developer_client.get(project_url(project, "webhooks/")).content.decode()
    deliveries = page.split('id="deliveries"')[1]
    assert event.pk in deliveries and "failed" in deliveries
    assert "HTTP 500" in deliveries and "upstream exploded" in deliveries
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = developer_client.post(
            project_url(project, f"webhooks/deliveries/{delivery.pk}/resend/")
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert len(callbacks) == 1  # the delivery task, queued after the commit


def test_deliveries_of_another_project_cannot_be_resent(developer_client, project, outsider):
    from llmgateway.models import Project

    theirs = Project.objects.get(name="Theirs")
    endpoint = DeveloperWebhookEndpoint.objects.create(
        project=theirs, livemode=False, url=PUBLIC_URL
    )
    event = webhook_event_emit(
        project_id=theirs.pk, livemode=False, type="wallet.credited", data={}
    )
    delivery = WebhookDelivery.objects.get(event=event, endpoint=endpoint)
    response = developer_client.post(
        project_url(project, f"webhooks/deliveries/{delivery.pk}/resend/")
    )
    assert response.status_code == 404
    assert re.search("pending", WebhookDelivery.objects.get(pk=delivery.pk).status)
