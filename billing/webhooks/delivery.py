"""Delivering developer webhooks: one signed POST per attempt, recorded, retried on a backoff.

A delivery is claimed for each attempt (so a duplicate task or a concurrent sweep does not send
it twice), its URL is checked again (DNS rebinding), and the outcome is recorded on the
delivery and as a `WebhookDeliveryAttempt`. Failures are picked up again by the periodic
`billing.tasks.webhook_deliveries_retry_due` (billing/webhooks/tasks.py; not by long Celery
countdowns, which a Redis broker would redeliver after its visibility timeout).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.errors import WebhookUrlRejected
from billing.models import WebhookDelivery, WebhookDeliveryAttempt, WebhookEvent
from billing.webhooks.signing import SIGNATURE_HEADER, webhook_signature
from billing.webhooks.url_guard import CheckedTarget, webhook_url_check

logger = logging.getLogger(__name__)

# Seconds to wait after each failed attempt: 7 attempts over about 17 hours.
RETRY_BACKOFF_SECONDS = (60, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(RETRY_BACKOFF_SECONDS) + 1
# A claimed delivery is not picked up again by the retry sweep for this long.
CLAIM_LEASE_SECONDS = 120
RESPONSE_EXCERPT_CHARS = 500


def webhook_event_body(event: WebhookEvent) -> bytes:
    payload = {
        "id": event.id,
        "object": "event",
        "type": event.type,
        "created": int(event.created_at.timestamp()),
        "livemode": event.livemode,
        "data": event.data,
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def _claim(delivery_id: int) -> bool:
    """Take the delivery for one attempt; a concurrent sweep or a duplicate task gets False."""
    now = timezone.now()
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + timedelta(seconds=CLAIM_LEASE_SECONDS))
    )


def webhook_delivery_attempt(*, delivery_id: int) -> WebhookDeliveryAttempt | None:
    """One attempt of a due delivery: check the URL again, POST the signed body, record it."""
    if not _claim(delivery_id):
        return None
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = webhook_event_body(delivery.event)
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    excerpt = ""
    try:
        target = webhook_url_check(endpoint.url, livemode=endpoint.livemode)
        status_code, excerpt = _post(target, body=body, secret=endpoint.secret)
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except WebhookUrlRejected as rejected:
        error = f"refused: {rejected.message}"
    except httpx.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record_attempt(
        delivery,
        status_code=status_code,
        error=error,
        excerpt=excerpt,
        duration_ms=duration_ms,
    )


def _post(target: CheckedTarget, *, body: bytes, secret: str) -> tuple[int, str]:
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "LLMGateway-Webhooks/1",
        "Host": target.host_header,
        SIGNATURE_HEADER: webhook_signature(secret=secret, timestamp=timestamp, body=body),
    }
    # Connect to the checked address; TLS still verifies the certificate against the host name.
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    with httpx.Client(timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False) as client:
        response = client.post(
            target.connect_url, content=body, headers=headers, extensions=extensions
        )
    return response.status_code, response.text[:RESPONSE_EXCERPT_CHARS]


def _record_attempt(
    delivery: WebhookDelivery,
    *,
    status_code: int | None,
    error: str,
    excerpt: str,
    duration_ms: int,
) -> WebhookDeliveryAttempt:
    succeeded = not error
    number = delivery.attempt_count + 1
    with transaction.atomic():
        attempt = WebhookDeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            succeeded=succeeded,
            status_code=status_code,
            error=error[:500],
            response_excerpt=excerpt,
            duration_ms=duration_ms,
        )
        delivery.attempt_count = number
        delivery.last_status_code = status_code
        delivery.last_error = error[:500]
        if succeeded:
            delivery.status = WebhookDelivery.Status.SUCCEEDED
            delivery.next_attempt_at = None
        elif number >= MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = timezone.now() + timedelta(
                seconds=RETRY_BACKOFF_SECONDS[number - 1]
            )
        delivery.save(
            update_fields=[
                "attempt_count",
                "last_status_code",
                "last_error",
                "status",
                "next_attempt_at",
                "updated_at",
            ]
        )
    if not succeeded:
        logger.info("webhook delivery %s attempt %s failed: %s", delivery.pk, number, error)
    return attempt


def webhook_deliveries_due(*, limit: int = 500) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
