"""A project's top-up limits and low-balance threshold: its ProjectBillingSettings row over the
operator's settings (TOPUP_MIN_USD, TOPUP_MAX_USD, LOW_BALANCE_THRESHOLD_USD)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from billing.models import ProjectBillingSettings
from llmgateway.money import usd_to_nanos


@dataclass(frozen=True)
class TopUpLimits:
    min_nanos: int
    max_nanos: int
    low_balance_threshold_nanos: int


def project_billing_limits(*, project_id: str) -> TopUpLimits:
    overrides = ProjectBillingSettings.objects.filter(project_id=project_id).first()

    def pick(column: str, setting: str) -> int:
        value = getattr(overrides, column, None) if overrides else None
        return value if value is not None else usd_to_nanos(getattr(settings, setting))

    return TopUpLimits(
        min_nanos=pick("topup_min_nanos", "TOPUP_MIN_USD"),
        max_nanos=pick("topup_max_nanos", "TOPUP_MAX_USD"),
        low_balance_threshold_nanos=pick(
            "low_balance_threshold_nanos", "LOW_BALANCE_THRESHOLD_USD"
        ),
    )
