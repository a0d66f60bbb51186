"""Payouts page: Connect status, margin figures, requesting a payout after confirming."""

from __future__ import annotations

import pytest

from payouts.models import ConnectedAccount, Payout
from tests.helpers.dashboard import live, org_url
from tests.helpers.money import USD, assert_ledger_ok
from wallets import services as wallet_services
from wallets.models import LedgerAccount, LedgerTransaction
from wallets.selectors import organization_balance

pytestmark = pytest.mark.django_db


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


def test_test_mode_offers_a_rehearsal_with_the_simulated_provider(
    owner_client, organization, settings
):
    settings.STRIPE_TEST_SECRET_KEY = ""
    page = owner_client.get(org_url(organization, "payouts/")).content.decode()
    assert 'id="payouts-test-mode"' in page
    assert "simulated provider" in page
    assert 'id="payout-form"' in page and 'id="connect-onboarding"' in page


@pytest.fixture
def tasks_inline():
    """The transfer task runs in this process, as without Redis (and not on a worker's queue)."""
    from llmgateway import celery_app

    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def test_a_test_mode_payout_is_rehearsed_end_to_end_offline(
    owner_client, organization, settings, tasks_inline, django_capture_on_commit_callbacks
):
    """No Stripe test key: connect (simulated, onboarded at once), then pay out test margin;
    the live books are untouched."""
    settings.STRIPE_TEST_SECRET_KEY = ""
    connected = owner_client.post(org_url(organization, "payouts/onboarding/"), follow=True)
    assert "Simulated test account acct_sim_" in connected.content.decode()
    assert 'id="payouts-enabled"' in connected.content.decode()
    margin_earn(organization, 3 * USD + 7, livemode=False)
    confirm = owner_client.post(org_url(organization, "payouts/request/"), {"amount_usd": "1.25"})
    assert "Pay out $1.25 to your test connected account" in confirm.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = owner_client.post(
            org_url(organization, "payouts/request/"),
            {"amount_usd": "1.25", "confirmed": "yes", "idempotency_key": "dashboard-rehearsal"},
            follow=True,
        )

    payout = Payout.objects.get(organization=organization)
    assert (payout.livemode, payout.status, payout.amount_nanos) == (False, "paid", 1_250_000_000)
    assert payout.transfer_id.startswith("tr_sim_")
    assert f"Payout {payout.pk} of $1.25 requested." in done.content.decode()
    test_books = organization_balance(organization_id=organization.pk, livemode=False)
    assert (test_books.margin_available_nanos, test_books.margin_paid_nanos) == (
        1_750_000_007,
        1_250_000_000,
    )
    live_books = organization_balance(organization_id=organization.pk, livemode=True)
    assert (live_books.margin_available_nanos, live_books.margin_paid_nanos) == (0, 0)
    assert_ledger_ok()


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
    assert "That is more than the $3.00 of margin available." in too_much.content.decode()
    below_minimum = owner_client.post(
        org_url(organization, "payouts/request/"), {"amount_usd": "0.50", "confirmed": "yes"}
    )
    assert "A payout is at least $1.00, in whole cents." in below_minimum.content.decode()
    assert not Payout.objects.exists()


def test_onboarding_without_stripe_keys_explains_itself(owner_client, organization, settings):
    settings.STRIPE_LIVE_SECRET_KEY = ""
    live(owner_client)
    response = owner_client.post(org_url(organization, "payouts/onboarding/"), follow=True)
    assert (
        "Stripe Connect is not configured for live mode on this gateway: its operator sets "
        "STRIPE_LIVE_SECRET_KEY." in response.content.decode()
    )
