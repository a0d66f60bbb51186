"""Writes to wallets and the ledger. Import from here: `from wallets import services`."""

from wallets.services.accounts import (
    account_for_organization,
    account_for_system,
    customer_get_or_create,
)
from wallets.services.customers import CustomerExists, customer_create, customer_update
from wallets.services.holds import (
    SettleResult,
    holds_extend,
    holds_release_expired,
    organization_hold_reserve,
    wallet_hold_release,
    wallet_hold_reserve,
    wallet_hold_settle,
)
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
    "SettleResult",
    "account_for_organization",
    "account_for_system",
    "account_transfer",
    "customer_create",
    "customer_get_or_create",
    "customer_update",
    "holds_extend",
    "holds_release_expired",
    "ledger_post",
    "organization_credit_grant",
    "organization_hold_reserve",
    "wallet_adjust",
    "wallet_credit",
    "wallet_debit",
    "wallet_grant_from_organization",
    "wallet_hold_release",
    "wallet_hold_reserve",
    "wallet_hold_settle",
    "wallet_set_status",
]
