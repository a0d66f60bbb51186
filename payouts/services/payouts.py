"""Margin payouts: reserve and create (one durable transaction), make the Stripe transfer, and
finish as paid or failed; operators cancel and retry.

    payout_request          reserve + pending Payout; the transfer task is queued on commit
    payout_transfer_execute claim under lock (→ processing, amount fixed from then on), Stripe
                            transfer of that amount keyed by the payout, then
    payout_mark_paid        → paid, reservation → payouts_in_transit, `payout.paid`
    payout_mark_failed      → failed, reservation released, `payout.failed`

Every step that changes a payout locks the organization's margin rows first, then the payout
(wallets/locks.py): a refund reversal shrinking pending payouts (payouts.services.refunds) takes
the same locks in the same order, so it sees each payout either still pending or already claimed.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing import stripe_gateway
from llmgateway.errors import IdempotencyConflict, InvalidRequest
from llmgateway.models import Project
from llmgateway.money import nanos_to_usd, usd_to_nanos
from payouts.errors import (
    InsufficientMargin,
    PayoutNotCancelable,
    PayoutNotRetryable,
    PayoutsNotEnabled,
)
from payouts.models import NANOS_PER_CENT, ConnectedAccount, Payout
from payouts.services.ledger import (
    margin_accounts_lock,
    payout_paid_post,
    payout_release_post,
    payout_reserve_post,
)
from payouts.services.simulated import account_is_simulated, simulated_transfer_id

logger = logging.getLogger(__name__)
Status = Payout.Status
OPEN_STATUSES = (Status.PENDING, Status.PROCESSING)


class PayoutTransferPending(Exception):
    """The transfer's outcome is unknown or Stripe may accept it later: try again, same key."""


def whole_cents(amount_nanos: int) -> int:
    """Transfers are whole cents: the sub-cent remainder stays available."""
    return amount_nanos - amount_nanos % NANOS_PER_CENT


def payout_minimum_nanos() -> int:
    return usd_to_nanos(settings.PAYOUT_MIN_USD)


def payout_request(
    *,
    organization_id: str,
    livemode: bool,
    amount_nanos: int | None = None,
    project_id: str | None = None,
    requested_by_id: int | None = None,
    idempotency_key: str | None = None,
    trigger: str = Payout.Trigger.API,
) -> tuple[Payout, bool]:
    """Reserve margin for a payout and create it (pending); `amount_nanos` None means all.

    Either mode: a test-mode payout moves test margin to the organization's test connected
    account (Stripe's test mode, or the simulated provider without a Stripe test key).

    Who asked is the project whose key called (`project_id`) or the dashboard member
    (`requested_by_id`). Returns `(payout, created)`: a key the organization already used
    returns that payout, whichever of its projects or members sent it; never another
    organization's.
    """
    minimum = payout_minimum_nanos()
    requested = None if amount_nanos is None else whole_cents(amount_nanos)
    if requested is not None and requested < minimum:
        raise InvalidRequest(
            f"A payout is at least {nanos_to_usd(minimum)} USD (whole cents).", param="amount"
        )
    from payouts import tasks

    with transaction.atomic(durable=True):
        # Every payout of the organization queues here, so "all available" is exact and a
        # replayed idempotency key sees the payout its first request committed.
        margin, reserved = margin_accounts_lock(organization_id=organization_id, livemode=livemode)
        if idempotency_key:
            existing = Payout.objects.filter(
                organization_id=organization_id, livemode=livemode, idempotency_key=idempotency_key
            ).first()
            if existing is not None:
                if existing.requested_amount_nanos != requested:
                    raise IdempotencyConflict(param="idempotencyKey")
                return existing, False
        account = ConnectedAccount.objects.filter(
            organization_id=organization_id, livemode=livemode
        ).first()
        if account is None or not account.payouts_enabled:
            raise PayoutsNotEnabled()
        payout_amount = _payout_amount(
            available_nanos=margin.balance_nanos, requested_nanos=requested, minimum_nanos=minimum
        )
        payout = Payout(
            organization_id=organization_id,
            livemode=livemode,
            connected_account=account,
            project_id=project_id,
            requested_by_id=requested_by_id,
            trigger=trigger,
            amount_nanos=payout_amount,
            requested_amount_nanos=requested,
            idempotency_key=idempotency_key or None,
        )
        payout.transfer_idempotency_key = payout.pk
        payout.save(force_insert=True)
        payout_reserve_post(payout=payout, margin=margin, reserved=reserved)
        tasks.payout_transfer.delay_on_commit(payout_id=payout.pk)
    return payout, True


def _payout_amount(*, available_nanos: int, requested_nanos: int | None, minimum_nanos: int) -> int:
    available = whole_cents(available_nanos)
    if requested_nanos is None:
        if available < minimum_nanos:
            raise InsufficientMargin(
                f"Nothing to pay out: {nanos_to_usd(available_nanos)} USD of margin is "
                f"available and a payout is at least {nanos_to_usd(minimum_nanos)} USD.",
                param="amount",
            )
        return available
    if requested_nanos > available_nanos:
        raise InsufficientMargin(
            f"The amount is more than the {nanos_to_usd(available_nanos)} USD of margin "
            "available for payout.",
            param="amount",
        )
    return requested_nanos


# --- The transfer ---------------------------------------------------------------------------


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


def _lock_for(payout_id: str) -> None:
    """The organization's margin rows, which every change to its payouts takes first."""
    owner = Payout.objects.filter(pk=payout_id).values("organization_id", "livemode").first()
    if owner is not None:
        margin_accounts_lock(organization_id=owner["organization_id"], livemode=owner["livemode"])


def _payout_claim(payout_id: str) -> Payout | None:
    """Mark an open payout processing and return it with the amount to transfer, read under
    the locks a refund takes to shrink or cancel a pending payout: once claimed, the amount no
    longer changes (a refund claims from a processing payout instead, payouts.services.refunds).
    """
    with transaction.atomic(durable=True):
        _lock_for(payout_id)
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
        _lock_for(payout_id)
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
        _lock_for(payout_id)
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
    from billing.webhooks_out import webhook_event_emit
    from payouts.serializers import PayoutSerializer

    data = dict(PayoutSerializer(payout).data)
    for project_id in Project.objects.filter(organization_id=payout.organization_id).values_list(
        "pk", flat=True
    ):
        webhook_event_emit(
            project_id=project_id, livemode=payout.livemode, type=event_type, data=data
        )


# --- Operators ------------------------------------------------------------------------------


def payout_cancel(*, payout_id: str, actor: str) -> Payout:
    """Cancel a pending payout (no transfer attempted yet) and give its reservation back."""
    with transaction.atomic(durable=True):
        _lock_for(payout_id)
        now = timezone.now()
        canceled = Payout.objects.filter(pk=payout_id, status=Status.PENDING).update(
            status=Status.CANCELED,
            failure_message=f"canceled by {actor}"[:500],
            finished_at=now,
            updated_at=now,
        )
        if not canceled:
            raise PayoutNotCancelable()
        payout = Payout.objects.get(pk=payout_id)
        payout_release_post(payout=payout)
    return payout


def payout_retry(*, payout_id: str, actor: str) -> Payout:
    """Hand an open payout to the transfer task again (same idempotency key), or re-reserve a
    failed one and try it under a new key (Stripe refused the old one: no transfer exists)."""
    from payouts import tasks

    payout = Payout.objects.get(pk=payout_id)
    if payout.status in OPEN_STATUSES:
        tasks.payout_transfer.delay(payout_id=payout.pk)
        return payout
    if payout.status != Status.FAILED:
        raise PayoutNotRetryable()
    with transaction.atomic(durable=True):
        margin, reserved = margin_accounts_lock(
            organization_id=payout.organization_id, livemode=payout.livemode
        )
        payout = Payout.objects.select_for_update(no_key=True).get(pk=payout_id)
        if payout.status != Status.FAILED:
            raise PayoutNotRetryable()
        if not payout.connected_account.payouts_enabled:
            raise PayoutsNotEnabled()
        if payout.amount_nanos > margin.balance_nanos:
            raise InsufficientMargin(
                f"{nanos_to_usd(margin.balance_nanos)} USD of margin is available now."
            )
        payout.reservation_number += 1
        payout.transfer_idempotency_key = f"{payout.pk}-r{payout.reservation_number}"
        payout.status = Status.PENDING
        payout.failure_code = payout.failure_message = ""
        payout.finished_at = None
        payout.save()
        payout_reserve_post(payout=payout, margin=margin, reserved=reserved)
        logger.info("payout %s retried by %s", payout.pk, actor)
        tasks.payout_transfer.delay_on_commit(payout_id=payout.pk)
    return payout
