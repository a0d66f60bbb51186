"""SSRF guard of developer webhook URLs (issue 19, must-fix 5).

What this proves: every IPv6 form that embeds or routes to a private or reserved IPv4 (6to4,
Teredo, NAT64, IPv4-compatible, IPv4-mapped) and every non-global IPv6 range (site-local
fec0::/10 included) is refused, at registration through the API and by the check that runs again
before every delivery; public addresses in the same families are accepted; the port policy (443
and WEBHOOK_ALLOWED_PORTS only) holds; and the same refusals against a live daphne.
"""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from billing.errors import WebhookUrlRejected
from billing.webhooks.url_guard import _address_is_blocked, webhook_url_check
from tests.helpers.api import assert_error

REFUSED = [
    "https://[2002:7f00:1::]/",  # 6to4 embedding 127.0.0.1
    "https://[2002:a9fe:a9fe::]/",  # 6to4 embedding 169.254.169.254
    "https://[2002:a00:1::]/",  # 6to4 embedding 10.0.0.1
    "https://[fec0::1]/",  # site-local
    "https://[64:ff9b::a9fe:a9fe]/",  # NAT64 (well-known prefix) to 169.254.169.254
    "https://[64:ff9b::7f00:1]/",  # NAT64 to 127.0.0.1
    "https://[64:ff9b:1::a00:1]/",  # NAT64 local-use prefix
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    "https://[::127.0.0.1]/",  # IPv4-compatible
    "https://[::ffff:169.254.169.254]/",  # IPv4-mapped
    "https://[100::1]/",  # discard-only
    "https://[ff02::1]/",  # multicast
    "https://[2001:db8::1]/",  # documentation
    "https://[::]/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_each_ssrf_form_is_refused_by_the_check(url):
    with pytest.raises(WebhookUrlRejected):
        webhook_url_check(url, livemode=True)


@pytest.mark.parametrize(
    "address",
    ["2606:4700:4700::1111", "2002:808:808::1", "8.8.8.8", "2a00:1450:4001:80b::200e"],
)
def test_public_addresses_are_not_blocked(address):
    assert not _address_is_blocked(ipaddress.ip_address(address))


def test_port_policy(settings):
    settings.WEBHOOK_ALLOWED_PORTS = [8443]
    assert webhook_url_check("https://[2606:4700:4700::1111]:443/", livemode=True).port == 443
    assert webhook_url_check("https://[2606:4700:4700::1111]:8443/", livemode=True).port == 8443
    for port in (22, 25, 80, 5432, 6379, 9200):
        with pytest.raises(WebhookUrlRejected):
            webhook_url_check(f"https://[2606:4700:4700::1111]:{port}/", livemode=True)


@pytest.mark.django_db
def test_each_ssrf_form_is_refused_at_registration(api):
    from billing.models import DeveloperWebhookEndpoint

    for url in [*REFUSED, "https://[2606:4700:4700::1111]:6379/"]:
        assert_error(api.post("/v1/webhook-endpoints", {"url": url}), 400, "invalid_request", "url")
    assert not DeveloperWebhookEndpoint.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_live_each_ssrf_form_is_refused(live_server_url, secret_key):
    with httpx.Client(base_url=live_server_url, timeout=10) as http:
        for url in REFUSED:
            response = http.post(
                "/v1/webhook-endpoints",
                json={"url": url},
                headers={"Authorization": f"Bearer {secret_key}"},
            )
            assert response.status_code == 400, (url, response.text)
            assert response.json()["error"]["param"] == "url"
