"""The operator console for billing; importing a module registers its admin classes.

catalog: the model catalog, its deployments (providers, prices) and provider keys; topups:
top-ups and billing settings; webhooks: developer webhook endpoints, events and deliveries.
"""

from billing.admin.catalog import CatalogModelAdmin, DeploymentAdmin, ProviderCredentialAdmin
from billing.admin.topups import ProjectBillingSettingsAdmin, TopUpAdmin
from billing.admin.webhooks import (
    DeveloperWebhookEndpointAdmin,
    WebhookDeliveryAdmin,
    WebhookEventAdmin,
)

__all__ = [
    "CatalogModelAdmin",
    "DeploymentAdmin",
    "DeveloperWebhookEndpointAdmin",
    "ProjectBillingSettingsAdmin",
    "ProviderCredentialAdmin",
    "TopUpAdmin",
    "WebhookDeliveryAdmin",
    "WebhookEventAdmin",
]
