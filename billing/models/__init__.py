"""Billing's models, one module per subject; every model is importable from `billing.models`.

catalog: the model catalog, its deployments and admin-entered provider keys; topups: top-ups,
their credits and reversals, per-project limits and low-balance state; webhooks: developer
webhooks (the outbox).
"""

from billing.models.catalog import (
    LOCAL_TEST_PROVIDER,
    PRICE_FIELDS,
    CatalogModel,
    Deployment,
    ProviderCredential,
)
from billing.models.topups import (
    ProjectBillingSettings,
    TopUp,
    TopUpCredit,
    TopUpReversal,
    WalletLowBalanceState,
)
from billing.models.webhooks import (
    DeveloperWebhookEndpoint,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEvent,
)

__all__ = [
    "LOCAL_TEST_PROVIDER",
    "PRICE_FIELDS",
    "CatalogModel",
    "Deployment",
    "DeveloperWebhookEndpoint",
    "ProjectBillingSettings",
    "ProviderCredential",
    "TopUp",
    "TopUpCredit",
    "TopUpReversal",
    "WalletLowBalanceState",
    "WebhookDelivery",
    "WebhookDeliveryAttempt",
    "WebhookEvent",
]
