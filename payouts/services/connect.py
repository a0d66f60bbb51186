"""Stripe Connect onboarding: the organization's Express account, its onboarding links, and
keeping `payouts_enabled` current from `account.updated` webhooks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from djstripe.models import Account as DjstripeAccount

from billing import stripe_gateway
from llmgateway.errors import InvalidRequest
from payouts.errors import ConnectNotConfigured, ConnectProviderError
from payouts.models import ConnectedAccount
from payouts.services.simulated import (
    account_is_simulated,
    connect_simulated,
    simulated_account_get_or_create,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnboardingLink:
    account: ConnectedAccount
    url: str


def _onboarding_url(value: str, *, setting: str, param: str, livemode: bool) -> str:
    url = value or getattr(settings, setting)
    if not url:
        raise InvalidRequest(
            f"Give {param} (or set {setting}): where Stripe sends the developer back.",
            param=param,
        )
    # Stripe takes http return URLs in test mode (local development), https only in live mode.
    allowed = ("https://",) if livemode else ("https://", "http://")
    if not url.startswith(allowed):
        raise InvalidRequest(f"{param} must be an https URL.", param=param)
    return url


def connect_onboarding_start(
    *, organization_id: str, livemode: bool, return_url: str = "", refresh_url: str = ""
) -> OnboardingLink:
    """Create (once) or reuse the organization's Express account and make an onboarding link.

    Test mode uses Stripe's test mode with a test key, else the simulated provider, whose
    account is onboarded at once: its link is the return URL itself.
    """
    existing = ConnectedAccount.objects.filter(
        organization_id=organization_id, livemode=livemode
    ).first()
    if connect_simulated(livemode=livemode) or (
        existing is not None and account_is_simulated(existing)
    ):
        account = simulated_account_get_or_create(organization_id=organization_id)
        return OnboardingLink(account=account, url=return_url or settings.CONNECT_RETURN_URL)
    if not stripe_gateway.stripe_enabled(livemode=livemode):
        raise ConnectNotConfigured()
    return_url = _onboarding_url(
        return_url, setting="CONNECT_RETURN_URL", param="returnUrl", livemode=livemode
    )
    refresh_url = _onboarding_url(
        refresh_url, setting="CONNECT_REFRESH_URL", param="refreshUrl", livemode=livemode
    )
    try:
        account = existing or _connected_account_create(
            organization_id=organization_id, livemode=livemode
        )
        url = stripe_gateway.account_link_create(
            livemode=livemode,
            account_id=account.stripe_account_id,
            refresh_url=refresh_url,
            return_url=return_url,
        )
    except stripe_gateway.StripeUnavailable as error:
        raise ConnectProviderError() from error
    return OnboardingLink(account=account, url=url)


def _connected_account_create(*, organization_id: str, livemode: bool) -> ConnectedAccount:
    # Two first calls at once send the same idempotency key, so Stripe makes one account and
    # the unique (organization, mode) row picks one writer; the other reads it.
    info = stripe_gateway.connect_account_create(
        livemode=livemode,
        organization_id=organization_id,
        idempotency_key=f"connect-account:{organization_id}:{'live' if livemode else 'test'}",
    )
    try:
        with transaction.atomic():
            account = ConnectedAccount.objects.create(
                organization_id=organization_id,
                livemode=livemode,
                stripe_account_id=info.id,
                details_submitted=info.details_submitted,
                payouts_enabled=info.payouts_enabled,
                charges_enabled=info.charges_enabled,
            )
            # dj-stripe attributes a Connect event to the dj-stripe Account named in its
            # `account` field and would fetch it from Stripe, inside the webhook's transaction,
            # when it has no row for it: a bare row makes `account.updated` need no network.
            DjstripeAccount.objects.get_or_create(id=info.id, defaults={"livemode": livemode})
    except IntegrityError:
        return ConnectedAccount.objects.get(organization_id=organization_id, livemode=livemode)
    return account


def connected_account_refresh(*, organization_id: str, livemode: bool) -> ConnectedAccount | None:
    """Ask Stripe for the account now (where no `account.updated` webhook reaches this gateway,
    e.g. on a laptop) and apply it; the simulated account has nothing to ask."""
    account = ConnectedAccount.objects.filter(
        organization_id=organization_id, livemode=livemode
    ).first()
    if account is None or account_is_simulated(account):
        return account
    try:
        info = stripe_gateway.connect_account_retrieve(
            livemode=livemode, account_id=account.stripe_account_id
        )
    except stripe_gateway.StripeUnavailable as error:
        raise ConnectProviderError() from error
    ConnectedAccount.objects.filter(pk=account.pk).update(
        details_submitted=info.details_submitted,
        payouts_enabled=info.payouts_enabled,
        charges_enabled=info.charges_enabled,
        updated_at=timezone.now(),
    )
    account.refresh_from_db()
    return account


def connected_account_sync(*, account: dict, event_created: datetime | None = None) -> bool:
    """Apply a Stripe Account object (an `account.updated` payload) to our row, unless a newer
    event was applied already. Returns whether a row changed."""
    info = stripe_gateway.connected_account_info(account)
    rows = ConnectedAccount.objects.filter(stripe_account_id=info.id)
    if event_created is not None:
        rows = rows.filter(
            Q(stripe_synced_at__isnull=True) | Q(stripe_synced_at__lte=event_created)
        )
    changes = {
        "details_submitted": info.details_submitted,
        "payouts_enabled": info.payouts_enabled,
        "charges_enabled": info.charges_enabled,
        "updated_at": timezone.now(),
    }
    if event_created is not None:
        changes["stripe_synced_at"] = event_created
    changed = rows.update(**changes)
    if not changed:
        logger.info("account.updated for %s: not ours or an older event", info.id)
    return bool(changed)
