"""The books check behind `manage.py ledger_check`: every transaction sums to zero, every cached
figure equals its source, and every sealed checkpoint still matches the entries it sums.

Two scopes (docs/ledger.md "Proving the books"):
- incremental (the default once a checkpoint exists): the latest checkpoint's seal is verified
  from its own rows, and only entries after its cut-off are read; each account's balance is its
  checkpoint balance plus those entries.
- full: every entry is read, and every checkpoint in the chain is recomputed and re-hashed.
Both compare the same cached figures (wallets, organization accounts, sessions) with the same
sources, so a difference in a cache shows in either; a changed old entry shows only in full.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Sum

from wallets.models import (
    Hold,
    LedgerAccount,
    LedgerCheckpoint,
    LedgerCheckpointBalance,
    LedgerEntry,
    LedgerTransaction,
    Wallet,
)
from wallets.selectors import session_held_problems

MAX_PROBLEMS_PER_KIND = 50
SHORTFALL_KINDS = (LedgerAccount.Kind.UNCOLLECTED, LedgerAccount.Kind.PLATFORM_LOSSES)


@dataclass
class LedgerReport:
    scope: str = "full"
    transactions: int = 0
    entries: int = 0
    accounts: int = 0
    sessions: int = 0
    # Entries the check read: all of them in full, those after the checkpoint otherwise.
    entries_read: int = 0
    checkpoint: LedgerCheckpoint | None = None
    problems: list[str] = field(default_factory=list)
    # Not problems but figures an operator watches, by mode ("live", "test"): usage the payer's
    # balance could not cover, and refunds of money already spent or paid out (positive nanos).
    uncollected_nanos: dict[str, int] = field(default_factory=dict)
    platform_losses_nanos: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class AccountTotal:
    balance_nanos: int
    entries: int


# --- Checkpoint seals -----------------------------------------------------------------------


def checkpoint_digest(
    *,
    previous_digest: str,
    cutoff_entry_id: int,
    cutoff_transaction_id: int,
    transactions: int,
    entries: int,
    balances: dict[int, AccountTotal],
) -> str:
    """The seal: SHA-256 over the previous seal, the cut-offs, the counts and this checkpoint's
    rows in account order."""
    digest = hashlib.sha256()
    head = f"{previous_digest}\n{cutoff_entry_id}\n{cutoff_transaction_id}\n{transactions}\n"
    digest.update(f"{head}{entries}\n".encode())
    for account_id in sorted(balances):
        total = balances[account_id]
        digest.update(f"{account_id}:{total.balance_nanos}:{total.entries}\n".encode())
    return digest.hexdigest()


def checkpoint_rows(checkpoint: LedgerCheckpoint) -> dict[int, AccountTotal]:
    """The rows written at this checkpoint (the accounts that moved since the previous one)."""
    return {
        account_id: AccountTotal(balance, entries)
        for account_id, balance, entries in LedgerCheckpointBalance.objects.filter(
            checkpoint=checkpoint
        ).values_list("account_id", "balance_nanos", "entries")
    }


def checkpoint_balances(checkpoint: LedgerCheckpoint | None) -> dict[int, AccountTotal]:
    """Every account's balance and entry count at `checkpoint`: its latest row at or before it."""
    if checkpoint is None:
        return {}
    rows = LedgerCheckpointBalance.objects.filter(checkpoint__sequence__lte=checkpoint.sequence)
    if connection.vendor == "postgresql":
        latest = rows.order_by("account_id", "-checkpoint__sequence").distinct("account_id")
        values = latest.values_list("account_id", "balance_nanos", "entries")
        return {account_id: AccountTotal(b, n) for account_id, b, n in values.iterator()}
    balances: dict[int, AccountTotal] = {}
    ordered = rows.order_by("account_id", "checkpoint__sequence")
    for account_id, balance, entries in ordered.values_list(
        "account_id", "balance_nanos", "entries"
    ).iterator():
        balances[account_id] = AccountTotal(balance, entries)
    return balances


def checkpoint_seal_problems(checkpoint: LedgerCheckpoint, previous_digest: str) -> list[str]:
    """Whether the checkpoint's own rows and its predecessor's seal still hash to its digest."""
    expected = checkpoint_digest(
        previous_digest=previous_digest,
        cutoff_entry_id=checkpoint.cutoff_entry_id,
        cutoff_transaction_id=checkpoint.cutoff_transaction_id,
        transactions=checkpoint.transactions,
        entries=checkpoint.entries,
        balances=checkpoint_rows(checkpoint),
    )
    if expected == checkpoint.digest:
        return []
    return [f"{checkpoint} does not match its seal: its rows or its predecessor were changed"]


def _previous_digest(checkpoint: LedgerCheckpoint) -> str:
    previous = LedgerCheckpoint.objects.filter(sequence=checkpoint.sequence - 1).first()
    return previous.digest if previous is not None else ""


# --- Ranges of the ledger -------------------------------------------------------------------


def range_sums(
    *, after_entry_id: int, up_to_entry_id: int | None = None
) -> dict[int, AccountTotal]:
    """Per account: the sum and count of entries after `after_entry_id` (up to `up_to`)."""
    entries = LedgerEntry.objects.filter(pk__gt=after_entry_id)
    if up_to_entry_id is not None:
        entries = entries.filter(pk__lte=up_to_entry_id)
    rows = (
        entries.values("account_id")
        .annotate(total=Sum("amount_nanos"), lines=Count("pk"))
        .order_by()
        .values_list("account_id", "total", "lines")
    )
    return {account_id: AccountTotal(total, lines) for account_id, total, lines in rows}


def range_transaction_problems(
    *,
    after_entry_id: int,
    after_transaction_id: int,
    up_to_entry_id: int | None = None,
    up_to_transaction_id: int | None = None,
) -> list[str]:
    """Transactions in the range that do not sum to zero or have fewer than two entries. A
    transaction's entries are written in one database transaction, so a cut-off taken under
    the ledger's lock never splits one (wallets/services/checkpoints.py): every query here stays
    inside the range, on both tables, and reads nothing older."""
    entries = LedgerEntry.objects.filter(pk__gt=after_entry_id)
    if up_to_entry_id is not None:
        entries = entries.filter(pk__lte=up_to_entry_id)
    wrong = (
        entries.values("transaction_id")
        .annotate(total=Sum("amount_nanos"), lines=Count("pk"))
        .filter(Q(lines__lt=2) | ~Q(total=0))
        .order_by()
        .values_list("transaction_id", "total", "lines")
    )
    # Read whole (there are normally none), never with ORDER BY/LIMIT or a cursor: asked for the
    # first rows fast, PostgreSQL walks the transaction_id index over the entire ledger.
    problems: list[str] = []
    for txn_id, total, lines in sorted(list(wrong))[:MAX_PROBLEMS_PER_KIND]:
        if total != 0:
            problems.append(f"transaction txn_{txn_id} sums to {total}, not 0")
        if lines < 2:
            problems.append(f"transaction txn_{txn_id} has {lines} entries (needs 2 or more)")
    transactions = LedgerTransaction.objects.filter(pk__gt=after_transaction_id)
    if up_to_transaction_id is not None:
        transactions = transactions.filter(pk__lte=up_to_transaction_id)
    empty = transactions.filter(~Exists(entries.filter(transaction_id=OuterRef("pk"))))
    empty_ids = sorted(list(empty.order_by().values_list("pk", flat=True)))
    problems.extend(
        f"transaction txn_{txn_id} has 0 entries (needs 2 or more)"
        for txn_id in empty_ids[:MAX_PROBLEMS_PER_KIND]
    )
    return problems


def combine(base: dict[int, AccountTotal], delta: dict[int, AccountTotal]) -> dict:
    combined = dict(base)
    for account_id, moved in delta.items():
        before = combined.get(account_id, AccountTotal(0, 0))
        combined[account_id] = AccountTotal(
            before.balance_nanos + moved.balance_nanos, before.entries + moved.entries
        )
    return combined


# --- The report -----------------------------------------------------------------------------


def ledger_report(*, full: bool = False) -> LedgerReport:
    """Prove the books (see the module docstring for the two scopes)."""
    checkpoint = None if full else LedgerCheckpoint.objects.order_by("-sequence").first()
    report = LedgerReport(scope="incremental" if checkpoint else "full", checkpoint=checkpoint)
    if checkpoint is None:
        report.problems.extend(_chain_problems())
        after_entry, after_transaction, base = 0, 0, {}
        counted_transactions = counted_entries = 0
    else:
        report.problems.extend(checkpoint_seal_problems(checkpoint, _previous_digest(checkpoint)))
        after_entry = checkpoint.cutoff_entry_id
        after_transaction = checkpoint.cutoff_transaction_id
        base = checkpoint_balances(checkpoint)
        counted_transactions, counted_entries = checkpoint.transactions, checkpoint.entries

    report.problems.extend(
        range_transaction_problems(
            after_entry_id=after_entry, after_transaction_id=after_transaction
        )
    )
    moved = range_sums(after_entry_id=after_entry)
    balances = combine(base, moved)
    report.entries_read = sum(total.entries for total in moved.values())
    report.entries = counted_entries + report.entries_read
    report.transactions = (
        counted_transactions + LedgerTransaction.objects.filter(pk__gt=after_transaction).count()
    )
    report.problems.extend(_cached_figure_problems(balances))
    report.problems.extend(session_held_problems())
    _add_shortfall_totals(report, balances)
    return report


def _cached_figure_problems(balances: dict[int, AccountTotal]) -> list[str]:
    """Wallets' and organization accounts' cached balance and held amount against the ledger
    (these balances) and their active holds."""
    problems: list[str] = []
    held_by_wallet = _active_holds_by("wallet_id")
    held_by_account = _active_holds_by("account_id")
    wallet_accounts = dict(
        LedgerAccount.objects.filter(wallet__isnull=False).values_list("wallet_id", "pk")
    )
    for wallet_id, balance, held in Wallet.objects.values_list(
        "pk", "balance_nanos", "held_nanos"
    ).iterator():
        account_id = wallet_accounts.get(wallet_id)
        entry_sum = balances[account_id].balance_nanos if account_id in balances else 0
        if balance != entry_sum:
            problems.append(
                f"wallet {wallet_id} caches balance {balance} but its entries sum to {entry_sum}"
            )
        hold_sum = held_by_wallet.get(wallet_id, 0)
        if held != hold_sum:
            problems.append(
                f"wallet {wallet_id} caches held {held} but its active holds sum to {hold_sum}"
            )
        if balance < 0 or held < 0:
            problems.append(f"wallet {wallet_id} has a negative figure")

    for account in LedgerAccount.objects.filter(balance_nanos__isnull=False).iterator():
        entry_sum = balances[account.pk].balance_nanos if account.pk in balances else 0
        if account.balance_nanos != entry_sum:
            problems.append(
                f"account {account} caches balance {account.balance_nanos} "
                f"but its entries sum to {entry_sum}"
            )
        hold_sum = held_by_account.get(account.pk, 0)
        if account.held_nanos != hold_sum:
            problems.append(
                f"account {account} caches held {account.held_nanos} "
                f"but its active holds sum to {hold_sum}"
            )
    return problems


def _active_holds_by(column: str) -> dict:
    rows = (
        Hold.objects.filter(status=Hold.Status.HELD, **{f"{column}__isnull": False})
        .values(column)
        .annotate(total=Sum("amount_nanos"))
        .order_by()
        .values_list(column, "total")
    )
    return dict(rows)


def _add_shortfall_totals(report: LedgerReport, balances: dict[int, AccountTotal]) -> None:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"live": 0, "test": 0})
    accounts = LedgerAccount.objects.filter(kind__in=SHORTFALL_KINDS, wallet__isnull=True)
    for account_id, kind, livemode in accounts.values_list("pk", "kind", "livemode"):
        if account_id in balances:
            # Booked as debits: the total is minus the account's balance.
            totals[kind]["live" if livemode else "test"] -= balances[account_id].balance_nanos
    report.uncollected_nanos = totals[LedgerAccount.Kind.UNCOLLECTED]
    report.platform_losses_nanos = totals[LedgerAccount.Kind.PLATFORM_LOSSES]
    report.accounts = LedgerAccount.objects.count()
    report.sessions = _session_count()


def _session_count() -> int:
    from sessions_app.models import EmbeddedSession

    return EmbeddedSession.objects.count()


def _chain_problems() -> list[str]:
    """Full scope: recompute every checkpoint from the entries in its range, then its seal."""
    problems: list[str] = []
    previous_digest = ""
    after_entry = 0
    cumulative: dict[int, AccountTotal] = {}
    for checkpoint in LedgerCheckpoint.objects.order_by("sequence").iterator():
        moved = range_sums(after_entry_id=after_entry, up_to_entry_id=checkpoint.cutoff_entry_id)
        cumulative = combine(cumulative, moved)
        expected = {account_id: cumulative[account_id] for account_id in moved}
        rows = checkpoint_rows(checkpoint)
        for account_id in sorted(set(expected) | set(rows)):
            if rows.get(account_id) != expected.get(account_id):
                problems.append(
                    f"{checkpoint} records account {account_id} as {rows.get(account_id)} "
                    f"but its entries give {expected.get(account_id)}"
                )
                if len(problems) >= MAX_PROBLEMS_PER_KIND:
                    return problems
        problems.extend(checkpoint_seal_problems(checkpoint, previous_digest))
        previous_digest = checkpoint.digest
        after_entry = checkpoint.cutoff_entry_id
    return problems
