"""Local Stripe set-up: the dj-stripe webhook endpoint row and what it needs to work offline."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from djstripe.enums import WebhookEndpointValidation
from djstripe.models import Account, APIKey, WebhookEndpoint

from billing import stripe_gateway

ENABLED_EVENTS = [
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    "charge.dispute.closed",
]


@dataclass(frozen=True)
class EndpointSetup:
    endpoint: WebhookEndpoint
    path: str
    created: bool


def stripe_webhook_endpoint_ensure(
    *,
    livemode: bool,
    secret: str,
    url: str = "",
    account_id: str = "",
    endpoint_id: str = "",
    events: list[str] | None = None,
) -> EndpointSetup:
    """Create or update the mode's dj-stripe WebhookEndpoint with Stripe's signing secret.

    dj-stripe looks up the platform's Stripe account for every event (`GET /v1/account` unless
    it knows the API key's account): an Account row bound to the mode's secret key makes event
    processing need no network at all. `endpoint_id` and `events` name a second endpoint, e.g.
    the Connect one for `account.updated` (payouts), which Stripe signs with its own secret.
    """
    mode = "live" if livemode else "test"
    account_id = account_id or f"acct_platform_{mode}"
    with transaction.atomic():
        account, _ = Account.objects.get_or_create(id=account_id, defaults={"livemode": livemode})
        key = stripe_gateway.secret_key(livemode=livemode)
        if key:
            api_key, _ = APIKey.objects.get_or_create_by_api_key(key)
            if api_key.djstripe_owner_account_id != account.djstripe_id:
                api_key.djstripe_owner_account = account
                api_key.save(update_fields=["djstripe_owner_account"])
        endpoint, created = WebhookEndpoint.objects.update_or_create(
            id=endpoint_id or f"we_local_{mode}",
            defaults={
                "livemode": livemode,
                "secret": secret,
                "url": url or "https://example.invalid/stripe/webhook/",
                "enabled_events": events or ENABLED_EVENTS,
                "status": "enabled",
                "djstripe_owner_account": account,
                "djstripe_validation_method": WebhookEndpointValidation.verify_signature,
            },
        )
    path = reverse("djstripe:djstripe_webhook_by_uuid", kwargs={"uuid": endpoint.djstripe_uuid})
    return EndpointSetup(endpoint=endpoint, path=path, created=created)
