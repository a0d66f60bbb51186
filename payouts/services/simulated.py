"""The simulated Connect provider: test mode without a Stripe test key, as the simulated card
provider is for top-ups (billing/payment_events/simulated.py). It never runs in live mode.

Its connected account (`acct_sim_…`) is onboarded at once (there is no form to fill) and its
transfers succeed at once (`tr_sim_<transfer idempotency key>`), so a developer can rehearse
the whole payout flow offline: margin reserved, payout pending → paid, `payout.paid`, the
ledger's payouts-in-transit — every step through the same services as Stripe's path.
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from billing import stripe_gateway
from payouts.models import ConnectedAccount

ACCOUNT_PREFIX = "acct_sim_"
TRANSFER_PREFIX = "tr_sim_"


def connect_simulated(*, livemode: bool) -> bool:
    """Whether this mode's Connect is simulated: test mode with no Stripe test key."""
    return not livemode and not stripe_gateway.stripe_enabled(livemode=False)


def account_is_simulated(account: ConnectedAccount) -> bool:
    return not account.livemode and account.stripe_account_id.startswith(ACCOUNT_PREFIX)


def simulated_account_get_or_create(*, organization_id: str) -> ConnectedAccount:
    """The organization's test-mode simulated account, onboarded and able to receive payouts."""
    existing = ConnectedAccount.objects.filter(
        organization_id=organization_id, livemode=False
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ConnectedAccount.objects.create(
                organization_id=organization_id,
                livemode=False,
                stripe_account_id=f"{ACCOUNT_PREFIX}{secrets.token_hex(8)}",
                details_submitted=True,
                payouts_enabled=True,
                charges_enabled=False,
            )
    except IntegrityError:  # two first clicks at once: the unique (organization, mode) row wins
        return ConnectedAccount.objects.get(organization_id=organization_id, livemode=False)


def simulated_transfer_id(*, transfer_idempotency_key: str) -> str:
    """The same key gives the same transfer, as Stripe's idempotency does."""
    return f"{TRANSFER_PREFIX}{transfer_idempotency_key}"
