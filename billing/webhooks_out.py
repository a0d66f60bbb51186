"""Outgoing developer webhooks: endpoints, events (an outbox), signing, the SSRF guard, delivery.

An event row and its delivery rows are written in the transaction that caused the event, so a
rolled-back credit never notifies anyone and a committed one always does. Delivery is a Celery
task; failures are retried on a backoff schedule by a periodic task (not by long Celery
countdowns, which a Redis broker would redeliver after its visibility timeout).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.errors_topups import WebhookUrlRejected
from billing.models_topups import (
    DeveloperWebhookEndpoint,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEvent,
)
from llmgateway.errors import InvalidRequest, NotFound

logger = logging.getLogger(__name__)

EVENT_TYPES = (
    "wallet.credited",
    "wallet.low_balance",
    "wallet.refunded",
    "payout.paid",
    "payout.failed",
)
# Sent only on request ("Send test event" in the dashboard), to one endpoint whatever events it
# chose; not an event endpoints subscribe to.
PING_EVENT_TYPE = "ping"
SIGNATURE_HEADER = "LLMGateway-Signature"
# Seconds to wait after each failed attempt: 7 attempts over about 17 hours.
RETRY_BACKOFF_SECONDS = (60, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(RETRY_BACKOFF_SECONDS) + 1
# A claimed delivery is not picked up again by the retry sweep for this long.
CLAIM_LEASE_SECONDS = 120
MAX_ENDPOINTS_PER_PROJECT = 16
RESPONSE_EXCERPT_CHARS = 500


# --- Signing --------------------------------------------------------------------------------


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (DESIGN.md §5)."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# --- The SSRF guard -------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedTarget:
    """A URL whose host resolved only to allowed addresses; deliveries connect to `address`."""

    scheme: str
    host: str
    port: int
    path: str
    address: str

    @property
    def connect_url(self) -> str:
        ip = ipaddress.ip_address(self.address)
        literal = f"[{ip}]" if ip.version == 6 else str(ip)
        return f"{self.scheme}://{literal}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


# IPv6 ranges that carry an IPv4 address inside them: the embedded address is what a gateway
# would route to, so it is checked as well (6to4 2002::/16 via `sixtofour`; NAT64 well-known
# and local-use prefixes here; IPv4-compatible ::a.b.c.d, deprecated, is refused outright).
_NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
# The only IPv6 space that is public unicast; everything else (site-local fec0::/10, unique
# local, link-local, multicast, discard 100::/64, documentation…) is refused.
_IPV6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")


def _ipv4_is_blocked(ip: ipaddress.IPv4Address) -> bool:
    return (
        ip.is_private  # 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), 192.0.0/24, 198.18/15…
        or ip.is_loopback
        or ip.is_link_local  # 169.254/16 (cloud metadata)
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _address_is_blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for any address that is, embeds or routes to a non-public one (docs/security.md)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return _ipv4_is_blocked(ip)
    if ip.ipv4_mapped is not None:
        return _ipv4_is_blocked(ip.ipv4_mapped)
    if ip.teredo is not None:  # 2001::/32: a tunnel to whatever its relay reaches
        return True
    if ip in _IPV4_COMPATIBLE:
        return True
    if ip.sixtofour is not None and _ipv4_is_blocked(ip.sixtofour):
        return True
    for prefix in _NAT64_PREFIXES:
        if ip in prefix:
            return True  # a NAT64 gateway would reach the embedded IPv4; never needed here
    if ip not in _IPV6_GLOBAL_UNICAST or ip.is_site_local:
        return True
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _port_allowed(port: int) -> bool:
    """Port policy: 443, or a port the operator lists in WEBHOOK_ALLOWED_PORTS (default 8443)."""
    return port == 443 or port in settings.WEBHOOK_ALLOWED_PORTS


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise WebhookUrlRejected(f"The host {host!r} does not resolve.", param="url") from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise WebhookUrlRejected(f"The host {host!r} does not resolve.", param="url")
    return addresses


def _scheme_and_port_check(scheme: str, port: int) -> None:
    if scheme != "https":
        raise WebhookUrlRejected("The URL must use https.", param="url")
    if not _port_allowed(port):
        raise WebhookUrlRejected(
            f"The URL's port {port} is not allowed: use 443 (or a port the operator allows).",
            param="url",
        )


def webhook_url_check(url: str, *, livemode: bool) -> CheckedTarget:
    """Refuse anything but https to public addresses (every address the name resolves to).

    Plain http is allowed only in test mode, to loopback, when WEBHOOK_ALLOW_HTTP_LOOPBACK is on
    (local development). Called at registration and again before every delivery, whose
    connection then goes to the address checked here: a name re-pointed at a private address
    after registration (DNS rebinding) is caught, and no second lookup can differ.

    What the URL alone decides (scheme, credentials, port) is refused before any DNS lookup:
    a wrong scheme gets its own message at once, and a refused URL never makes us resolve it.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise WebhookUrlRejected("The URL is not valid.", param="url") from error
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("https", "http") or not host:
        raise WebhookUrlRejected("The URL must be https://host/….", param="url")
    if parts.username or parts.password:
        raise WebhookUrlRejected("The URL must not carry credentials.", param="url")
    port = port or (443 if scheme == "https" else 80)
    # Only a test-mode endpoint on loopback may differ from https on an allowed port, and only
    # where the operator turned that on: anything else is refused before the lookup.
    loopback_exception_possible = settings.WEBHOOK_ALLOW_HTTP_LOOPBACK and not livemode
    if not loopback_exception_possible:
        _scheme_and_port_check(scheme, port)
    try:
        addresses = _resolve(host, port)
    except WebhookUrlRejected:
        if scheme == "http":  # http was only possible to loopback: https is the fix to name
            raise WebhookUrlRejected(
                "The URL must use https (plain http only to this machine, in test mode).",
                param="url",
            ) from None
        raise
    ips = [ipaddress.ip_address(address.split("%")[0]) for address in addresses]
    loopback_http_allowed = loopback_exception_possible and all(ip.is_loopback for ip in ips)
    if not loopback_http_allowed:
        _scheme_and_port_check(scheme, port)
    if not loopback_http_allowed and any(_address_is_blocked(ip) for ip in ips):
        raise WebhookUrlRejected(
            "The URL's host resolves to a private, loopback, link-local or reserved address.",
            param="url",
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return CheckedTarget(scheme=scheme, host=host, port=port, path=path, address=str(ips[0]))


# --- Endpoints ------------------------------------------------------------------------------


def webhook_endpoint_create(
    *, project_id: str, livemode: bool, url: str, events: list[str] | None = None
) -> DeveloperWebhookEndpoint:
    events = list(dict.fromkeys(events or []))
    for index, event_type in enumerate(events):
        if event_type not in EVENT_TYPES:
            raise InvalidRequest(f"Unknown event type {event_type!r}.", param=f"events[{index}]")
    webhook_url_check(url, livemode=livemode)
    active = DeveloperWebhookEndpoint.objects.filter(
        project_id=project_id, livemode=livemode, deleted_at__isnull=True
    )
    if active.count() >= MAX_ENDPOINTS_PER_PROJECT:
        raise InvalidRequest(
            f"A project has at most {MAX_ENDPOINTS_PER_PROJECT} endpoints per mode."
        )
    return DeveloperWebhookEndpoint.objects.create(
        project_id=project_id, livemode=livemode, url=url, events=events
    )


def webhook_endpoint_delete(*, endpoint: DeveloperWebhookEndpoint) -> DeveloperWebhookEndpoint:
    """Soft delete: its past deliveries stay visible in admin; no new ones are made."""
    endpoint.deleted_at = timezone.now()
    endpoint.enabled = False
    endpoint.save(update_fields=["deleted_at", "enabled"])
    WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, last_error="endpoint deleted"
    )
    return endpoint


def webhook_endpoint_for_project(*, project_id: str, livemode: bool, endpoint_id: str):
    endpoint = DeveloperWebhookEndpoint.objects.filter(
        pk=endpoint_id, project_id=project_id, livemode=livemode, deleted_at__isnull=True
    ).first()
    if endpoint is None:
        raise NotFound("No such webhook endpoint.", param="id")
    return endpoint


# --- Events ---------------------------------------------------------------------------------


def webhook_event_emit(*, project_id: str, livemode: bool, type: str, data: dict) -> WebhookEvent:
    """Inside the caller's transaction: the event, a delivery per interested endpoint, and the
    first attempt queued for after the commit."""
    from billing import tasks

    if type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {type}")
    event = WebhookEvent.objects.create(
        project_id=project_id, livemode=livemode, type=type, data=data
    )
    endpoints = DeveloperWebhookEndpoint.objects.filter(
        project_id=project_id, livemode=livemode, enabled=True, deleted_at__isnull=True
    )
    now = timezone.now()
    for endpoint in endpoints:
        if endpoint.wants(type):
            delivery = WebhookDelivery.objects.create(
                event=event, endpoint=endpoint, next_attempt_at=now
            )
            tasks.webhook_deliver.delay_on_commit(delivery_id=delivery.pk)
    return event


def webhook_endpoint_ping(*, endpoint: DeveloperWebhookEndpoint) -> WebhookDeliveryAttempt:
    """A signed `ping` event to one endpoint, attempted now through the delivery path every
    event takes (URL check, signature, recorded attempt). A failed ping is not retried: the
    developer sees the result at once and sends another when the receiver is fixed."""
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            project_id=endpoint.project_id,
            livemode=endpoint.livemode,
            type=PING_EVENT_TYPE,
            data={"endpoint": endpoint.pk, "url": endpoint.url},
        )
        delivery = WebhookDelivery.objects.create(
            event=event, endpoint=endpoint, next_attempt_at=timezone.now()
        )
    attempt = webhook_delivery_attempt(delivery_id=delivery.pk)
    if attempt is None:  # cannot happen: made just now, due, and no one else knows it yet
        raise RuntimeError(f"ping delivery {delivery.pk} was claimed by someone else")
    if not attempt.succeeded:
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.PENDING
        ).update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    return attempt


def webhook_event_body(event: WebhookEvent) -> bytes:
    payload = {
        "id": event.id,
        "object": "event",
        "type": event.type,
        "created": int(event.created_at.timestamp()),
        "livemode": event.livemode,
        "data": event.data,
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


# --- Delivery -------------------------------------------------------------------------------


def _claim(delivery_id: int) -> bool:
    """Take the delivery for one attempt; a concurrent sweep or a duplicate task gets False."""
    now = timezone.now()
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + timedelta(seconds=CLAIM_LEASE_SECONDS))
    )


def webhook_delivery_attempt(*, delivery_id: int) -> WebhookDeliveryAttempt | None:
    """One attempt of a due delivery: check the URL again, POST the signed body, record it."""
    if not _claim(delivery_id):
        return None
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = webhook_event_body(delivery.event)
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    excerpt = ""
    try:
        target = webhook_url_check(endpoint.url, livemode=endpoint.livemode)
        status_code, excerpt = _post(target, body=body, secret=endpoint.secret)
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except WebhookUrlRejected as rejected:
        error = f"refused: {rejected.message}"
    except httpx.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record_attempt(
        delivery,
        status_code=status_code,
        error=error,
        excerpt=excerpt,
        duration_ms=duration_ms,
    )


def _post(target: CheckedTarget, *, body: bytes, secret: str) -> tuple[int, str]:
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "LLMGateway-Webhooks/1",
        "Host": target.host_header,
        SIGNATURE_HEADER: webhook_signature(secret=secret, timestamp=timestamp, body=body),
    }
    # Connect to the checked address; TLS still verifies the certificate against the host name.
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    with httpx.Client(timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False) as client:
        response = client.post(
            target.connect_url, content=body, headers=headers, extensions=extensions
        )
    return response.status_code, response.text[:RESPONSE_EXCERPT_CHARS]


def _record_attempt(
    delivery: WebhookDelivery,
    *,
    status_code: int | None,
    error: str,
    excerpt: str,
    duration_ms: int,
) -> WebhookDeliveryAttempt:
    succeeded = not error
    number = delivery.attempt_count + 1
    with transaction.atomic():
        attempt = WebhookDeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            succeeded=succeeded,
            status_code=status_code,
            error=error[:500],
            response_excerpt=excerpt,
            duration_ms=duration_ms,
        )
        delivery.attempt_count = number
        delivery.last_status_code = status_code
        delivery.last_error = error[:500]
        if succeeded:
            delivery.status = WebhookDelivery.Status.SUCCEEDED
            delivery.next_attempt_at = None
        elif number >= MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = timezone.now() + timedelta(
                seconds=RETRY_BACKOFF_SECONDS[number - 1]
            )
        delivery.save(
            update_fields=[
                "attempt_count",
                "last_status_code",
                "last_error",
                "status",
                "next_attempt_at",
                "updated_at",
            ]
        )
    if not succeeded:
        logger.info("webhook delivery %s attempt %s failed: %s", delivery.pk, number, error)
    return attempt


def webhook_deliveries_due(*, limit: int = 500) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_delivery_resend(*, delivery_id: int) -> None:
    """Admin's resend: one more attempt now (a failed one is not retried again on its own)."""
    from billing import tasks

    WebhookDelivery.objects.filter(pk=delivery_id).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now()
    )
    tasks.webhook_deliver.delay_on_commit(delivery_id=delivery_id)
