"""Celery tasks that Stripe's webhooks and the simulated provider queue: crediting a paid top-up,
failing a declined one, reversing a refunded or lost one.

Thin wrappers: each imports its service inside the task body (billing/services/). Registered
names keep the `billing.tasks.` prefix that running queues know them by; settings.CELERY_IMPORTS
loads this module in workers.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

# Crediting is idempotent (the unique payment intent), so a task redelivered after a worker died
# mid-run is safe to run again; database hiccups are retried with backoff.
_RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="billing.tasks.topup_credit", **_RELIABLE)
def topup_credit(
    *,
    payment_intent_id: str,
    livemode: bool,
    amount_received_cents: int | None = None,
    charge_id: str = "",
    event_id: str = "",
) -> bool:
    from billing.services import topups

    if type(amount_received_cents) is not int:
        # Credit only what the payment provably received: the service compares it with the
        # top-up's total, and skips that comparison when there is nothing to compare.
        logger.error(
            "payment %s not credited: amount received %r is not a whole number of cents",
            payment_intent_id,
            amount_received_cents,
        )
        return False
    result = topups.topup_credit_from_payment_intent(
        payment_intent_id=payment_intent_id,
        livemode=livemode,
        amount_received_cents=amount_received_cents,
        charge_id=charge_id,
        event_id=event_id,
    )
    return bool(result and result.credited)


@shared_task(name="billing.tasks.topup_payment_failed", **_RELIABLE)
def topup_payment_failed(*, payment_intent_id: str, livemode: bool, message: str = "") -> bool:
    from billing.services import topups

    return topups.topup_mark_failed(
        payment_intent_id=payment_intent_id, livemode=livemode, message=message
    )


@shared_task(name="billing.tasks.topup_reverse", **_RELIABLE)
def topup_reverse(
    *,
    livemode: bool,
    reason: str,
    source_id: str = "",
    payment_intent_id: str = "",
    charge_id: str = "",
) -> bool:
    from billing.services import reversals

    reversal = reversals.topup_reverse(
        livemode=livemode,
        reason=reason,
        source_id=source_id,
        payment_intent_id=payment_intent_id,
        charge_id=charge_id,
    )
    return reversal is not None
