"""What the operator console shows of dj-stripe: its event log, webhook endpoints and accounts.

dj-stripe registers ~40 models (subscriptions, coupons, invoices…) that this gateway never uses;
listed on the admin index they bury the gateway's own pages. Our app comes after `djstripe` in
INSTALLED_APPS, so its admin module runs after dj-stripe's registrations and can take back the
rest. Their rows stay in the database (dj-stripe still syncs what events bring).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.sites import AdminSite

# What an operator needs to debug Stripe: the verified events, the endpoints whose secrets
# `manage.py stripe_webhook_endpoint` records, and the accounts (ours and Connect's).
DJSTRIPE_MODELS_SHOWN = frozenset({"Event", "WebhookEndpoint", "Account"})


def djstripe_admin_trim(site: AdminSite = admin.site) -> list[str]:
    """Unregister dj-stripe's models except DJSTRIPE_MODELS_SHOWN; returns the names removed."""
    removed = []
    for model in list(site._registry):
        if model._meta.app_label == "djstripe" and model.__name__ not in DJSTRIPE_MODELS_SHOWN:
            site.unregister(model)
            removed.append(model.__name__)
    return sorted(removed)
