"""Payouts: the live Stripe key and Connect URLs the tests configure, onboarding through the
Connect fake, and margin earned as a top-up accrues it."""

from __future__ import annotations

from payouts import services
from payouts.models import ConnectedAccount
from tests.fakes.stripe_connect_server import FakeStripeConnect
from wallets import services as wallet_services
from wallets.models import LedgerAccount, LedgerTransaction

STRIPE_LIVE_SECRET_KEY = "sk_live_" + "PayoutsTestKey0123456789abcdef"
RETURN_URL = "https://dashboard.example/connect/done"
REFRESH_URL = "https://dashboard.example/connect/again"


def onboard(organization, fake: FakeStripeConnect) -> ConnectedAccount:
    """Onboarding as the developer finishes it: account, Stripe's form, `account.updated`."""
    link = services.connect_onboarding_start(organization_id=organization.pk, livemode=True)
    services.connected_account_sync(account=fake.onboard(link.account.stripe_account_id))
    return ConnectedAccount.objects.get(pk=link.account.pk)


def margin_earn(organization, amount_nanos: int, *, livemode: bool = True) -> None:
    """Margin as a top-up accrues it: payment clearing → the organization's margin."""
    wallet_services.account_transfer(
        from_account=wallet_services.account_for_system(
            kind=LedgerAccount.Kind.PAYMENT_CLEARING, livemode=livemode
        ),
        to_account=wallet_services.account_for_organization(
            organization_id=organization.pk, kind=LedgerAccount.Kind.ORG_MARGIN, livemode=livemode
        ),
        amount_nanos=amount_nanos,
        kind=LedgerTransaction.Kind.TOPUP,
        description="test margin",
    )
