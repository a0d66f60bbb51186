"""Developers' webhook endpoints: registering (URL checked), deleting, finding, test pings."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from billing.models import (
    DeveloperWebhookEndpoint,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEvent,
)
from billing.webhooks.delivery import webhook_delivery_attempt
from billing.webhooks.events import EVENT_TYPES
from billing.webhooks.url_guard import webhook_url_check
from llmgateway.errors import InvalidRequest, NotFound

MAX_ENDPOINTS_PER_PROJECT = 16
# Sent only on request ("Send test event" in the dashboard), to one endpoint whatever events it
# chose; not an event endpoints subscribe to.
PING_EVENT_TYPE = "ping"


def webhook_endpoint_create(
    *, project_id: str, livemode: bool, url: str, events: list[str] | None = None
) -> DeveloperWebhookEndpoint:
    events = list(dict.fromkeys(events or []))
    for index, event_type in enumerate(events):
        if event_type not in EVENT_TYPES:
            raise InvalidRequest(f"Unknown event type {event_type!r}.", param=f"events[{index}]")
    webhook_url_check(url, livemode=livemode)
    active = DeveloperWebhookEndpoint.objects.filter(
        project_id=project_id, livemode=livemode, deleted_at__isnull=True
    )
    if active.count() >= MAX_ENDPOINTS_PER_PROJECT:
        raise InvalidRequest(
            f"A project has at most {MAX_ENDPOINTS_PER_PROJECT} endpoints per mode."
        )
    return DeveloperWebhookEndpoint.objects.create(
        project_id=project_id, livemode=livemode, url=url, events=events
    )


def webhook_endpoint_delete(*, endpoint: DeveloperWebhookEndpoint) -> DeveloperWebhookEndpoint:
    """Soft delete: its past deliveries stay visible in admin; no new ones are made."""
    endpoint.deleted_at = timezone.now()
    endpoint.enabled = False
    endpoint.save(update_fields=["deleted_at", "enabled"])
    WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, last_error="endpoint deleted"
    )
    return endpoint


def webhook_endpoint_for_project(*, project_id: str, livemode: bool, endpoint_id: str):
    endpoint = DeveloperWebhookEndpoint.objects.filter(
        pk=endpoint_id, project_id=project_id, livemode=livemode, deleted_at__isnull=True
    ).first()
    if endpoint is None:
        raise NotFound("No such webhook endpoint.", param="id")
    return endpoint


def webhook_endpoint_ping(*, endpoint: DeveloperWebhookEndpoint) -> WebhookDeliveryAttempt:
    """A signed `ping` event to one endpoint, attempted now through the delivery path every
    event takes (URL check, signature, recorded attempt). A failed ping is not retried: the
    developer sees the result at once and sends another when the receiver is fixed."""
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            project_id=endpoint.project_id,
            livemode=endpoint.livemode,
            type=PING_EVENT_TYPE,
            data={"endpoint": endpoint.pk, "url": endpoint.url},
        )
        delivery = WebhookDelivery.objects.create(
            event=event, endpoint=endpoint, next_attempt_at=timezone.now()
        )
    attempt = webhook_delivery_attempt(delivery_id=delivery.pk)
    if attempt is None:  # cannot happen: made just now, due, and no one else knows it yet
        raise RuntimeError(f"ping delivery {delivery.pk} was claimed by someone else")
    if not attempt.succeeded:
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.PENDING
        ).update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    return attempt
