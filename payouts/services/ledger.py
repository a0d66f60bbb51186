"""The payout's ledger moves: reserve, release, pay (each inside the caller's transaction).

reserve  org_margin           → org_margin_reserved   (kind transfer)
release  org_margin_reserved  → org_margin            (kind transfer: failed, canceled, or
                                                        reduced because a top-up was refunded)
         (part)               → platform_losses       (a failed transfer gives back the loss
                                                        that refunds booked while it was in flight)
pay      org_margin_reserved  → payouts_in_transit    (kind payout: what /v1/balance
                                                        counts as marginPaid)
"""

from __future__ import annotations

from payouts.models import Payout
from wallets.locks import accounts_lock
from wallets.models import LedgerAccount, LedgerTransaction
from wallets.services import Line, account_for_organization, account_for_system, ledger_post

Kind = LedgerAccount.Kind


def margin_accounts_lock(*, organization_id: str, livemode: bool) -> tuple[LedgerAccount, ...]:
    """Lock the organization's margin and reserved-margin rows and return (margin, reserved)
    with their current balances.

    Every change to an organization's margin or payouts takes these two rows first, then the
    payout rows (wallets/locks.py, steps 4 and 5): they serialize payout requests, transfers,
    releases and refund reversals of one organization.
    """
    margin = account_for_organization(
        organization_id=organization_id, kind=Kind.ORG_MARGIN, livemode=livemode
    )
    reserved = account_for_organization(
        organization_id=organization_id, kind=Kind.ORG_MARGIN_RESERVED, livemode=livemode
    )
    locked = accounts_lock(account_ids=[margin.pk, reserved.pk])
    return locked[margin.pk], locked[reserved.pk]


def margin_accounts_lock_for_payout(*, payout_id: str) -> None:
    """The margin rows of the payout's organization, which every change to a payout takes first."""
    owner = Payout.objects.filter(pk=payout_id).values("organization_id", "livemode").first()
    if owner is not None:
        margin_accounts_lock(organization_id=owner["organization_id"], livemode=owner["livemode"])


def payout_reserve_post(*, payout, margin: LedgerAccount, reserved: LedgerAccount) -> None:
    # The conditional decrement in ledger_post (balance >= amount) is the last word: even a
    # caller that read a stale balance cannot take the margin below zero.
    ledger_post(
        kind=LedgerTransaction.Kind.TRANSFER,
        livemode=payout.livemode,
        lines=[Line(margin, -payout.amount_nanos), Line(reserved, payout.amount_nanos)],
        idempotency_key=f"payout-reserve:{payout.pk}:{payout.reservation_number}",
        description=f"reserved for payout {payout.pk}",
        metadata={"payout_id": payout.pk},
    )


def _margin_accounts(payout) -> tuple[LedgerAccount, LedgerAccount]:
    margin = account_for_organization(
        organization_id=payout.organization_id, kind=Kind.ORG_MARGIN, livemode=payout.livemode
    )
    reserved = account_for_organization(
        organization_id=payout.organization_id,
        kind=Kind.ORG_MARGIN_RESERVED,
        livemode=payout.livemode,
    )
    return margin, reserved


def payout_release_post(*, payout) -> None:
    """Give the whole reservation back; what refunds claimed from it while its transfer was in
    flight goes to platform losses instead, undoing the loss they booked."""
    margin, reserved = _margin_accounts(payout)
    claimed = payout.refund_claim_nanos
    lines = [Line(reserved, -payout.amount_nanos), Line(margin, payout.amount_nanos - claimed)]
    if claimed:
        losses = account_for_system(kind=Kind.PLATFORM_LOSSES, livemode=payout.livemode)
        lines.append(Line(losses, claimed))
    ledger_post(
        kind=LedgerTransaction.Kind.TRANSFER,
        livemode=payout.livemode,
        lines=[line for line in lines if line.amount_nanos],
        idempotency_key=f"payout-release:{payout.pk}:{payout.reservation_number}",
        description=f"released: payout {payout.pk} {payout.status}",
        metadata={"payout_id": payout.pk, "refund_claim_nanos": claimed},
    )


def payout_reduce_post(*, payout, amount_nanos: int, topup_id: str) -> None:
    """Give `amount_nanos` of a pending payout's reservation back to available margin, for the
    reversal of a refunded top-up to take."""
    margin, reserved = _margin_accounts(payout)
    ledger_post(
        kind=LedgerTransaction.Kind.TRANSFER,
        livemode=payout.livemode,
        lines=[Line(reserved, -amount_nanos), Line(margin, amount_nanos)],
        idempotency_key=f"payout-reduce:{payout.pk}:{topup_id}",
        description=f"released: payout {payout.pk} reduced by the refund of top-up {topup_id}",
        metadata={"payout_id": payout.pk, "topup_id": topup_id},
    )


def payout_paid_post(*, payout) -> None:
    reserved = account_for_organization(
        organization_id=payout.organization_id,
        kind=Kind.ORG_MARGIN_RESERVED,
        livemode=payout.livemode,
    )
    in_transit = account_for_system(kind=Kind.PAYOUTS_IN_TRANSIT, livemode=payout.livemode)
    ledger_post(
        kind=LedgerTransaction.Kind.PAYOUT,
        livemode=payout.livemode,
        lines=[Line(reserved, -payout.amount_nanos), Line(in_transit, payout.amount_nanos)],
        idempotency_key=f"payout-paid:{payout.pk}",
        description=f"payout {payout.pk}: Stripe transfer {payout.transfer_id}",
        metadata={"payout_id": payout.pk, "transfer_id": payout.transfer_id},
    )
