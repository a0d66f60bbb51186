from django.urls import path

from wallets import views

urlpatterns = [
    path("wallets/<str:wallet_id>", views.WalletDetailView.as_view(), name="wallet-detail"),
    path("wallets/<str:wallet_id>/credits", views.WalletCreditView.as_view(), name="wallet-credit"),
    path("wallets/<str:wallet_id>/ledger", views.WalletLedgerView.as_view(), name="wallet-ledger"),
    path("wallet", views.OwnWalletView.as_view(), name="own-wallet"),
    path("balance", views.OrganizationBalanceView.as_view(), name="balance"),
]
