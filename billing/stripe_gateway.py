"""The one seam to Stripe: every call to Stripe's API goes through this module (stripe-python).

Keys come from the environment by mode (STRIPE_TEST_SECRET_KEY, STRIPE_LIVE_SECRET_KEY);
STRIPE_API_BASE points the client elsewhere (tests use a loopback localstripe, and
tests/fakes/stripe_connect_server.py for Connect).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import stripe
from django.conf import settings

if TYPE_CHECKING:
    from stripe.params import (
        AccountCreateParams,
        PaymentIntentCreateParams,
        TransferCreateParams,
    )

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
    params: PaymentIntentCreateParams = {
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


# --- Connect: connected accounts, onboarding links, transfers (payouts/) ----------------------


class StripeDeclined(StripeUnavailable):
    """Stripe answered with a definitive refusal (a 4xx card, balance or request error): the same
    request will fail again, so nothing is to be retried with it."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ConnectedAccountInfo:
    id: str
    details_submitted: bool
    payouts_enabled: bool
    charges_enabled: bool


@dataclass(frozen=True)
class TransferInfo:
    id: str
    amount_cents: int
    destination: str


def connected_account_info(account) -> ConnectedAccountInfo:
    """The fields we keep from a Stripe Account object (an API answer or a webhook payload)."""
    return ConnectedAccountInfo(
        id=account["id"],
        details_submitted=bool(account.get("details_submitted")),
        payouts_enabled=bool(account.get("payouts_enabled")),
        charges_enabled=bool(account.get("charges_enabled")),
    )


def _refusal_is_definitive(error: stripe.StripeError) -> bool:
    """4xx answers about the request itself (card, balance, invalid destination, permissions)
    will not change on a retry; network failures, 5xx, 409 (a concurrent request with the same
    idempotency key), 429 and authentication (an operator fixes the key) may."""
    return isinstance(error, stripe.CardError | stripe.InvalidRequestError | stripe.PermissionError)


def _call(description: str, call):
    try:
        return call()
    except stripe.StripeError as error:
        logger.warning("Stripe %s failed: %s", description, error)
        if _refusal_is_definitive(error):
            raise StripeDeclined(
                error.user_message or str(error), code=getattr(error, "code", "") or ""
            ) from error
        raise StripeUnavailable(str(error)) from error


def connect_account_create(
    *, livemode: bool, organization_id: str, email: str = "", idempotency_key: str
) -> ConnectedAccountInfo:
    """An Express connected account that can receive transfers (the developer's payouts)."""
    params: AccountCreateParams = {
        "type": "express",
        "capabilities": {"transfers": {"requested": True}},
        "metadata": {"organization_id": organization_id},
    }
    if email:
        params["email"] = email
    account = _call(
        "Account create",
        lambda: _client(livemode=livemode).v1.accounts.create(
            params=params, options={"idempotency_key": idempotency_key}
        ),
    )
    return connected_account_info(account)


def connect_account_retrieve(*, livemode: bool, account_id: str) -> ConnectedAccountInfo:
    account = _call(
        "Account retrieve", lambda: _client(livemode=livemode).v1.accounts.retrieve(account_id)
    )
    return connected_account_info(account)


def account_link_create(
    *, livemode: bool, account_id: str, refresh_url: str, return_url: str
) -> str:
    """A single-use onboarding URL on Stripe for the connected account (expires in minutes)."""
    link = _call(
        "AccountLink create",
        lambda: _client(livemode=livemode).v1.account_links.create(
            params={
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            }
        ),
    )
    return link["url"]


def transfer_create(
    *,
    livemode: bool,
    amount_cents: int,
    destination: str,
    idempotency_key: str,
    metadata: dict[str, str],
    transfer_group: str = "",
) -> TransferInfo:
    """Move `amount_cents` USD from the platform's balance to a connected account.

    The idempotency key makes a repeat (a retry after a timeout, a redelivered task) return the
    first transfer instead of making a second one. Raises StripeDeclined when Stripe refuses
    for good and StripeUnavailable when the outcome is unknown or may change on a retry.
    """
    params: TransferCreateParams = {
        "amount": amount_cents,
        "currency": "usd",
        "destination": destination,
        "metadata": metadata,
    }
    if transfer_group:
        params["transfer_group"] = transfer_group
    transfer = _call(
        "Transfer create",
        lambda: _client(livemode=livemode).v1.transfers.create(
            params=params, options={"idempotency_key": idempotency_key}
        ),
    )
    return TransferInfo(
        id=transfer["id"], amount_cents=transfer["amount"], destination=transfer["destination"]
    )


def transfer_find_by_group(*, livemode: bool, transfer_group: str) -> TransferInfo | None:
    """The transfer made for `transfer_group`, if any (any error: StripeUnavailable)."""
    try:
        page = _client(livemode=livemode).v1.transfers.list(
            params={"transfer_group": transfer_group, "limit": 1}
        )
    except stripe.StripeError as error:
        logger.warning("Stripe Transfer list failed: %s", error)
        raise StripeUnavailable(str(error)) from error
    for transfer in page.data:
        return TransferInfo(
            id=transfer["id"], amount_cents=transfer["amount"], destination=transfer["destination"]
        )
    return None
