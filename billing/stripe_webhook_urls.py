"""dj-stripe's webhook route (same namespace and name), served by the view that checks the
signature before anything is stored (billing/stripe_webhook_view.py)."""

from django.urls import path

from billing.stripe_webhook_view import SignedWebhookView

app_name = "djstripe"

urlpatterns = [
    path("webhook/<uuid:uuid>/", SignedWebhookView.as_view(), name="djstripe_webhook_by_uuid"),
]
