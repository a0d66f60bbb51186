"""The simulated card provider's confirmation (test mode without Stripe keys).

It queues the very task a Stripe webhook queues (billing/payment_events/tasks.py), so a
simulated top-up is credited, or failed, through the same path as a real one.
"""

from __future__ import annotations

from billing.errors import SimulationNotAllowed, TopUpNotPending
from billing.markup import NANOS_PER_CENT
from billing.models import TopUp
from billing.payment_events import tasks


def topup_simulate(*, topup: TopUp, outcome: str) -> TopUp:
    """The simulated provider's confirmation: queues the very task a Stripe webhook queues."""
    if topup.livemode or topup.provider != TopUp.Provider.SIMULATED:
        raise SimulationNotAllowed()
    if topup.status != TopUp.Status.PENDING:
        raise TopUpNotPending()
    if outcome == "succeeded":
        tasks.topup_credit.delay_on_commit(
            payment_intent_id=topup.payment_intent_id,
            livemode=False,
            amount_received_cents=topup.total_nanos // NANOS_PER_CENT,
            event_id="simulated",
        )
    else:
        tasks.topup_payment_failed.delay_on_commit(
            payment_intent_id=topup.payment_intent_id,
            livemode=False,
            message="Simulated card decline.",
        )
    topup.refresh_from_db()
    return topup
