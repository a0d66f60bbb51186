"""Server-side Python SDK of the LLM gateway: sessions, customers, wallets, payouts, webhooks."""

from llmgateway_server import webhooks
from llmgateway_server._version import VERSION
from llmgateway_server.async_client import AsyncLLMGateway
from llmgateway_server.client import LLMGateway
from llmgateway_server.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    IdempotencyError,
    InsufficientBalanceError,
    InvalidRequestError,
    LLMGatewayError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    SignatureVerificationError,
    SpendCapExceededError,
    UpstreamError,
    WalletFrozenError,
)
from llmgateway_server.models import (
    ApiKey,
    Balance,
    ConnectOnboarding,
    ConnectStatus,
    Customer,
    DeletedObject,
    Event,
    LedgerEntry,
    Payout,
    RevokedSession,
    Session,
    SessionScope,
    Wallet,
    WalletCredit,
    WebhookEndpoint,
)
from llmgateway_server.pagination import AsyncPage, Page
from llmgateway_server.webhooks import SIGNATURE_HEADER, construct_event

__version__ = VERSION

__all__ = [
    "SIGNATURE_HEADER",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "ApiKey",
    "AsyncLLMGateway",
    "AsyncPage",
    "AuthenticationError",
    "Balance",
    "ConflictError",
    "ConnectOnboarding",
    "ConnectStatus",
    "Customer",
    "DeletedObject",
    "Event",
    "IdempotencyError",
    "InsufficientBalanceError",
    "InvalidRequestError",
    "LLMGateway",
    "LLMGatewayError",
    "LedgerEntry",
    "NotFoundError",
    "Page",
    "PaymentRequiredError",
    "Payout",
    "PermissionDeniedError",
    "RateLimitError",
    "RevokedSession",
    "Session",
    "SessionScope",
    "SignatureVerificationError",
    "SpendCapExceededError",
    "UpstreamError",
    "Wallet",
    "WalletCredit",
    "WalletFrozenError",
    "WebhookEndpoint",
    "__version__",
    "construct_event",
    "webhooks",
]
