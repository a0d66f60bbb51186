"""Payouts page: Connect status, margin figures, requesting a payout after confirming."""

from __future__ import annotations

import pytest

from payouts.models import ConnectedAccount, Payout
from tests.dashboard.conftest import live, org_url
from tests.factories import USD, assert_ledger_ok
from wallets import services as wallet_services
from wallets.models import LedgerAccount, LedgerTransaction
from wallets.selectors import organization_balance

pytestmark = pytest.mark.django_db


def margin_earn(organization, amount_nanos: int) -> None:
    """Margin as a live top-up accrues it: payment clearing → the organization's margin."""
    wallet_services.account_transfer(
        from_account=wallet_services.account_for_system(
            kind=LedgerAccount.Kind.PAYMENT_CLEARING, livemode=True
        ),
        to_account=wallet_services.account_for_organization(
            organization_id=organization.pk, kind=LedgerAccount.Kind.ORG_MARGIN, livemode=True
        ),
        amount_nanos=amount_nanos,
        kind=LedgerTransaction.Kind.TOPUP,
        description="test margin",
    )


@pytest.fixture
def payable(organization):
    """Onboarded with payouts enabled (as `account.updated` leaves it) and $12.345 earned."""
    ConnectedAccount.objects.create(
        organization=organization,
        livemode=True,
        stripe_account_id="acct_dashboardtest01",
        details_submitted=True,
        payouts_enabled=True,
    )
    margin_earn(organization, 12_345_000_000)
    return organization


def test_developers_cannot_see_or_request_payouts(developer_client, organization):
    assert developer_client.get(org_url(organization, "payouts/")).status_code == 403
    response = developer_client.post(
        org_url(organization, "payouts/request/"), {"confirmed": "yes"}
    )
    assert response.status_code == 403
    assert not Payout.objects.exists()


def test_test_mode_says_payouts_are_live_only(owner_client, organization):
    page = owner_client.get(org_url(organization, "payouts/")).content.decode()
    assert 'id="payouts-live-only"' in page
    assert 'id="payout-form"' not in page


def test_live_page_shows_connect_status_and_margin(owner_client, payable):
    page = live(owner_client).get(org_url(payable, "payouts/")).content.decode()
    assert "acct_dashboardtest01" in page and 'id="payouts-enabled"' in page
    assert '<div class="value" id="margin-available">$12.345</div>' in page


def test_payout_request_confirms_then_reserves_exactly(admin_client_, payable):
    live(admin_client_)
    confirm = admin_client_.post(org_url(payable, "payouts/request/"), {"amount_usd": "10.50"})
    page = confirm.content.decode()
    assert "Pay out $10.50 to your connected Stripe account?" in page
    assert not Payout.objects.exists()
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    body = {"amount_usd": "10.50", "confirmed": "yes", "idempotency_key": key}
    done = admin_client_.post(org_url(payable, "payouts/request/"), body)
    assert done.status_code == 302
    payout = Payout.objects.get()
    assert payout.amount_nanos == 10_500_000_000 and payout.status == "pending"
    balance = organization_balance(organization_id=payable.pk, livemode=True)
    assert balance.margin_available_nanos == 1_845_000_000
    assert balance.margin_reserved_nanos == 10_500_000_000
    again = admin_client_.post(org_url(payable, "payouts/request/"), body)  # a double submit
    assert again.status_code == 302
    assert Payout.objects.count() == 1
    history = admin_client_.get(org_url(payable, "payouts/")).content.decode()
    assert payout.pk in history and "$10.50" in history
    assert_ledger_ok()


def test_payout_of_everything_leaves_the_sub_cent_remainder(owner_client, payable):
    live(owner_client)
    owner_client.post(
        org_url(payable, "payouts/request/"),
        {"amount_usd": "", "confirmed": "yes", "idempotency_key": "k1"},
    )
    assert Payout.objects.get().amount_nanos == 12_340_000_000


def test_payout_refusals_are_shown_on_the_form(owner_client, organization):
    live(owner_client)
    no_account = owner_client.post(
        org_url(organization, "payouts/request/"), {"amount_usd": "5", "confirmed": "yes"}
    )
    assert no_account.status_code == 400
    assert "cannot receive payouts yet" in no_account.content.decode()
    ConnectedAccount.objects.create(
        organization=organization, livemode=True, stripe_account_id="acct_x", payouts_enabled=True
    )
    margin_earn(organization, 3 * USD)
    too_much = owner_client.post(
        org_url(organization, "payouts/request/"), {"amount_usd": "4", "confirmed": "yes"}
    )
    assert "more than the 3.00 USD of margin available" in too_much.content.decode()
    below_minimum = owner_client.post(
        org_url(organization, "payouts/request/"), {"amount_usd": "0.50", "confirmed": "yes"}
    )
    assert "A payout is at least 1.00 USD" in below_minimum.content.decode()
    assert not Payout.objects.exists()


def test_onboarding_without_stripe_keys_explains_itself(owner_client, organization, settings):
    settings.STRIPE_LIVE_SECRET_KEY = ""
    live(owner_client)
    response = owner_client.post(org_url(organization, "payouts/onboarding/"), follow=True)
    assert "Stripe Connect is not configured for this mode" in response.content.decode()
