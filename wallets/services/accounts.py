"""Finding or creating ledger accounts and customers (with their wallet) on first sight."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from llmgateway.models import Project
from wallets.models import Customer, LedgerAccount, Wallet

# System account ids never change once created, so each process remembers them: the hot path
# should not pay a query to find "platform usage revenue".
_system_account_cache: dict[tuple[str, bool], LedgerAccount] = {}


def account_for_system(*, kind: str, livemode: bool) -> LedgerAccount:
    key = (kind, livemode)
    account = _system_account_cache.get(key)
    if account is None:
        account, _ = LedgerAccount.objects.get_or_create(
            kind=kind, livemode=livemode, organization=None, wallet=None
        )
        # Only remember a row once it is committed: a rolled-back creation must not linger.
        transaction.on_commit(lambda: _system_account_cache.setdefault(key, account))
    return account


SYSTEM_KINDS = tuple(
    kind
    for kind in LedgerAccount.Kind.values
    if kind != LedgerAccount.Kind.WALLET and kind not in LedgerAccount.ORGANIZATION_KINDS
)


def system_accounts_ensure() -> None:
    """Create every system account of both modes, each in its own short transaction.

    A system account made on first use would be inserted inside a money transaction that holds
    other rows' locks; two such transactions inserting the same account wait on each other's
    unique index entry while each holds what the other needs next (a deadlock seen with
    concurrent first refunds). So the migration makes them all up front (and tests after a flush).
    """
    for livemode in (False, True):
        for kind in SYSTEM_KINDS:
            LedgerAccount.objects.get_or_create(
                kind=kind, livemode=livemode, organization=None, wallet=None
            )


def system_account_cache_clear() -> None:
    """Forget remembered system accounts (tests flush the database between cases)."""
    _system_account_cache.clear()


def account_for_organization(*, organization_id: str, kind: str, livemode: bool) -> LedgerAccount:
    if kind not in LedgerAccount.ORGANIZATION_KINDS:
        raise ValueError(f"{kind} is not an organization account kind")
    account, _ = LedgerAccount.objects.get_or_create(
        kind=kind,
        livemode=livemode,
        organization_id=organization_id,
        defaults={"balance_nanos": 0},
    )
    return account


def account_for_wallet(*, wallet_id: str) -> LedgerAccount:
    return LedgerAccount.objects.get(wallet_id=wallet_id)


def customer_get_or_create(
    *,
    project_id: str,
    livemode: bool,
    external_id: str,
    email: str = "",
    name: str = "",
    metadata: dict | None = None,
) -> tuple[Customer, bool]:
    """The customer for an external id, created with its wallet and ledger account if new.

    Two first requests for the same end user can race; the unique constraint picks one winner
    and the loser reads the winner's row.
    """
    existing = Customer.objects.filter(
        project_id=project_id, livemode=livemode, external_id=external_id
    ).first()
    if existing is not None:
        return existing, False
    organization_id = Project.objects.values_list("organization_id", flat=True).get(pk=project_id)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                organization_id=organization_id,
                project_id=project_id,
                livemode=livemode,
                external_id=external_id,
                email=email,
                name=name,
                metadata=metadata or {},
            )
            wallet = Wallet.objects.create(
                organization_id=organization_id, customer=customer, livemode=livemode
            )
            LedgerAccount.objects.create(
                kind=LedgerAccount.Kind.WALLET,
                livemode=livemode,
                organization_id=organization_id,
                wallet=wallet,
            )
    except IntegrityError:
        customer = Customer.objects.get(
            project_id=project_id, livemode=livemode, external_id=external_id
        )
        return customer, False
    return customer, True
