"""Errors raised by the wallet and ledger services (codes from DESIGN.md §5)."""

from llmgateway.errors import ApiError


class InsufficientBalance(ApiError):
    status = 402
    code = "insufficient_balance"
    type = "payment_required"
    default_message = "The wallet's available balance is too low for this request."
    description = ""


class InsufficientOrganizationCredits(InsufficientBalance):
    default_message = "The organization does not have enough credits."


class WalletFrozen(ApiError):
    status = 402
    code = "wallet_frozen"
    type = "payment_required"
    default_message = "This wallet is frozen."
    description = ""


class HoldNotActive(ApiError):
    status = 409
    code = "hold_not_active"
    default_message = "This hold was already settled, released or expired."


class UnbalancedTransaction(ValueError):
    """A programming error: a ledger transaction whose lines do not sum to zero."""
