"""The SSRF guard of developer webhooks: which URLs may be registered and delivered to.

docs/security.md ("SSRF") explains the policy; every address a name resolves to is checked, at
registration and again before every delivery, which then connects to the checked address.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from billing.errors import WebhookUrlRejected


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
    # An inet sockaddr starts with the address as a str (typeshed also allows the int of AF_CAN).
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
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
