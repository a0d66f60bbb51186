from django.urls import path

from llmgateway.views import CurrentApiKeyView
from sessions_app import views

urlpatterns = [
    # Bearer authentication lives in this app; this is "which key am I, with what permissions".
    path("api-keys/current", CurrentApiKeyView.as_view(), name="api-key-current"),
    path("customers", views.CustomerCollectionView.as_view(), name="customers"),
    path("customers/<str:customer_id>", views.CustomerDetailView.as_view(), name="customer"),
    path("sessions", views.SessionCollectionView.as_view(), name="sessions"),
    path("sessions/refresh", views.SessionRefreshView.as_view(), name="sessions-refresh"),
    path("sessions/<str:session_id>", views.SessionDetailView.as_view(), name="session-detail"),
]
