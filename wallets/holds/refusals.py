"""Why a hold was refused, as the API error the caller gets: one mapping for both backends.

The ORM services (orm.py) find out step by step (the session's UPDATE, then the wallet's); the
SQL steps (pg.py) read every fact in one row after a refused statement. Both describe what they
found with the same facts, and this module alone turns facts into errors, in one order of
precedence, so a request is refused with the same code and message on either path.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmgateway.errors import ApiError, AuthenticationFailed, NotFound
from sessions_app.errors import (
    CustomerBlocked,
    SessionExpired,
    SessionRevoked,
    SpendCapExceeded,
)
from wallets.errors import (
    HoldNotActive,
    InsufficientBalance,
    InsufficientOrganizationCredits,
    WalletFrozen,
)


@dataclass(frozen=True)
class WalletRefusal:
    """What was found about a refused reserve on a wallet (a fact not checked stays at its
    default: the ORM's session step never reaches the wallet, and it checks no token)."""

    session_found: bool = True
    wallet_found: bool = True
    token_matches: bool = True  # the session still carries the token the caller sent
    session_revoked: bool = False
    session_expired: bool = False
    # The session's cap refuses (the ORM: its UPDATE refused a session neither revoked nor
    # expired, and the cap is the only other condition it has).
    over_spend_cap: bool = False
    customer_blocked: bool = False
    wallet_frozen: bool = False


def wallet_refusal_error(refusal: WalletRefusal) -> ApiError:
    if not refusal.session_found and not refusal.wallet_found:
        return NotFound("No such session or wallet.")  # one SQL row said neither
    if not refusal.session_found:
        return NotFound("No such session.")
    if not refusal.token_matches:
        return AuthenticationFailed("Invalid session token.")
    if refusal.session_revoked:
        return SessionRevoked()
    if refusal.session_expired:
        return SessionExpired()
    if refusal.over_spend_cap:
        return SpendCapExceeded()
    if refusal.customer_blocked:
        return CustomerBlocked()
    if not refusal.wallet_found:
        return NotFound("No such wallet.")
    if refusal.wallet_frozen:
        return WalletFrozen()
    return InsufficientBalance()


def organization_refusal_error(*, key_revoked: bool = False) -> ApiError:
    """A refused reserve on an organization's credits (the SQL step also re-checks the key)."""
    if key_revoked:
        return AuthenticationFailed("This API key was revoked.")
    return InsufficientOrganizationCredits()


def finish_refusal_error(*, hold_found: bool = True) -> ApiError:
    """A settle or release of a hold that is missing, or already settled, released or
    expired."""
    if not hold_found:
        return NotFound("No such hold.")
    return HoldNotActive()
