"""dj-stripe receivers for the payment events we own; each only queues a task on commit.

dj-stripe verifies the signature, stores the Event (de-duplicating by event id) and sends these
signals inside its transaction. Its own handlers for these types would re-fetch the objects from
Stripe's API in that transaction; we work from the event payload instead, so they are unhooked
here and crediting needs no call to Stripe (tests prove it with the network blocked).
"""

from __future__ import annotations

import logging

from djstripe import event_handlers
from djstripe.event_handlers import djstripe_receiver
from djstripe.models import Event
from djstripe.signals import WEBHOOK_SIGNALS

from billing import tasks
from billing.models_topups import TopUpReversal

logger = logging.getLogger(__name__)

_UNHOOKED = {
    "payment_intent.succeeded": event_handlers.handle_other_event,
    "payment_intent.payment_failed": event_handlers.handle_other_event,
    "charge.refunded": event_handlers.handle_charge_event,
    "charge.dispute.closed": event_handlers.handle_charge_dispute_event,
}
for _event_type, _handler in _UNHOOKED.items():
    WEBHOOK_SIGNALS[_event_type].disconnect(_handler, sender=Event)


def _id_of(value) -> str:
    """Stripe fields hold an id or, when expanded, the object."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


def _charge_id_of(payment_intent: dict) -> str:
    latest = _id_of(payment_intent.get("latest_charge"))
    if latest:
        return latest
    charges = (payment_intent.get("charges") or {}).get("data") or []  # API versions before 2022
    return _id_of(charges[0]) if charges else ""


@djstripe_receiver("payment_intent.succeeded")
def on_payment_intent_succeeded(sender, event: Event, **kwargs) -> None:
    payment_intent = event.data["object"]
    tasks.topup_credit.delay_on_commit(
        payment_intent_id=payment_intent["id"],
        livemode=bool(event.livemode),
        amount_received_cents=payment_intent.get("amount_received"),
        charge_id=_charge_id_of(payment_intent),
        event_id=event.id,
    )


@djstripe_receiver("payment_intent.payment_failed")
def on_payment_intent_failed(sender, event: Event, **kwargs) -> None:
    payment_intent = event.data["object"]
    error = payment_intent.get("last_payment_error") or {}
    tasks.topup_payment_failed.delay_on_commit(
        payment_intent_id=payment_intent["id"],
        livemode=bool(event.livemode),
        message=str(error.get("message") or "The payment failed."),
    )


@djstripe_receiver("charge.refunded")
def on_charge_refunded(sender, event: Event, **kwargs) -> None:
    charge = event.data["object"]
    if not charge.get("refunded"):
        # A partial refund: top-ups are reversed whole (docs/billing.md); an operator adjusts.
        logger.warning("partial refund of charge %s not reversed automatically", charge.get("id"))
        return
    tasks.topup_reverse.delay_on_commit(
        livemode=bool(event.livemode),
        reason=TopUpReversal.Reason.REFUND,
        source_id=charge.get("id") or "",
        payment_intent_id=_id_of(charge.get("payment_intent")),
        charge_id=charge.get("id") or "",
    )


@djstripe_receiver("charge.dispute.closed")
def on_dispute_closed(sender, event: Event, **kwargs) -> None:
    dispute = event.data["object"]
    if dispute.get("status") != "lost":
        return
    tasks.topup_reverse.delay_on_commit(
        livemode=bool(event.livemode),
        reason=TopUpReversal.Reason.DISPUTE_LOST,
        source_id=dispute.get("id") or "",
        payment_intent_id=_id_of(dispute.get("payment_intent")),
        charge_id=_id_of(dispute.get("charge")),
    )
