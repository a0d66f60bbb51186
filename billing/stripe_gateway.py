"""The one seam to Stripe: every call to Stripe's API goes through this module (stripe-python).

Keys come from the environment by mode (STRIPE_TEST_SECRET_KEY, STRIPE_LIVE_SECRET_KEY);
STRIPE_API_BASE points the client elsewhere (tests use a loopback localstripe).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)

# A PaymentIntent create is retried by stripe-python with the same idempotency key.
MAX_NETWORK_RETRIES = 2


class StripeUnavailable(Exception):
    """Stripe refused or could not be reached; the message is safe to log, not to show."""


@dataclass(frozen=True)
class PaymentIntentInfo:
    id: str
    client_secret: str
    status: str


def secret_key(*, livemode: bool) -> str:
    return settings.STRIPE_LIVE_SECRET_KEY if livemode else settings.STRIPE_TEST_SECRET_KEY


def publishable_key(*, livemode: bool) -> str:
    return (
        settings.STRIPE_LIVE_PUBLISHABLE_KEY if livemode else settings.STRIPE_TEST_PUBLISHABLE_KEY
    )


def stripe_enabled(*, livemode: bool) -> bool:
    return bool(secret_key(livemode=livemode))


def _client(*, livemode: bool) -> stripe.StripeClient:
    key = secret_key(livemode=livemode)
    if not key:
        raise StripeUnavailable(f"no Stripe {'live' if livemode else 'test'} secret key is set")
    options: dict = {"max_network_retries": MAX_NETWORK_RETRIES}
    if settings.STRIPE_API_BASE:
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(key, **options)


def payment_intent_create(
    *,
    livemode: bool,
    amount_cents: int,
    metadata: dict[str, str],
    idempotency_key: str,
) -> PaymentIntentInfo:
    """A USD card PaymentIntent; the client confirms it with Stripe Elements."""
    params: dict = {
        "amount": amount_cents,
        "currency": "usd",
        "payment_method_types": ["card"],
        "metadata": metadata,
    }
    try:
        intent = _client(livemode=livemode).v1.payment_intents.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.StripeError as error:
        logger.warning("Stripe PaymentIntent create failed: %s", error)
        raise StripeUnavailable(str(error)) from error
    return PaymentIntentInfo(
        id=intent["id"], client_secret=intent["client_secret"], status=intent["status"]
    )
