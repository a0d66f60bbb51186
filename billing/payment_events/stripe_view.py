"""Stripe's webhook endpoint: dj-stripe's view, behind a signature check that stores nothing.

dj-stripe saves a `WebhookEventTrigger` row (headers and body) for every request before it
checks the signature, so anyone who learns an endpoint's URL could fill the table with forged
posts. Here the signature is checked first, the way dj-stripe itself would check it (the
endpoint's secret, its tolerance and, only under DEBUG, the `X-Djstripe-Webhook-Secret` header
for `stripe listen`); a request that fails is answered 400 and never stored. A signed request
goes on to dj-stripe, which verifies it again, stores it and sends the signals
(billing/payment_events/stripe_receivers.py).
"""

from __future__ import annotations

import logging

import stripe
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from djstripe.enums import WebhookEndpointValidation
from djstripe.models import WebhookEndpoint
from djstripe.views import ProcessWebhookView

logger = logging.getLogger(__name__)


def _signing_secret(request: HttpRequest, endpoint: WebhookEndpoint) -> str:
    if settings.DEBUG:
        return request.headers.get("X-Djstripe-Webhook-Secret") or endpoint.secret
    return endpoint.secret


def signature_is_valid(request: HttpRequest, endpoint: WebhookEndpoint) -> bool:
    """Whether the body is signed by the endpoint's secret within its tolerance."""
    secret = _signing_secret(request, endpoint)
    if not secret:
        return False
    try:
        body = request.body.decode(request.encoding or "utf-8")
        stripe.WebhookSignature.verify_header(
            body,
            request.headers.get("Stripe-Signature", ""),
            secret,
            endpoint.djstripe_tolerance,
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError):
        return False
    return True


class SignedWebhookView(ProcessWebhookView):
    def post(self, request: HttpRequest, uuid) -> HttpResponse:
        endpoint = get_object_or_404(WebhookEndpoint, djstripe_uuid=uuid)
        checks_signature = (
            endpoint.djstripe_validation_method == WebhookEndpointValidation.verify_signature
        )
        try:
            refused = checks_signature and not signature_is_valid(request, endpoint)
        except RequestDataTooBig:
            return HttpResponse(status=413)
        if refused:
            logger.warning(
                "Stripe webhook for endpoint %s refused: bad or missing signature (not stored)",
                endpoint.id,
            )
            return HttpResponseBadRequest()
        return super().post(request, uuid)
