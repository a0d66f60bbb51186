"""The payout transfer task: a thin wrapper around payouts.services.transfers.

Payout requests and retries queue it (payouts/services/payouts.py), so it imports its service
inside the task body. The periodic tasks (beat), which run services that queue this one, are in
payouts/periodic.py.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

# Retries of a transfer whose outcome was unknown, 2 s, 4 s, … up to 10 min apart; after the
# last one the payout stays `processing` and the stuck-payout sweep hands it back later.
TRANSFER_MAX_RETRIES = 8
TRANSFER_RETRY_BASE_SECONDS = 2
TRANSFER_RETRY_MAX_SECONDS = 600


@shared_task(
    bind=True,
    name="payouts.tasks.payout_transfer",
    # A worker that dies mid-transfer leaves the message unacknowledged: the broker hands it to
    # another worker (after its visibility timeout), which repeats the transfer under the same
    # idempotency key and so gets the first transfer back, never a second one.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=TRANSFER_MAX_RETRIES,
)
def payout_transfer(self, *, payout_id: str) -> str | None:
    from payouts.services import transfers

    try:
        payout = transfers.payout_transfer_execute(payout_id=payout_id)
    except transfers.PayoutTransferPending as pending:
        # Run inline (no broker: the embedded default), a retry would raise into the caller;
        # stripe-python has already retried, and the stuck-payout sweep takes it from here.
        if self.request.is_eager or self.request.retries >= TRANSFER_MAX_RETRIES:
            logger.warning("payout %s still unresolved; left to the sweep: %s", payout_id, pending)
            return None
        countdown = min(
            TRANSFER_RETRY_BASE_SECONDS * 2**self.request.retries, TRANSFER_RETRY_MAX_SECONDS
        )
        raise self.retry(countdown=countdown) from pending
    return payout.status if payout else None
