"""Reads of wallets and the ledger (the books check itself is wallets/books.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

# The ledger's one edge up (STYLE.md): holds count against a session's spend cap.
from sessions_app.models import EmbeddedSession
from wallets.models import Hold, LedgerAccount, LedgerEntry, LedgerTransaction, Wallet


def _sum_of(queryset, column: str = "amount_nanos"):
    """A correlated subquery: the sum of `column` over `queryset`, 0 when it is empty."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .annotate(group=Value(1))
            .values("group")
            .annotate(total=Sum(column))
            .values("total"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


@dataclass(frozen=True)
class ShortfallTotals:
    """Money the platform did not get, by mode, as positive nanos.

    `uncollected`: usage the payer's balance could not cover at settle. `platform_losses`:
    refunds and disputes of money already spent or paid out. Both are booked as debits, so
    each total is minus the sum of the account's entries (a loss given back lowers it).
    """

    uncollected_nanos: dict[str, int]
    platform_losses_nanos: dict[str, int]


def ledger_shortfall_totals() -> ShortfallTotals:
    kinds = (LedgerAccount.Kind.UNCOLLECTED, LedgerAccount.Kind.PLATFORM_LOSSES)
    totals = {kind: {"live": 0, "test": 0} for kind in kinds}
    rows = (
        LedgerEntry.objects.filter(account__kind__in=kinds)
        .values("account__kind", "account__livemode")
        .annotate(total=Sum("amount_nanos"))
        .order_by()
    )
    for row in rows:
        mode = "live" if row["account__livemode"] else "test"
        totals[row["account__kind"]][mode] -= row["total"]
    return ShortfallTotals(
        uncollected_nanos=totals[LedgerAccount.Kind.UNCOLLECTED],
        platform_losses_nanos=totals[LedgerAccount.Kind.PLATFORM_LOSSES],
    )


def session_held_problems(limit: int = 50) -> list[str]:
    """Sessions whose held amount differs from their active holds (compared in the database:
    there are far more sessions than wallets)."""
    session_hold_sum = _sum_of(
        Hold.objects.filter(session_id=OuterRef("pk"), status=Hold.Status.HELD), "amount_nanos"
    )
    differing = (
        EmbeddedSession.objects.annotate(hold_sum=session_hold_sum)
        .exclude(held_nanos=F("hold_sum"))
        .order_by("pk")
        .values_list("pk", "held_nanos", "hold_sum")
    )
    return [
        f"session {session_id} caches held {held} but its active holds sum to {hold_sum}"
        for session_id, held, hold_sum in differing[:limit]
    ]


# --- Reads behind the platform API ---------------------------------------------------------


def customer_for_project(*, project_id: str, livemode: bool, reference: str):
    """A customer by id (`cus_…`) or `ext:<externalId>`, within the caller's project and mode."""
    from llmgateway.errors import NotFound
    from wallets.models import Customer

    customers = Customer.objects.select_related("wallet").filter(
        project_id=project_id, livemode=livemode
    )
    if reference.startswith("ext:"):
        customer = customers.filter(external_id=reference[4:]).first()
    else:
        customer = customers.filter(pk=reference).first()
    if customer is None:
        raise NotFound("No such customer.", param="id")
    return customer


def wallet_for_project(*, project_id: str, livemode: bool, wallet_id: str) -> Wallet:
    from llmgateway.errors import NotFound

    wallet = (
        Wallet.objects.select_related("customer")
        .filter(pk=wallet_id, livemode=livemode, customer__project_id=project_id)
        .first()
    )
    if wallet is None:
        raise NotFound("No such wallet.", param="id")
    return wallet


def wallet_ledger_entries(*, wallet_id: str):
    return LedgerEntry.objects.select_related("transaction").filter(account__wallet_id=wallet_id)


@dataclass(frozen=True)
class OrganizationBalance:
    credits_nanos: int
    margin_available_nanos: int
    margin_reserved_nanos: int
    margin_paid_nanos: int


def organization_balance(*, organization_id: str, livemode: bool) -> OrganizationBalance:
    """Credits (what the org spends) and margin: available, reserved for payouts, paid out."""
    cached = dict(
        LedgerAccount.objects.filter(
            organization_id=organization_id,
            livemode=livemode,
            kind__in=LedgerAccount.ORGANIZATION_KINDS,  # not its end users' wallets
        ).values_list("kind", "balance_nanos")
    )
    paid = (
        LedgerEntry.objects.filter(
            account__organization_id=organization_id,
            account__livemode=livemode,
            account__kind=LedgerAccount.Kind.ORG_MARGIN_RESERVED,
            transaction__kind=LedgerTransaction.Kind.PAYOUT,
            amount_nanos__lt=0,
        ).aggregate(total=Sum("amount_nanos"))["total"]
        or 0
    )
    return OrganizationBalance(
        credits_nanos=cached.get(LedgerAccount.Kind.ORG_CREDITS) or 0,
        margin_available_nanos=cached.get(LedgerAccount.Kind.ORG_MARGIN) or 0,
        margin_reserved_nanos=cached.get(LedgerAccount.Kind.ORG_MARGIN_RESERVED) or 0,
        margin_paid_nanos=-paid,
    )
