"""The payout's ledger moves: reserve, release, pay (each inside the caller's transaction).

reserve  org_margin           → org_margin_reserved   (kind transfer)
release  org_margin_reserved  → org_margin            (kind transfer: failed, canceled)
pay      org_margin_reserved  → payouts_in_transit    (kind payout: what /v1/balance
                                                        counts as marginPaid)
"""

from __future__ import annotations

from wallets.models import LedgerAccount, LedgerTransaction
from wallets.services import Line, account_for_organization, account_for_system, ledger_post

Kind = LedgerAccount.Kind


def margin_accounts_lock(*, organization_id: str, livemode: bool) -> tuple[LedgerAccount, ...]:
    """Lock the organization's margin and reserved-margin rows and return (margin, reserved)
    with their current balances.

    Locked in primary-key order, the order ledger_post updates them in, so a payout request and
    a release or refund touching the same rows can never deadlock.
    """
    margin = account_for_organization(
        organization_id=organization_id, kind=Kind.ORG_MARGIN, livemode=livemode
    )
    reserved = account_for_organization(
        organization_id=organization_id, kind=Kind.ORG_MARGIN_RESERVED, livemode=livemode
    )
    locked = {
        account.pk: account
        for account in LedgerAccount.objects.select_for_update()
        .filter(pk__in=[margin.pk, reserved.pk])
        .order_by("pk")
    }
    return locked[margin.pk], locked[reserved.pk]


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


def payout_release_post(*, payout) -> None:
    margin = account_for_organization(
        organization_id=payout.organization_id, kind=Kind.ORG_MARGIN, livemode=payout.livemode
    )
    reserved = account_for_organization(
        organization_id=payout.organization_id,
        kind=Kind.ORG_MARGIN_RESERVED,
        livemode=payout.livemode,
    )
    ledger_post(
        kind=LedgerTransaction.Kind.TRANSFER,
        livemode=payout.livemode,
        lines=[Line(reserved, -payout.amount_nanos), Line(margin, payout.amount_nanos)],
        idempotency_key=f"payout-release:{payout.pk}:{payout.reservation_number}",
        description=f"released: payout {payout.pk} {payout.status}",
        metadata={"payout_id": payout.pk},
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
