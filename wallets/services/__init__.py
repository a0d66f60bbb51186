"""Writes to wallets and the ledger. Import from here: `from wallets import services` (holds
have a package of their own: wallets.holds)."""

from wallets.services.accounts import (
    account_for_organization,
    account_for_system,
    customer_get_or_create,
)
from wallets.services.customers import CustomerExists, customer_create, customer_update
from wallets.services.ledger import Line, ledger_post
from wallets.services.movements import (
    account_transfer,
    organization_credit_grant,
    wallet_adjust,
    wallet_credit,
    wallet_debit,
    wallet_grant_from_organization,
    wallet_set_status,
)

__all__ = [
    "CustomerExists",
    "Line",
    "account_for_organization",
    "account_for_system",
    "account_transfer",
    "customer_create",
    "customer_get_or_create",
    "customer_update",
    "ledger_post",
    "organization_credit_grant",
    "wallet_adjust",
    "wallet_credit",
    "wallet_debit",
    "wallet_grant_from_organization",
    "wallet_set_status",
]
