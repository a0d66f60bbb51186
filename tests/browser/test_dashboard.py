"""The developer dashboard in a real browser, against a live daphne: from sign-up to a payout.

A developer signs up, creates a project and a secret key (copied with the copy button and read
back from the clipboard), changes the markup; an end user tops up $10 through the API with a
session minted by that key; the developer sees the wallet and the revenue chart reflect it,
switches to live data and requests a payout, which is transferred through the loopback Stripe
Connect fake (daphne's STRIPE_* variables point at it).
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from llmgateway.models import Organization
from payouts import services as payout_services
from payouts.models import Payout
from tests.helpers.browser import screenshot
from tests.helpers.live import FAKE_OPENAI_API_KEY
from wallets import services as wallet_services
from wallets.models import LedgerAccount, LedgerTransaction, Wallet

pytestmark = pytest.mark.django_db(transaction=True)

STRIPE_LIVE_SECRET_KEY = "sk_live_" + "DashboardBrowserTest0123456789"
EMAIL = "grace@example.com"
PASSWORD = "correct-horse-battery-42"


@pytest.fixture
def live_process_env(fake_openai_server, connect_fake) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": fake_openai_server.base_url,
        "OPENAI_API_KEY": FAKE_OPENAI_API_KEY,
        "STRIPE_LIVE_SECRET_KEY": STRIPE_LIVE_SECRET_KEY,
        "STRIPE_API_BASE": connect_fake.base_url,
    }


def keep(page, name: str) -> None:
    """A screenshot in artifacts/, also copied to docs/images/ (the README shows them)."""
    screenshot(page, f"dashboard-{name}", for_docs=True)


def onboard_with_live_margin(organization: Organization, fake, settings, margin_nanos: int):
    """Onboarding as payouts tests do it (account, Stripe's form, account.updated), plus live
    margin as live top-ups would accrue it."""
    settings.STRIPE_LIVE_SECRET_KEY = STRIPE_LIVE_SECRET_KEY
    settings.STRIPE_API_BASE = fake.base_url
    link = payout_services.connect_onboarding_start(
        organization_id=organization.pk,
        livemode=True,
        return_url="https://dashboard.example/done",
        refresh_url="https://dashboard.example/again",
    )
    payout_services.connected_account_sync(account=fake.onboard(link.account.stripe_account_id))
    wallet_services.account_transfer(
        from_account=wallet_services.account_for_system(
            kind=LedgerAccount.Kind.PAYMENT_CLEARING, livemode=True
        ),
        to_account=wallet_services.account_for_organization(
            organization_id=organization.pk, kind=LedgerAccount.Kind.ORG_MARGIN, livemode=True
        ),
        amount_nanos=margin_nanos,
        kind=LedgerTransaction.Kind.TOPUP,
        description="live margin",
    )


def test_sign_up_to_key_to_top_up_to_revenue_to_payout(
    live_server_url, browser_page, connect_fake, settings
):
    page = browser_page
    base = live_server_url

    # Sign up: the organization comes with it, and the first step is a project.
    page.goto(f"{base}/dashboard/")
    assert "/dashboard/login/" in page.url
    page.click("text=Create an account")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_again]", PASSWORD)
    page.fill("input[name=organization_name]", "Hopper Labs")
    keep(page, "signup")
    page.click("#signup-form button[type=submit]")
    page.wait_for_selector("#first-project")
    assert page.inner_text("#mode-banner").startswith("TEST MODE")

    # A project, then a secret key: shown once, copied to the clipboard by the button.
    page.click("#first-project")
    page.fill("#project-form input[name=name]", "Tutor")
    page.click("#project-form button[type=submit]")
    page.wait_for_selector("#key-form")
    page.fill("#key-form input[name=name]", "backend")
    page.click("#create-key")
    shown = page.input_value("#new-key")
    assert re.fullmatch(r"sk_test_[A-Za-z0-9]{40}", shown)
    page.click("#copy-key")
    page.wait_for_selector("#copy-key:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == shown
    keep(page, "keys")
    page.reload()  # the key is gone from the page once it is left
    assert shown not in page.content()
    assert shown[:12] in page.inner_text("#keys")

    # Markup 20%: a $10 top-up then credits $8.333333333 and earns $1.666666667.
    page.click("nav.side >> text=Tutor")
    page.fill("#settings-form input[name=markup_percent]", "20")
    page.fill("#settings-form textarea[name=allowed_origins]", "https://tutor.example")
    page.click("#save-settings")
    page.wait_for_selector("text=Settings saved.")
    assert page.input_value("#settings-form input[name=markup_percent]") == "20.00"
    keep(page, "settings")

    # The end user, through the API with the copied key: a session, a top-up, its confirmation.
    with httpx.Client(base_url=base, timeout=15) as http:
        session = http.post(
            "/v1/sessions",
            json={"customer": {"externalId": "student_7", "email": "student7@example.com"}},
            headers={"Authorization": f"Bearer {shown}"},
        )
        assert session.status_code == 201, session.text
        es = {"Authorization": f"Bearer {session.json()['sessionToken']}"}
        topup = http.post("/v1/wallet/top-ups", json={"amount": "10.00"}, headers=es)
        assert topup.status_code == 201, topup.text
        assert topup.json()["netCredit"] == "8.333333333"
        simulated = http.post(
            f"/v1/wallet/top-ups/{topup.json()['id']}/simulate",
            json={"outcome": "succeeded"},
            headers=es,
        )
        assert simulated.status_code == 200, simulated.text
    wallet = Wallet.objects.get(pk=session.json()["walletId"])
    assert wallet.balance_nanos == 8_333_333_333

    # The wallet in the dashboard: found by search (htmx), then its page.
    page.click("nav.side >> text=Customers")
    page.fill("#q", "student7@")
    page.wait_for_selector("#customer-rows >> text=student_7")
    assert "$8.333333333" in page.inner_text("#customer-rows")
    page.click("#customer-rows >> text=student_7")
    assert page.inner_text("#wallet-balance") == "$8.333333333"
    assert "+$8.333333333" in page.inner_text("#ledger")
    keep(page, "customer")

    # Revenue: today's top-up and margin are in the charts.
    page.click("nav.side >> text=Usage & revenue")
    topups_bars = page.locator("#chart-topups_nanos rect.chart-bar[data-value='10000000000']")
    assert topups_bars.count() == 1
    assert page.inner_text("#chart-margin_nanos .chart-total") == "$1.666666667"
    page.click("text=Last 7 days")
    # A locator assertion, not a JavaScript string: the dashboard's CSP forbids eval.
    expect(page.locator("#chart-requests rect.chart-bar")).to_have_count(7)
    keep(page, "revenue")

    # Payouts are live: onboard the organization and give it live margin, then ask for $1.50.
    organization = Organization.objects.get(name="Hopper Labs")
    onboard_with_live_margin(organization, connect_fake, settings, margin_nanos=5_000_000_000)
    page.click("nav.side >> text=Payouts")
    assert page.locator("#payouts-test-mode").count() == 1
    page.click("#mode-switch")
    page.wait_for_selector("#mode-banner[data-mode=live]")
    assert page.inner_text("#margin-available") == "$5.00"
    assert page.locator("#payouts-enabled").count() == 1
    page.fill("#payout-form input[name=amount_usd]", "1.50")
    page.click("#request-payout")
    assert "Pay out $1.50" in page.inner_text("#confirm-message")
    page.click("#confirm-button")
    page.wait_for_selector("#payouts >> text=$1.50")
    payout = Payout.objects.get(organization=organization)
    assert payout.amount_nanos == 1_500_000_000
    assert payout.status == Payout.Status.PAID  # transferred through the Connect fake
    assert connect_fake.transfers_for_key(payout.transfer_idempotency_key) == 1
    assert page.inner_text("#margin-available") == "$3.50"
    assert page.inner_text("#margin-paid") == "$1.50"
    keep(page, "payouts")
    assert page.console_errors == []
