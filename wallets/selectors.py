"""Reads of wallets and the ledger, including the books check behind `manage.py ledger_check`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

# The ledger's one edge up (STYLE.md): holds count against a session's spend cap.
from sessions_app.models import EmbeddedSession
from wallets.models import Hold, LedgerAccount, LedgerEntry, LedgerTransaction, Wallet


@dataclass
class LedgerReport:
    transactions: int = 0
    entries: int = 0
    accounts: int = 0
    sessions: int = 0
    problems: list[str] = field(default_factory=list)
    # Not problems but figures an operator watches, by mode ("live", "test"); see
    # `ledger_shortfall_totals`.
    uncollected_nanos: dict[str, int] = field(default_factory=dict)
    platform_losses_nanos: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


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


def ledger_report() -> LedgerReport:
    """Prove the books: every transaction sums to zero, every cached figure equals its source.

    Cached figures: each wallet's balance and held amount, each organization account's balance
    and held amount, and each embedded session's held amount (the sum of its active holds).
    The report also carries the uncollected and platform-loss totals.
    """
    shortfall = ledger_shortfall_totals()
    report = LedgerReport(
        transactions=LedgerTransaction.objects.count(),
        entries=LedgerEntry.objects.count(),
        accounts=LedgerAccount.objects.count(),
        sessions=EmbeddedSession.objects.count(),
        uncollected_nanos=shortfall.uncollected_nanos,
        platform_losses_nanos=shortfall.platform_losses_nanos,
    )

    unbalanced = (
        LedgerEntry.objects.values("transaction_id")
        .annotate(total=Sum("amount_nanos"))
        .exclude(total=0)
        .order_by("transaction_id")
    )
    for row in unbalanced[:50]:
        report.problems.append(
            f"transaction txn_{row['transaction_id']} sums to {row['total']}, not 0"
        )

    thin = LedgerTransaction.objects.annotate(lines=Count("entries")).filter(lines__lt=2)
    for txn_id, lines in thin.values_list("pk", "lines")[:50]:
        report.problems.append(f"transaction txn_{txn_id} has {lines} entries (needs 2 or more)")

    wallet_entry_sum = _sum_of(LedgerEntry.objects.filter(account__wallet_id=OuterRef("pk")))
    held_sum = _sum_of(
        Hold.objects.filter(wallet_id=OuterRef("pk"), status=Hold.Status.HELD), "amount_nanos"
    )
    wallets = Wallet.objects.annotate(entry_sum=wallet_entry_sum, hold_sum=held_sum)
    for wallet_id, balance, entry_sum, held, hold_sum in wallets.values_list(
        "pk", "balance_nanos", "entry_sum", "held_nanos", "hold_sum"
    ).iterator():
        if balance != entry_sum:
            report.problems.append(
                f"wallet {wallet_id} caches balance {balance} but its entries sum to {entry_sum}"
            )
        if held != hold_sum:
            report.problems.append(
                f"wallet {wallet_id} caches held {held} but its active holds sum to {hold_sum}"
            )
        if balance < 0 or held < 0:
            report.problems.append(f"wallet {wallet_id} has a negative figure")

    account_entry_sum = _sum_of(LedgerEntry.objects.filter(account_id=OuterRef("pk")))
    account_hold_sum = _sum_of(
        Hold.objects.filter(account_id=OuterRef("pk"), status=Hold.Status.HELD), "amount_nanos"
    )
    cached_accounts = LedgerAccount.objects.filter(balance_nanos__isnull=False).annotate(
        entry_sum=account_entry_sum, hold_sum=account_hold_sum
    )
    for account in cached_accounts.iterator():
        if account.balance_nanos != account.entry_sum:
            report.problems.append(
                f"account {account} caches balance {account.balance_nanos} "
                f"but its entries sum to {account.entry_sum}"
            )
        if account.held_nanos != account.hold_sum:
            report.problems.append(
                f"account {account} caches held {account.held_nanos} "
                f"but its active holds sum to {account.hold_sum}"
            )

    report.problems.extend(_session_held_problems())
    return report


def _session_held_problems(limit: int = 50) -> list[str]:
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
            organization_id=organization_id, livemode=livemode
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
