"""Posting double-entry transactions and keeping cached balances in step with their entries."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from llmgateway.errors import IdempotencyConflict, InvalidRequest
from wallets.errors import (
    InsufficientBalance,
    InsufficientOrganizationCredits,
    UnbalancedTransaction,
)
from wallets.models import LedgerAccount, LedgerEntry, LedgerTransaction, Wallet


@dataclass(frozen=True)
class Line:
    account: LedgerAccount
    amount_nanos: int
    # A debit that may take money held by in-flight requests (a refund reversal claims the
    # refunded credit whole): it may leave the balance below the held amount, never below zero.
    # The holds then find their money already claimed: settle collects only what is left and
    # release frees nothing (docs/billing.md, "Refunds and lost disputes").
    may_take_held: bool = False


def _organization_of(lines: list[Line], organization_id: str | None) -> str:
    """The one organization whose money the lines move. Platform (system) accounts belong to
    none; every other account is in exactly one organization's books, and a transaction never
    spans two: that is what lets the books be split by organization (docs/deploy.md, "Past one
    primary"), each transaction staying whole on one shard. A caller whose lines may all be
    platform accounts (a settle that collected nothing, a refund the organization could not
    cover) names the organization it acts for."""
    organizations = {line.account.organization_id for line in lines} - {None}
    if organization_id is not None:
        organizations.add(organization_id)
    if len(organizations) != 1:
        raise UnbalancedTransaction(
            "a transaction moves the money of exactly one organization "
            f"(these lines: {sorted(organizations) or 'none'})"
        )
    return organizations.pop()


def _fingerprint(kind: str, lines: list[Line]) -> str:
    parts = sorted(f"{line.account.pk}:{line.amount_nanos}" for line in lines)
    return hashlib.sha256(f"{kind}|{'|'.join(parts)}".encode()).hexdigest()


def ledger_post(
    *,
    kind: str,
    livemode: bool,
    lines: list[Line],
    idempotency_key: str | None = None,
    description: str = "",
    actor: str = "",
    metadata: dict | None = None,
    organization_id: str | None = None,
) -> tuple[LedgerTransaction, bool]:
    """Post one balanced transaction inside the caller's transaction.

    Returns `(transaction, created)`. With an idempotency key already used for the same lines,
    nothing is posted and the first transaction is returned with `created=False`. The
    transaction is the one organization's whose accounts the lines name (`organization_id`
    when they may name none of its accounts); lines of two organizations are refused.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("ledger_post must run inside the caller's transaction")
    if len(lines) < 2 or any(line.amount_nanos == 0 for line in lines):
        raise UnbalancedTransaction("a transaction needs two or more non-zero lines")
    if sum(line.amount_nanos for line in lines) != 0:
        raise UnbalancedTransaction(f"lines sum to {sum(line.amount_nanos for line in lines)}")
    if any(line.account.livemode != livemode for line in lines):
        raise UnbalancedTransaction("a transaction cannot mix test and live accounts")
    organization_id = _organization_of(lines, organization_id)

    fingerprint = _fingerprint(kind, lines) if idempotency_key else ""
    if idempotency_key:
        # The savepoint keeps a duplicate key from poisoning the caller's transaction. On
        # PostgreSQL a concurrent insert of the same key waits for the first to commit.
        try:
            with transaction.atomic():
                txn = LedgerTransaction.objects.create(
                    kind=kind,
                    livemode=livemode,
                    organization_id=organization_id,
                    idempotency_key=idempotency_key,
                    idempotency_fingerprint=fingerprint,
                    description=description[:500],
                    actor=actor[:200],
                    metadata=metadata or {},
                )
        except IntegrityError:
            existing = LedgerTransaction.objects.get(idempotency_key=idempotency_key)
            if existing.idempotency_fingerprint != fingerprint:
                raise IdempotencyConflict(param="idempotencyKey") from None
            return existing, False
    else:
        txn = LedgerTransaction.objects.create(
            kind=kind,
            livemode=livemode,
            organization_id=organization_id,
            description=description[:500],
            actor=actor[:200],
            metadata=metadata or {},
        )

    _apply_cached_balances(lines)
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            transaction=txn,
            organization_id=organization_id,
            account=line.account,
            amount_nanos=line.amount_nanos,
        )
        for line in lines
    )
    return txn, True


def _apply_cached_balances(lines: list[Line]) -> None:
    """Move the cached balances of wallets and organization accounts.

    Rows are updated in the global lock order of wallets/locks.py (wallets, then organization
    accounts, each by primary key). Each decrease is a conditional UPDATE that refuses to take
    a balance below its held amount, or, when every debit of that row may take held money,
    below zero; system accounts keep no cached row at all.
    """
    wallet_deltas: dict[str, int] = defaultdict(int)
    account_deltas: dict[int, tuple[LedgerAccount, int]] = {}
    strict: set[str | int] = set()  # rows with a debit that must leave held money alone
    for line in lines:
        account = line.account
        if account.kind == LedgerAccount.Kind.WALLET:
            key: str | int = account.wallet_id
            wallet_deltas[account.wallet_id] += line.amount_nanos
        elif account.balance_nanos is not None:
            key = account.pk
            previous = account_deltas.get(account.pk, (account, 0))[1]
            account_deltas[account.pk] = (account, previous + line.amount_nanos)
        else:
            continue
        if line.amount_nanos < 0 and not line.may_take_held:
            strict.add(key)

    for wallet_id in sorted(wallet_deltas):
        delta = wallet_deltas[wallet_id]
        rows = _debitable(Wallet.objects.filter(pk=wallet_id), delta, wallet_id in strict)
        if delta and rows.update(balance_nanos=F("balance_nanos") + delta) != 1:
            raise InsufficientBalance()

    for account_pk in sorted(account_deltas):
        account, delta = account_deltas[account_pk]
        rows = _debitable(LedgerAccount.objects.filter(pk=account_pk), delta, account_pk in strict)
        if delta and rows.update(balance_nanos=F("balance_nanos") + delta) != 1:
            if account.kind == LedgerAccount.Kind.ORG_CREDITS:
                raise InsufficientOrganizationCredits()
            raise InsufficientBalance(f"The {account.get_kind_display().lower()} is too low.")


def _debitable(rows, delta: int, keep_held: bool):
    if delta >= 0:
        return rows
    if keep_held:
        return rows.filter(balance_nanos__gte=F("held_nanos") - delta)
    return rows.filter(balance_nanos__gte=-delta)


def validate_amount_nanos(amount_nanos: int, *, param: str = "amount") -> int:
    if not isinstance(amount_nanos, int) or isinstance(amount_nanos, bool) or amount_nanos <= 0:
        raise InvalidRequest("Amount must be a positive amount of USD.", param=param)
    return amount_nanos
