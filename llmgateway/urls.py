"""Top-level URL routes."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from llmgateway.api import InternalError, json_error_view
from llmgateway.errors import NotFound
from llmgateway.views import ConfigView, health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("dashboard/", include("dashboard.urls")),
    path("healthz", health, name="health"),
    path("stripe/", include("djstripe.urls", namespace="djstripe")),
    path("v1/openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("v1/docs", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("v1/config", ConfigView.as_view(), name="config"),
    path("v1/", include("sessions_app.urls")),
    path("v1/", include("wallets.urls")),
    path("v1/", include("billing.urls")),
    path("v1/", include("proxy.urls")),
    path("v1/", include("payouts.urls")),
]

# Unknown paths and crashes answer in the API's error shape, never an HTML page.
handler404 = json_error_view(NotFound("No such path."))
handler500 = json_error_view(InternalError())
