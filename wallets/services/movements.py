"""Money movements between accounts: grants, credits, debits, transfers and adjustments."""

from __future__ import annotations

from django.db import transaction

from llmgateway.errors import InvalidRequest, NotFound
from wallets.models import LedgerAccount, LedgerTransaction, Wallet
from wallets.services.accounts import (
    account_for_organization,
    account_for_system,
    account_for_wallet,
)
from wallets.services.ledger import Line, ledger_post, validate_amount_nanos

Kind = LedgerAccount.Kind


def account_transfer(
    *,
    from_account: LedgerAccount,
    to_account: LedgerAccount,
    amount_nanos: int,
    kind: str = LedgerTransaction.Kind.TRANSFER,
    idempotency_key: str | None = None,
    description: str = "",
    actor: str = "",
    metadata: dict | None = None,
) -> tuple[LedgerTransaction, bool]:
    """Move `amount_nanos` from one account to another in one durable transaction."""
    validate_amount_nanos(amount_nanos)
    with transaction.atomic(durable=True):
        return ledger_post(
            kind=kind,
            livemode=from_account.livemode,
            lines=[Line(from_account, -amount_nanos), Line(to_account, amount_nanos)],
            idempotency_key=idempotency_key,
            description=description,
            actor=actor,
            metadata=metadata,
        )


def _wallet(wallet_id: str) -> Wallet:
    wallet = Wallet.objects.filter(pk=wallet_id).first()
    if wallet is None:
        raise NotFound("No such wallet.", param="wallet")
    return wallet


def wallet_credit(
    *,
    wallet_id: str,
    amount_nanos: int,
    source_kind: str = Kind.PLATFORM_GRANTS,
    kind: str = LedgerTransaction.Kind.GRANT,
    idempotency_key: str | None = None,
    description: str = "",
    actor: str = "",
) -> tuple[LedgerTransaction, bool]:
    """Credit a wallet from a platform (system) account."""
    wallet = _wallet(wallet_id)
    return account_transfer(
        from_account=account_for_system(kind=source_kind, livemode=wallet.livemode),
        to_account=account_for_wallet(wallet_id=wallet.pk),
        amount_nanos=amount_nanos,
        kind=kind,
        idempotency_key=idempotency_key,
        description=description,
        actor=actor,
    )


def wallet_debit(
    *,
    wallet_id: str,
    amount_nanos: int,
    destination_kind: str = Kind.PLATFORM_USAGE_REVENUE,
    kind: str = LedgerTransaction.Kind.USAGE,
    idempotency_key: str | None = None,
    description: str = "",
    actor: str = "",
) -> tuple[LedgerTransaction, bool]:
    """Debit a wallet's available balance (402 insufficient_balance when it lacks the money)."""
    wallet = _wallet(wallet_id)
    return account_transfer(
        from_account=account_for_wallet(wallet_id=wallet.pk),
        to_account=account_for_system(kind=destination_kind, livemode=wallet.livemode),
        amount_nanos=amount_nanos,
        kind=kind,
        idempotency_key=idempotency_key,
        description=description,
        actor=actor,
    )


def wallet_adjust(
    *,
    wallet_id: str,
    amount_nanos: int,
    reason: str,
    actor: str,
    idempotency_key: str | None = None,
) -> LedgerTransaction:
    """An operator's correction: positive credits the wallet, negative debits it.

    With an idempotency key already used for the same adjustment, nothing more is posted and
    the first transaction is returned (IdempotencyConflict when it was used for another).
    """
    if not reason.strip():
        raise InvalidRequest("An adjustment needs a reason.", param="reason")
    if amount_nanos == 0:
        raise InvalidRequest("An adjustment cannot be zero.", param="amount")
    wallet = _wallet(wallet_id)
    adjustments = account_for_system(kind=Kind.PLATFORM_ADJUSTMENTS, livemode=wallet.livemode)
    wallet_account = account_for_wallet(wallet_id=wallet.pk)
    source, destination = (
        (adjustments, wallet_account) if amount_nanos > 0 else (wallet_account, adjustments)
    )
    txn, _ = account_transfer(
        from_account=source,
        to_account=destination,
        amount_nanos=abs(amount_nanos),
        kind=LedgerTransaction.Kind.ADJUSTMENT,
        idempotency_key=idempotency_key,
        description=reason,
        actor=actor,
    )
    return txn


def organization_credit_grant(
    *,
    organization_id: str,
    amount_nanos: int,
    reason: str,
    livemode: bool = True,
    actor: str = "",
    idempotency_key: str | None = None,
) -> tuple[LedgerTransaction, bool]:
    """An operator grants an organization credits (what its own sk_ traffic spends)."""
    return account_transfer(
        from_account=account_for_system(kind=Kind.PLATFORM_GRANTS, livemode=livemode),
        to_account=account_for_organization(
            organization_id=organization_id, kind=Kind.ORG_CREDITS, livemode=livemode
        ),
        amount_nanos=amount_nanos,
        kind=LedgerTransaction.Kind.GRANT,
        idempotency_key=idempotency_key,
        description=reason,
        actor=actor,
    )


def wallet_grant_from_organization(
    *,
    wallet_id: str,
    amount_nanos: int,
    reason: str = "",
    idempotency_key: str | None = None,
    actor: str = "",
) -> tuple[LedgerTransaction, bool]:
    """Move credits from the wallet's organization to the wallet (402 when the org lacks them)."""
    wallet = Wallet.objects.select_related("customer__project").filter(pk=wallet_id).first()
    if wallet is None:
        raise NotFound("No such wallet.", param="wallet")
    return account_transfer(
        from_account=account_for_organization(
            organization_id=wallet.customer.project.organization_id,
            kind=Kind.ORG_CREDITS,
            livemode=wallet.livemode,
        ),
        to_account=account_for_wallet(wallet_id=wallet.pk),
        amount_nanos=amount_nanos,
        kind=LedgerTransaction.Kind.GRANT,
        idempotency_key=idempotency_key,
        description=reason,
        actor=actor,
    )


def wallet_set_status(*, wallet_id: str, status: str) -> Wallet:
    if status not in Wallet.Status.values:
        raise InvalidRequest(f"Unknown wallet status {status!r}.", param="status")
    wallet = _wallet(wallet_id)
    Wallet.objects.filter(pk=wallet.pk).update(status=status)
    wallet.status = status
    return wallet
