"""Top-level URL routes."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from llmgateway import site_pages
from llmgateway.views import ConfigView, health

urlpatterns = [
    path("", site_pages.home, name="home"),
    path("admin/", admin.site.urls),
    path("dashboard/", include("dashboard.urls")),
    path("healthz", health, name="health"),
    path("stripe/", include("billing.payment_events.stripe_urls", namespace="djstripe")),
    path("v1/openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("v1/docs", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("v1/config", ConfigView.as_view(), name="config"),
    path("v1/", include("sessions_app.urls")),
    path("v1/", include("wallets.urls")),
    path("v1/", include("billing.urls")),
    path("v1/", include("proxy.urls")),
    path("v1/", include("payouts.urls")),
]

# Unknown paths and crashes: the API's error shape under /v1/, an HTML page in a browser route.
handler403 = site_pages.forbidden
handler404 = site_pages.not_found
handler500 = site_pages.server_error
