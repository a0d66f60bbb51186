"""Writes of the payouts app. Import from here: `from payouts import services`."""

from payouts.services.automatic import (
    payout_threshold_nanos,
    payouts_automatic_run,
    payouts_stuck,
)
from payouts.services.connect import (
    OnboardingLink,
    connect_onboarding_start,
    connected_account_refresh,
    connected_account_sync,
)
from payouts.services.payouts import (
    payout_cancel,
    payout_minimum_nanos,
    payout_request,
    payout_retry,
    whole_cents,
)
from payouts.services.transfers import (
    PayoutTransferPending,
    payout_mark_failed,
    payout_mark_paid,
    payout_transfer_execute,
)

__all__ = [
    "OnboardingLink",
    "PayoutTransferPending",
    "connect_onboarding_start",
    "connected_account_refresh",
    "connected_account_sync",
    "payout_cancel",
    "payout_mark_failed",
    "payout_mark_paid",
    "payout_minimum_nanos",
    "payout_request",
    "payout_retry",
    "payout_threshold_nanos",
    "payout_transfer_execute",
    "payouts_automatic_run",
    "payouts_stuck",
    "whole_cents",
]
