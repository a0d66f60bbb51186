"""Celery tasks of billing: thin wrappers around the top-up and webhook services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from billing import low_balance, topup_reversals, topups, webhooks_out

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
    reversal = topup_reversals.topup_reverse(
        livemode=livemode,
        reason=reason,
        source_id=source_id,
        payment_intent_id=payment_intent_id,
        charge_id=charge_id,
    )
    return reversal is not None


@shared_task(name="billing.tasks.wallet_low_balance_check", ignore_result=True)
def wallet_low_balance_check(*, wallet_id: str) -> bool:
    """Queue after anything that lowers a balance (e.g. the proxy's settle) has committed."""
    return low_balance.wallet_low_balance_observe(wallet_id=wallet_id)


@shared_task(name="billing.tasks.wallets_low_balance_scan", ignore_result=True)
def wallets_low_balance_scan() -> int:
    """Periodic (beat): `wallet.low_balance` for armed wallets that spending took below."""
    return low_balance.wallets_low_balance_scan()


@shared_task(name="billing.tasks.webhook_deliver", acks_late=True)
def webhook_deliver(*, delivery_id: int) -> bool:
    attempt = webhooks_out.webhook_delivery_attempt(delivery_id=delivery_id)
    return bool(attempt and attempt.succeeded)


@shared_task(name="billing.tasks.webhook_deliveries_retry_due")
def webhook_deliveries_retry_due() -> int:
    """Periodic (beat): attempt every delivery whose backoff has passed."""
    due = webhooks_out.webhook_deliveries_due()
    for delivery_id in due:
        webhook_deliver.delay(delivery_id=delivery_id)
    return len(due)
