"""The operator console lists the gateway's own pages, not dj-stripe's ~40 unused models."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_index_shows_three_stripe_pages(admin_client):
    html = admin_client.get("/admin/").content.decode()
    shown = sorted(set(re.findall(r'href="/admin/djstripe/([a-z0-9]+)/"', html)))
    assert shown == ["account", "event", "webhookendpoint"]
    for hidden in ("coupon", "subscription", "invoice", "paymentintent"):
        assert admin_client.get(f"/admin/djstripe/{hidden}/").status_code == 404
    assert admin_client.get("/admin/djstripe/event/").status_code == 200
