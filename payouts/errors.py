"""Error codes of Connect onboarding and payouts (the API shape is made in llmgateway.api)."""

from llmgateway.errors import ApiError, InvalidRequest
from wallets.errors import InsufficientBalance

PAYOUTS_NOT_ENABLED = "payouts_not_enabled"
PAYOUT_NOT_CANCELABLE = "payout_not_cancelable"
PAYOUT_NOT_RETRYABLE = "payout_not_retryable"


class ConnectNotConfigured(InvalidRequest):
    default_message = "Stripe Connect is not configured for this mode (no Stripe secret key)."


class ConnectProviderError(ApiError):
    status = 502
    code = "upstream_error"
    type = "api_error"
    default_message = "Stripe could not be reached to set up the connected account; try again."


class PayoutsNotEnabled(ApiError):
    status = 409
    code = PAYOUTS_NOT_ENABLED
    default_message = (
        "The organization's Stripe account cannot receive payouts yet: finish onboarding "
        "(POST /v1/connect/onboarding) until GET /v1/connect/status shows payoutsEnabled."
    )


class InsufficientMargin(InsufficientBalance):
    default_message = "The amount is more than the margin available for payout."


class PayoutNotCancelable(ApiError):
    status = 409
    code = PAYOUT_NOT_CANCELABLE
    default_message = "Only a pending payout (no transfer attempted yet) can be canceled."


class PayoutNotRetryable(ApiError):
    status = 409
    code = PAYOUT_NOT_RETRYABLE
    default_message = "Only a pending, processing or failed payout can be retried."
