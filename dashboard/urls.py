"""Routes of the developer dashboard, under /dashboard/."""

from django.urls import include, path

from dashboard.views import (
    accounts,
    activity,
    catalog,
    customers,
    organizations,
    payouts,
    projects,
    revenue,
    webhooks,
)

app_name = "dashboard"

project_patterns = [
    path("", projects.project_settings, name="project"),
    path("settings/", projects.project_settings, name="project_settings"),
    path("models/", catalog.project_models, name="models"),
    path("keys/", projects.keys, name="keys"),
    path("keys/new/", projects.key_create, name="key_create"),
    path("keys/<str:key_id>/revoke/", projects.key_revoke, name="key_revoke"),
    path("customers/", customers.customers, name="customers"),
    path("customers/<str:customer_id>/", customers.customer, name="customer"),
    path("customers/<str:customer_id>/grant/", customers.customer_grant, name="customer_grant"),
    path("customers/<str:customer_id>/status/", customers.customer_status, name="customer_status"),
    path(
        "customers/<str:customer_id>/revoke-sessions/",
        customers.customer_sessions_revoke,
        name="customer_sessions_revoke",
    ),
    path("activity/", activity.activity, name="activity"),
    path("revenue/", revenue.revenue, name="revenue"),
    path("revenue.csv", revenue.revenue_csv, name="revenue_csv"),
    path("webhooks/", webhooks.webhooks, name="webhooks"),
    path("webhooks/new/", webhooks.webhook_create, name="webhook_create"),
    path("webhooks/<str:endpoint_id>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path("webhooks/<str:endpoint_id>/test/", webhooks.webhook_test, name="webhook_test"),
    path(
        "webhooks/deliveries/<int:delivery_id>/resend/",
        webhooks.delivery_resend,
        name="delivery_resend",
    ),
]

organization_patterns = [
    path("", organizations.organization, name="organization"),
    path("projects/new/", organizations.project_new, name="project_new"),
    path("test-credits/", organizations.test_credits_add, name="test_credits_add"),
    path("members/", organizations.members, name="members"),
    path("members/invite/", organizations.invitation_create, name="invitation_create"),
    path("members/<int:membership_id>/role/", organizations.member_role, name="member_role"),
    path("members/<int:membership_id>/remove/", organizations.member_remove, name="member_remove"),
    path(
        "invitations/<int:invitation_id>/withdraw/",
        organizations.invitation_revoke,
        name="invitation_revoke",
    ),
    path("payouts/", payouts.payouts, name="payouts"),
    path("payouts/request/", payouts.payout_request, name="payout_request"),
    path("payouts/onboarding/", payouts.connect_onboarding, name="connect_onboarding"),
    path("payouts/onboarding/refresh/", payouts.connect_refresh, name="connect_refresh"),
    path("p/<str:project_id>/", include(project_patterns)),
]

urlpatterns = [
    path("", accounts.home, name="home"),
    path("signup/", accounts.signup, name="signup"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("mode/", accounts.mode_switch, name="mode"),
    path("organizations/new/", accounts.organization_create, name="organization_create"),
    path("invitations/<str:token>/", organizations.invitation_accept, name="invitation_accept"),
    path("o/<str:org_id>/", include(organization_patterns)),
]
