"""Refunded margin taken back from payouts that have not transferred it yet.

A top-up's refund reversal (billing.services.reversals) takes the organization's share from its
available margin first; what that cannot cover comes from here, inside the reversal's
transaction, in this order:

1. **pending payouts**, newest first. No transfer was ever attempted under a pending payout's
   key, so it can still change: it shrinks by what the refund needs (whole cents, so a sub-cent
   rest goes back to available margin), or is canceled when less than the payout minimum would
   be left (the rest goes back to available margin);
2. **processing payouts**. Their transfer may exist already and its amount is fixed by its
   idempotency key, so they cannot change. The refund books what it needs as a platform loss
   and records it on the payout as `refund_claim_nanos`: if the transfer then fails, the
   release gives that part to platform losses instead of back to the organization. The
   platform ends up losing only margin that was really transferred.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from payouts.models import OPEN_STATUSES, Payout
from payouts.services.ledger import payout_reduce_post
from payouts.services.payouts import payout_minimum_nanos, whole_cents

Status = Payout.Status


@dataclass(frozen=True)
class RefundReduction:
    taken_nanos: int  # out of pending payouts: now in available margin for the reversal to take
    claimed_nanos: int  # out of payouts in flight: a platform loss unless their transfer fails


def payouts_reduce_for_refund(
    *, organization_id: str, livemode: bool, amount_nanos: int, topup_id: str
) -> RefundReduction:
    """Take up to `amount_nanos` of refunded margin back from the organization's open payouts.

    Runs inside the caller's transaction, which must hold the organization's margin rows
    (`margin_accounts_lock`, wallets/locks.py step 4); the payouts are locked here (step 5).
    """
    open_payouts = list(
        Payout.objects.select_for_update(no_key=True, of=("self",))
        .filter(organization_id=organization_id, livemode=livemode, status__in=OPEN_STATUSES)
        .order_by("pk")
    )
    newest_first = sorted(open_payouts, key=lambda p: (p.created_at, p.pk), reverse=True)
    needed = amount_nanos
    taken = 0
    for payout in (p for p in newest_first if p.status == Status.PENDING):
        if not needed:
            break
        take = min(needed, payout.amount_nanos)
        _payout_shrink(payout, take_nanos=take, topup_id=topup_id)
        needed -= take
        taken += take
    claimed = 0
    for payout in (p for p in newest_first if p.status == Status.PROCESSING):
        if not needed:
            break
        claim = min(needed, payout.amount_nanos - payout.refund_claim_nanos)
        if claim:
            Payout.objects.filter(pk=payout.pk).update(
                refund_claim_nanos=F("refund_claim_nanos") + claim, updated_at=timezone.now()
            )
            needed -= claim
            claimed += claim
    return RefundReduction(taken_nanos=taken, claimed_nanos=claimed)


def _payout_shrink(payout: Payout, *, take_nanos: int, topup_id: str) -> None:
    left = whole_cents(payout.amount_nanos - take_nanos)
    if left < payout_minimum_nanos():
        left = 0
    payout_reduce_post(payout=payout, amount_nanos=payout.amount_nanos - left, topup_id=topup_id)
    now = timezone.now()
    if left:
        payout.amount_nanos = left
        payout.save(update_fields=["amount_nanos", "updated_at"])
        return
    # Canceled with the amount it had reserved, as an operator's cancel leaves it; the
    # reservation is already back (the reduce above), so no release follows.
    payout.status = Status.CANCELED
    payout.failure_code = "margin_refunded"
    payout.failure_message = f"canceled: the margin it reserved was refunded (top-up {topup_id})"
    payout.finished_at = now
    payout.save(
        update_fields=["status", "failure_code", "failure_message", "finished_at", "updated_at"]
    )
