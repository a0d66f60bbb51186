"""Sealing ledger checkpoints, and the scheduled books check that records each run.

The cut-off must never split or skip a transaction: an entry whose id is below the cut-off but
whose database transaction commits after it would be summed by nobody. So the cut-off is read
under `LOCK TABLE … IN SHARE MODE` on the two ledger tables, which waits for every transaction
that is writing to them to finish (each holds ROW EXCLUSIVE from its first insert to its commit)
and holds new writers back only for the two `max(id)` reads. After the lock, every id at or
below the cut-off is final; the sums are computed outside it. SQLite has one writer at a time,
so reading the maxima in a transaction is enough there.
"""

from __future__ import annotations

import logging
import time

from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from wallets.books import (
    AccountTotal,
    LedgerReport,
    checkpoint_balances,
    checkpoint_digest,
    combine,
    ledger_report,
    range_sums,
    range_transaction_problems,
)
from wallets.models import (
    LedgerCheckpoint,
    LedgerCheckpointBalance,
    LedgerCheckRun,
    LedgerEntry,
    LedgerTransaction,
)

logger = logging.getLogger(__name__)

# How long a seal waits for in-flight money transactions before giving up (it is retried at
# the next run); the hot path's transactions last milliseconds.
CUTOFF_LOCK_TIMEOUT = "5s"


class CheckpointRefused(Exception):
    """The range to seal does not balance: nothing is sealed over a broken ledger."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:5]))
        self.problems = problems


def _cutoff() -> tuple[int, int]:
    """(max entry id, max transaction id) with no writer in flight (see the module docstring)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{CUTOFF_LOCK_TIMEOUT}'")
                cursor.execute(
                    "LOCK TABLE wallets_ledgertransaction, wallets_ledgerentry IN SHARE MODE"
                )
        entry_id = LedgerEntry.objects.aggregate(top=Max("pk"))["top"] or 0
        transaction_id = LedgerTransaction.objects.aggregate(top=Max("pk"))["top"] or 0
    return entry_id, transaction_id


def ledger_checkpoint_seal() -> LedgerCheckpoint:
    """Seal a checkpoint of everything committed so far; returns the latest one unchanged when
    nothing was written since. Raises CheckpointRefused if the new range does not balance."""
    previous = LedgerCheckpoint.objects.order_by("-sequence").first()
    cutoff_entry, cutoff_transaction = _cutoff()
    after_entry = previous.cutoff_entry_id if previous else 0
    after_transaction = previous.cutoff_transaction_id if previous else 0
    if previous and (cutoff_entry, cutoff_transaction) == (after_entry, after_transaction):
        return previous
    problems = range_transaction_problems(
        after_entry_id=after_entry,
        after_transaction_id=after_transaction,
        up_to_entry_id=cutoff_entry,
        up_to_transaction_id=cutoff_transaction,
    )
    if problems:
        raise CheckpointRefused(problems)
    moved = range_sums(after_entry_id=after_entry, up_to_entry_id=cutoff_entry)
    cumulative = combine(checkpoint_balances(previous), moved)
    rows: dict[int, AccountTotal] = {account_id: cumulative[account_id] for account_id in moved}
    transactions = (previous.transactions if previous else 0) + (
        LedgerTransaction.objects.filter(
            pk__gt=after_transaction, pk__lte=cutoff_transaction
        ).count()
    )
    entries = (previous.entries if previous else 0) + sum(m.entries for m in moved.values())
    digest = checkpoint_digest(
        previous_digest=previous.digest if previous else "",
        cutoff_entry_id=cutoff_entry,
        cutoff_transaction_id=cutoff_transaction,
        transactions=transactions,
        entries=entries,
        balances=rows,
    )
    try:
        with transaction.atomic():
            checkpoint = LedgerCheckpoint.objects.create(
                sequence=(previous.sequence if previous else 0) + 1,
                cutoff_entry_id=cutoff_entry,
                cutoff_transaction_id=cutoff_transaction,
                transactions=transactions,
                entries=entries,
                digest=digest,
            )
            LedgerCheckpointBalance.objects.bulk_create(
                LedgerCheckpointBalance(
                    checkpoint=checkpoint,
                    account_id=account_id,
                    balance_nanos=total.balance_nanos,
                    entries=total.entries,
                )
                for account_id, total in rows.items()
            )
    except IntegrityError:
        # Another seal took this sequence number first; its checkpoint stands.
        return LedgerCheckpoint.objects.order_by("-sequence").first()
    return checkpoint


def ledger_check_run(
    *, full: bool = False, seal: bool = False
) -> tuple[LedgerCheckRun, LedgerReport]:
    """Check the books, record the run (admin shows it), log an error on any difference and,
    when asked and the books are clean, seal a new checkpoint for the next run to start from."""
    started = time.monotonic()
    report = ledger_report(full=full)
    checkpoint = report.checkpoint
    problems = list(report.problems)
    if seal and not problems:
        try:
            checkpoint = ledger_checkpoint_seal()
        except CheckpointRefused as refused:
            problems.extend(refused.problems)
    run = LedgerCheckRun.objects.create(
        scope=report.scope,
        ok=not problems,
        problems=problems[:200],
        entries_read=report.entries_read,
        seconds=round(time.monotonic() - started, 3),
        checkpoint=checkpoint,
    )
    if problems:
        logger.error(
            "ledger check found %d problem(s) (run %s), first: %s",
            len(problems),
            run.pk,
            problems[0],
        )
    return run, report
