"""Celery tasks delivering developer webhooks: one attempt, and the periodic retry sweep.

They sit below the outbox (billing/webhooks/events.py queues `webhook_deliver`) and import the
delivery service inside the task body. Registered names keep the `billing.tasks.` prefix that
the beat schedule and running queues know them by; settings.CELERY_IMPORTS loads this module
in workers.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="billing.tasks.webhook_deliver", acks_late=True)
def webhook_deliver(*, delivery_id: int) -> bool:
    from billing.webhooks import delivery

    attempt = delivery.webhook_delivery_attempt(delivery_id=delivery_id)
    return bool(attempt and attempt.succeeded)


@shared_task(name="billing.tasks.webhook_deliveries_retry_due")
def webhook_deliveries_retry_due() -> int:
    """Periodic (beat): attempt every delivery whose backoff has passed."""
    from billing.webhooks import delivery

    due = delivery.webhook_deliveries_due()
    for delivery_id in due:
        webhook_deliver.delay(delivery_id=delivery_id)
    return len(due)
