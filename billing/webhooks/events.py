"""Developer webhook events: written in the transaction that caused them (an outbox).

An event row and its delivery rows are written in the caller's transaction, so a rolled-back
credit never notifies anyone and a committed one always does; the first attempt of each
delivery is queued for after the commit (billing/webhooks/tasks.py).
"""

from __future__ import annotations

from django.utils import timezone

from billing.models import DeveloperWebhookEndpoint, WebhookDelivery, WebhookEvent
from billing.webhooks.tasks import webhook_deliver

EVENT_TYPES = (
    "wallet.credited",
    "wallet.low_balance",
    "wallet.refunded",
    "payout.paid",
    "payout.failed",
)


def webhook_event_emit(*, project_id: str, livemode: bool, type: str, data: dict) -> WebhookEvent:
    """Inside the caller's transaction: the event, a delivery per interested endpoint, and the
    first attempt queued for after the commit."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {type}")
    event = WebhookEvent.objects.create(
        project_id=project_id, livemode=livemode, type=type, data=data
    )
    endpoints = DeveloperWebhookEndpoint.objects.filter(
        project_id=project_id, livemode=livemode, enabled=True, deleted_at__isnull=True
    )
    now = timezone.now()
    for endpoint in endpoints:
        if endpoint.wants(type):
            delivery = WebhookDelivery.objects.create(
                event=event, endpoint=endpoint, next_attempt_at=now
            )
            webhook_deliver.delay_on_commit(delivery_id=delivery.pk)
    return event


def webhook_delivery_resend(*, delivery_id: int) -> None:
    """Admin's resend: one more attempt now (a failed one is not retried again on its own)."""
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now()
    )
    webhook_deliver.delay_on_commit(delivery_id=delivery_id)
