"""Errors of billing: top-ups, payment providers and developer webhooks (DESIGN.md §5 codes)."""

from llmgateway.errors import ApiError, InvalidRequest


class TopUpAmountOutOfRange(InvalidRequest):
    default_message = "The top-up amount is outside this project's limits."


class PaymentsNotConfigured(InvalidRequest):
    default_message = "Card payments are not configured for this mode."


class PaymentProviderError(ApiError):
    status = 502
    code = "upstream_error"
    type = "api_error"
    default_message = "The payment provider could not create the payment; try again."


class SimulationNotAllowed(ApiError):
    status = 403
    code = "permission_denied"
    type = "permission_error"
    default_message = "Only test-mode top-ups of the simulated provider can be simulated."


class TopUpNotPending(ApiError):
    status = 409
    code = "topup_not_pending"
    default_message = "This top-up is no longer pending."


class WebhookUrlRejected(InvalidRequest):
    default_message = "This webhook URL is not allowed."
