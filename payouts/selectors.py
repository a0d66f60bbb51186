"""Reads of connected accounts and payouts, always within the caller's organization and mode."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from llmgateway.errors import NotFound
from payouts.models import ConnectedAccount, Payout


def connected_account_for(*, organization_id: str, livemode: bool) -> ConnectedAccount | None:
    return ConnectedAccount.objects.filter(
        organization_id=organization_id, livemode=livemode
    ).first()


@dataclass(frozen=True)
class ConnectStatus:
    account_id: str | None
    onboarded: bool
    payouts_enabled: bool
    livemode: bool


def connect_status(*, organization_id: str, livemode: bool) -> ConnectStatus:
    """As the last `account.updated` webhook left it (no call to Stripe)."""
    account = connected_account_for(organization_id=organization_id, livemode=livemode)
    return ConnectStatus(
        account_id=account.stripe_account_id if account else None,
        onboarded=bool(account and account.details_submitted),
        payouts_enabled=bool(account and account.payouts_enabled),
        livemode=livemode,
    )


def payouts_for_organization(*, organization_id: str, livemode: bool) -> QuerySet[Payout]:
    return Payout.objects.filter(organization_id=organization_id, livemode=livemode)


def payout_for_organization(*, organization_id: str, livemode: bool, payout_id: str) -> Payout:
    payout = payouts_for_organization(organization_id=organization_id, livemode=livemode).filter(
        pk=payout_id
    )
    found = payout.first()
    if found is None:
        raise NotFound("No such payout.", param="id")
    return found
