"""Periodic payout work: automatic payouts over a threshold, and re-driving stuck payouts."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from llmgateway.errors import ApiError
from llmgateway.money import usd_to_nanos
from payouts.models import OPEN_STATUSES, ConnectedAccount, Payout, PayoutSettings
from payouts.services.payouts import payout_request
from wallets.models import LedgerAccount

logger = logging.getLogger(__name__)


def payout_threshold_nanos(*, organization_id: str) -> int | None:
    """The organization's automatic-payout threshold, or None when it turned them off."""
    own = PayoutSettings.objects.filter(organization_id=organization_id).first()
    if own is not None and not own.automatic_payouts_enabled:
        return None
    if own is not None and own.automatic_threshold_nanos is not None:
        return own.automatic_threshold_nanos
    return usd_to_nanos(settings.PAYOUT_AUTO_THRESHOLD_USD)


def payouts_automatic_run() -> list[Payout]:
    """Pay out every live organization with payouts enabled whose available margin reached its
    threshold: everything available, one payout each."""
    made = []
    accounts = ConnectedAccount.objects.filter(livemode=True, payouts_enabled=True)
    for organization_id in accounts.values_list("organization_id", flat=True):
        threshold = payout_threshold_nanos(organization_id=organization_id)
        available = (
            LedgerAccount.objects.filter(
                organization_id=organization_id,
                livemode=True,
                kind=LedgerAccount.Kind.ORG_MARGIN,
            )
            .values_list("balance_nanos", flat=True)
            .first()
        )
        if threshold is None or not available or available < threshold:
            continue
        try:
            payout, _ = payout_request(
                organization_id=organization_id,
                livemode=True,
                trigger=Payout.Trigger.AUTOMATIC,
            )
        except ApiError as error:  # e.g. a concurrent payout took the margin meanwhile
            logger.info("automatic payout of %s skipped: %s", organization_id, error.message)
            continue
        made.append(payout)
    return made


def payouts_stuck(*, limit: int = 500) -> list[str]:
    """Open payouts untouched for PAYOUT_STUCK_AFTER_SECONDS (a lost task, a worker that died,
    retries that ran out), leased for another period so the next sweep skips them."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.PAYOUT_STUCK_AFTER_SECONDS)
    stuck = list(
        Payout.objects.filter(status__in=OPEN_STATUSES, updated_at__lte=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    leased = []
    for payout_id in stuck:
        if Payout.objects.filter(
            pk=payout_id, status__in=OPEN_STATUSES, updated_at__lte=cutoff
        ).update(updated_at=now):
            leased.append(payout_id)
    return leased
