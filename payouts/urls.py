from django.urls import path

from payouts import views

urlpatterns = [
    path("connect/onboarding", views.ConnectOnboardingView.as_view(), name="connect-onboarding"),
    path("connect/status", views.ConnectStatusView.as_view(), name="connect-status"),
    path("payouts", views.PayoutCollectionView.as_view(), name="payouts"),
    path("payouts/<str:payout_id>", views.PayoutDetailView.as_view(), name="payout-detail"),
]
