"""The payout's transfer: claim it, make the Stripe transfer, and finish it as paid or failed.

    payout_transfer_execute claim under lock (→ processing, amount fixed from then on), Stripe
                            transfer of that amount keyed by the payout, then
    payout_mark_paid        → paid, reservation → payouts_in_transit, `payout.paid`
    payout_mark_failed      → failed, reservation released, `payout.failed`

Run by the `payouts.tasks.payout_transfer` task, which requests and retries queue
(payouts/services/payouts.py). Every step locks the organization's margin rows first, then the
payout (wallets/locks.py): a refund reversal shrinking pending payouts (payouts.services.refunds)
takes the same locks in the same order, so it sees each payout either still pending or already
claimed.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from billing import stripe_gateway
from billing.webhooks.events import webhook_event_emit
from llmgateway.models import Project
from payouts.models import OPEN_STATUSES, Payout
from payouts.serializers import PayoutSerializer
from payouts.services.ledger import (
    margin_accounts_lock_for_payout,
    payout_paid_post,
    payout_release_post,
)
from payouts.services.simulated import account_is_simulated, simulated_transfer_id

logger = logging.getLogger(__name__)
Status = Payout.Status


class PayoutTransferPending(Exception):
    """The transfer's outcome is unknown or Stripe may accept it later: try again, same key."""


def payout_transfer_execute(*, payout_id: str) -> Payout | None:
    """Make the payout's Stripe transfer and finish it; None when it needs nothing (finished or
    canceled). Raises PayoutTransferPending when the outcome is unknown: run it again later.

    Safe to run any number of times, also at once: the transfer is keyed by the payout, so
    Stripe answers every repeat with the first transfer.
    """
    payout = _payout_claim(payout_id)
    if payout is None:
        return None
    try:
        transfer_id = _transfer(payout)
    except stripe_gateway.StripeDeclined as declined:
        return payout_mark_failed(
            payout_id=payout.pk, code=declined.code or "transfer_declined", message=str(declined)
        )
    except stripe_gateway.StripeUnavailable as error:
        raise PayoutTransferPending(str(error)) from error
    return payout_mark_paid(payout_id=payout.pk, transfer_id=transfer_id)


def _payout_claim(payout_id: str) -> Payout | None:
    """Mark an open payout processing and return it with the amount to transfer, read under
    the locks a refund takes to shrink or cancel a pending payout: once claimed, the amount no
    longer changes (a refund claims from a processing payout instead, payouts.services.refunds).
    """
    with transaction.atomic(durable=True):
        margin_accounts_lock_for_payout(payout_id=payout_id)
        payout = (
            Payout.objects.select_for_update(no_key=True, of=("self",))
            .select_related("connected_account")
            .filter(pk=payout_id, status__in=OPEN_STATUSES)
            .first()
        )
        if payout is None:
            return None  # finished, or canceled (by an operator or a refund) meanwhile
        now = timezone.now()
        payout.status = Status.PROCESSING
        payout.transfer_attempts += 1
        payout.processing_started_at = now
        payout.save(
            update_fields=["status", "transfer_attempts", "processing_started_at", "updated_at"]
        )
    return payout


def _transfer(payout: Payout) -> str:
    if account_is_simulated(payout.connected_account):
        return simulated_transfer_id(transfer_idempotency_key=payout.transfer_idempotency_key)
    if payout.transfer_attempts > 1:
        # Stripe forgets idempotency keys after 24 hours: before repeating a transfer that may
        # have been made, look for it by its group (the payout id).
        existing = stripe_gateway.transfer_find_by_group(
            livemode=payout.livemode, transfer_group=payout.pk
        )
        if existing is not None:
            return existing.id
    transfer = stripe_gateway.transfer_create(
        livemode=payout.livemode,
        amount_cents=payout.amount_cents,
        destination=payout.connected_account.stripe_account_id,
        idempotency_key=payout.transfer_idempotency_key,
        metadata={"payout_id": payout.pk, "organization_id": payout.organization_id},
        transfer_group=payout.pk,
    )
    return transfer.id


def payout_mark_paid(*, payout_id: str, transfer_id: str) -> Payout:
    with transaction.atomic(durable=True):
        margin_accounts_lock_for_payout(payout_id=payout_id)
        now = timezone.now()
        finished = Payout.objects.filter(pk=payout_id, status=Status.PROCESSING).update(
            status=Status.PAID,
            transfer_id=transfer_id,
            failure_code="",
            failure_message="",
            paid_at=now,
            finished_at=now,
            updated_at=now,
        )
        payout = Payout.objects.get(pk=payout_id)
        if finished:
            payout_paid_post(payout=payout)
            _notify(payout, "payout.paid")
    return payout


def payout_mark_failed(*, payout_id: str, code: str, message: str) -> Payout:
    with transaction.atomic(durable=True):
        margin_accounts_lock_for_payout(payout_id=payout_id)
        now = timezone.now()
        finished = Payout.objects.filter(pk=payout_id, status=Status.PROCESSING).update(
            status=Status.FAILED,
            failure_code=code[:100],
            failure_message=message[:500],
            finished_at=now,
            updated_at=now,
        )
        payout = Payout.objects.get(pk=payout_id)
        if finished:
            payout_release_post(payout=payout)
            if payout.refund_claim_nanos:
                # The claim is settled by the release (back to platform losses).
                payout.refund_claim_nanos = 0
                payout.save(update_fields=["refund_claim_nanos", "updated_at"])
            _notify(payout, "payout.failed")
    logger.warning("payout %s failed: %s (%s)", payout_id, message, code)
    return payout


def _notify(payout: Payout, event_type: str) -> None:
    """The event goes to every project of the organization: the margin is the organization's."""
    data = dict(PayoutSerializer(payout).data)
    for project_id in Project.objects.filter(organization_id=payout.organization_id).values_list(
        "pk", flat=True
    ):
        webhook_event_emit(
            project_id=project_id, livemode=payout.livemode, type=event_type, data=data
        )
