"""dj-stripe receivers for the payment events we own; each only queues a task on commit.

dj-stripe verifies the signature, stores the Event (de-duplicating by event id) and sends these
signals inside its transaction. Its own handlers for these types would re-fetch the objects from
Stripe's API in that transaction; we work from the event payload instead, so they are unhooked
here and crediting needs no call to Stripe (tests prove it with the network blocked).

The payload's `livemode` is only a claim: what proves the mode is which endpoint's secret signed
it (each mode has its own endpoint and secret, billing/stripe_setup.py). An event whose claim
differs from its endpoint's mode is refused at verification, before any receiver sees it.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver
from djstripe import event_handlers
from djstripe.event_handlers import djstripe_receiver
from djstripe.models import Event, WebhookEventTrigger
from djstripe.signals import WEBHOOK_SIGNALS, webhook_post_validate

from billing.models import TopUpReversal
from billing.payment_events import tasks

logger = logging.getLogger(__name__)

# Every top-up is charged in dollars (billing/stripe_gateway.py creates the payment intents).
TOPUP_CURRENCY = "usd"

_UNHOOKED = {
    "payment_intent.succeeded": event_handlers.handle_other_event,
    "payment_intent.payment_failed": event_handlers.handle_other_event,
    "charge.refunded": event_handlers.handle_charge_event,
    "charge.dispute.closed": event_handlers.handle_charge_dispute_event,
}
for _event_type, _handler in _UNHOOKED.items():
    WEBHOOK_SIGNALS[_event_type].disconnect(_handler, sender=Event)


@receiver(webhook_post_validate, sender=WebhookEventTrigger)
def refuse_events_of_the_other_mode(sender, instance: WebhookEventTrigger, valid: bool, **kwargs):
    """Mark a verified event invalid when it claims another mode than its endpoint's.

    Stripe never sends a test event to a live endpoint or the reverse, so a mismatch is a
    forgery (e.g. signed with the test secret, which is less guarded) or a misconfiguration.
    dj-stripe reads `valid` back after this signal: the event is then neither stored nor
    handled, and Stripe gets a 400.
    """
    if not valid:
        return
    endpoint = instance.webhook_endpoint
    endpoint_livemode = endpoint.livemode if endpoint is not None else None
    body = instance.json_body if isinstance(instance.json_body, dict) else {}
    data = body.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    claims = [body.get("livemode")]
    if isinstance(obj, dict) and "livemode" in obj:
        claims.append(obj["livemode"])
    if endpoint_livemode in (True, False) and all(claim is endpoint_livemode for claim in claims):
        return
    instance.valid = False
    logger.error(
        "Stripe event %s claims livemode %s but was signed for endpoint %s (livemode %s); "
        "refused: an event is applied only in the mode of the endpoint that verified it",
        body.get("id"),
        claims,
        endpoint.id if endpoint is not None else None,
        endpoint_livemode,
    )


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


def _payment_refusal(payment_intent: dict) -> str:
    """Why this payment cannot credit a top-up, or "" when it may (the amount itself is compared
    with the top-up's by the credit service)."""
    currency = payment_intent.get("currency")
    if currency != TOPUP_CURRENCY:
        return f"currency {currency!r} is not the top-ups' {TOPUP_CURRENCY!r}"
    amount_received = payment_intent.get("amount_received")
    if type(amount_received) is not int:  # bool is an int; a float or string is no amount
        return f"amount_received {amount_received!r} is not a whole number of cents"
    return ""


@djstripe_receiver("payment_intent.succeeded")
def on_payment_intent_succeeded(sender, event: Event, **kwargs) -> None:
    payment_intent = event.data["object"]
    refusal = _payment_refusal(payment_intent)
    if refusal:
        logger.error(
            "payment %s (event %s) not credited: %s",
            payment_intent.get("id"),
            event.id,
            refusal,
        )
        return
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
