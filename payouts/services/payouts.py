"""Margin payouts: reserve and create (one durable transaction) and queue the transfer;
operators cancel and retry.

    payout_request          reserve + pending Payout; the transfer task is queued on commit
                            (payouts.tasks.payout_transfer → payouts.services.transfers)
    payout_cancel           a pending payout → canceled, reservation released
    payout_retry            an open payout handed to the transfer task again, or a failed one
                            re-reserved and tried under a new key

Every step that changes a payout locks the organization's margin rows first, then the payout
(wallets/locks.py), as the transfer and refund reversals do.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from llmgateway.errors import IdempotencyConflict, InvalidRequest
from llmgateway.money import nanos_to_usd, usd_to_nanos
from payouts import tasks
from payouts.errors import (
    InsufficientMargin,
    PayoutNotCancelable,
    PayoutNotRetryable,
    PayoutsNotEnabled,
)
from payouts.models import NANOS_PER_CENT, OPEN_STATUSES, ConnectedAccount, Payout
from payouts.services.ledger import (
    margin_accounts_lock,
    margin_accounts_lock_for_payout,
    payout_release_post,
    payout_reserve_post,
)

logger = logging.getLogger(__name__)
Status = Payout.Status


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


# --- Operators ------------------------------------------------------------------------------


def payout_cancel(*, payout_id: str, actor: str) -> Payout:
    """Cancel a pending payout (no transfer attempted yet) and give its reservation back."""
    with transaction.atomic(durable=True):
        margin_accounts_lock_for_payout(payout_id=payout_id)
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
