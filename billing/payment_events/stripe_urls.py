"""dj-stripe's webhook route (same namespace and name), served by the view that checks the
signature before anything is stored (billing/payment_events/stripe_view.py)."""

from django.urls import path

from billing.payment_events.stripe_view import SignedWebhookView

app_name = "djstripe"

urlpatterns = [
    path("webhook/<uuid:uuid>/", SignedWebhookView.as_view(), name="djstripe_webhook_by_uuid"),
]
