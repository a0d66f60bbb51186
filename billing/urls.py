from django.urls import path

from billing import views

urlpatterns = [
    path("wallet/top-ups", views.TopUpCollectionView.as_view(), name="wallet-topups"),
    path("wallet/top-ups/<str:topup_id>", views.TopUpDetailView.as_view(), name="wallet-topup"),
    path(
        "wallet/top-ups/<str:topup_id>/simulate",
        views.TopUpSimulateView.as_view(),
        name="wallet-topup-simulate",
    ),
    path(
        "webhook-endpoints",
        views.WebhookEndpointCollectionView.as_view(),
        name="webhook-endpoints",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>",
        views.WebhookEndpointDetailView.as_view(),
        name="webhook-endpoint",
    ),
]
