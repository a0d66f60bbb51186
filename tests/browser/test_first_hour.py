"""A developer's first hour in the dashboard, in Chromium against a live daphne (issue 20):
test credits added and granted, real requests on the activity page (filtered), a test-mode
payout rehearsed end to end through the loopback Stripe Connect fake, and every page usable at
375 px (no sideways scroll, no fixed sidebar)."""

from __future__ import annotations

import time

import httpx
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from llmgateway.models import Membership
from llmgateway.services import api_key_create, membership_add
from payouts.models import ConnectedAccount, Payout
from proxy.models import RequestLog
from tests.browser.test_dashboard import keep
from tests.helpers import factories
from tests.helpers.live import FAKE_OPENAI_API_KEY
from tests.helpers.money import assert_ledger_ok
from wallets import services as wallet_services
from wallets.models import LedgerAccount, LedgerTransaction, Wallet
from wallets.selectors import organization_balance

pytestmark = pytest.mark.django_db(transaction=True)

STRIPE_TEST_SECRET_KEY = "sk_test_" + "FirstHourBrowserTest0123456789"
EMAIL = "lin@example.com"
PASSWORD = "correct-horse-battery-42"
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def live_process_env(fake_openai_server, connect_fake) -> dict[str, str]:
    """daphne's Stripe test key points at the Connect fake: test mode runs Stripe's path."""
    return {
        "OPENAI_BASE_URL": fake_openai_server.base_url,
        "OPENAI_API_KEY": FAKE_OPENAI_API_KEY,
        "STRIPE_TEST_SECRET_KEY": STRIPE_TEST_SECRET_KEY,
        "STRIPE_API_BASE": connect_fake.base_url,
    }


@pytest.fixture
def developer_org():
    user = get_user_model().objects.create_user(username=EMAIL, email=EMAIL, password=PASSWORD)
    organization = factories.make_organization("Lin Labs")
    membership_add(organization=organization, user=user, role=Membership.Role.OWNER)
    project = factories.make_project(organization, name="Tutor", markup_percent="20")
    return organization, project


def log_in(page, base: str) -> None:
    page.goto(f"{base}/dashboard/login/")
    page.fill("input[name=username]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#mode-banner")


def wait_for_logs(project, count: int) -> None:
    """Logs are written off the response path (REQUEST_LOG_FLUSH_SECONDS)."""
    deadline = time.monotonic() + 15
    while RequestLog.objects.filter(project=project).count() < count:
        assert time.monotonic() < deadline, "the request logs never arrived"
        time.sleep(0.1)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_test_credits_then_real_requests_on_the_activity_page(
    live_server_url, browser_page, developer_org
):
    page, base = browser_page, live_server_url
    organization, project = developer_org
    log_in(page, base)

    # Test credits: the organization had none; the form adds them through the ledger.
    page.goto(f"{base}/dashboard/o/{organization.pk}/")
    assert page.inner_text("#org-credits") == "$0.00"
    page.fill("#test-credits-form input[name=amount_usd]", "25")
    page.fill("#test-credits-form input[name=reason]", "first hour")
    page.click("#add-test-credits")
    expect(page.locator(".messages")).to_contain_text("Added $25.00 of test credits.")
    expect(page.locator("#org-credits")).to_have_text("$25.00")
    keep(page, "test-credits")
    assert organization_balance(organization_id=organization.pk, livemode=False).credits_nanos == (
        25_000_000_000
    )

    # An end user appears through the API; the developer grants them $2 of those credits.
    _, secret = api_key_create(project=project, livemode=False, name="backend")
    sk = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=base, timeout=15) as http:
        session = http.post("/v1/sessions", json={"customer": "ada"}, headers=sk)
        assert session.status_code == 201, session.text
        es = {"Authorization": f"Bearer {session.json()['sessionToken']}"}
        wallet = Wallet.objects.get(pk=session.json()["walletId"])
        page.goto(f"{base}/dashboard/o/{organization.pk}/p/{project.pk}/customers/")
        page.click("#customer-rows >> text=ada")
        page.fill("#grant-form input[name=amount_usd]", "2")
        page.click("#grant-form button[type=submit]")
        expect(page.locator("#wallet-balance")).to_have_text("$2.00")

        # Real requests: two from ada's browser session, one from the backend's key.
        for model, headers in (("test/echo", es), ("test/lorem", es), ("test/echo", sk)):
            answer = http.post(
                "/v1/chat/completions",
                json={"model": model, "messages": [{"role": "user", "content": "hello there"}]},
                headers=headers,
            )
            assert answer.status_code == 200, answer.text
            assert answer.headers["X-LLMGateway-Cost"]
    wait_for_logs(project, 3)

    # The activity page: every request, newest first; filters narrow it.
    page.click("#customer-activity")
    expect(page.locator("#activity tbody tr")).to_have_count(2)  # ada's, from her page
    page.click("nav.side >> text=Activity")
    rows = page.locator("#activity tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("your backend (sk)")
    expect(rows.nth(1)).to_contain_text("test/lorem")
    expect(rows.nth(1)).to_contain_text("ada")
    expect(rows.nth(1)).to_contain_text("completed")
    keep(page, "activity")
    page.select_option("#activity-filters select[name=model]", "test/echo")
    page.click("#activity-filter")
    expect(rows).to_have_count(2)
    page.fill("#activity-filters input[name=customer]", "ada")
    page.click("#activity-filter")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("ada")

    # The customer's ledger: the requests with their model and a running balance.
    page.click("#activity tbody >> text=ada")
    ledger = page.locator("#ledger tbody tr")
    expect(ledger).to_have_count(3)  # the grant and two usages
    wallet.refresh_from_db()
    spent = 2_000_000_000 - wallet.balance_nanos
    assert spent > 0
    expect(ledger.nth(0).locator(".balance-after")).to_have_text(page.inner_text("#wallet-balance"))
    expect(ledger.nth(0)).to_contain_text("test/lorem")
    expect(ledger.nth(2).locator(".balance-after")).to_have_text("$2.00")
    keep(page, "customer-ledger")
    assert page.console_errors == []
    assert_ledger_ok()


def margin_earn_test(organization, amount_nanos: int) -> None:
    """Test margin as test top-ups accrue it (payment clearing → the organization's margin)."""
    wallet_services.account_transfer(
        from_account=wallet_services.account_for_system(
            kind=LedgerAccount.Kind.PAYMENT_CLEARING, livemode=False
        ),
        to_account=wallet_services.account_for_organization(
            organization_id=organization.pk, kind=LedgerAccount.Kind.ORG_MARGIN, livemode=False
        ),
        amount_nanos=amount_nanos,
        kind=LedgerTransaction.Kind.TOPUP,
        description="test margin",
    )


def test_a_test_mode_payout_rehearsed_through_stripe_test_mode(
    live_server_url, browser_page, developer_org, connect_fake
):
    page, base = browser_page, live_server_url
    organization, _ = developer_org
    margin_earn_test(organization, 4_000_000_005)
    # Stripe's onboarding form is on connect.stripe.com, which this network cannot reach: the
    # browser gets a stand-in page, and the fake marks the account onboarded as Stripe would.
    page.route(
        "https://connect.stripe.com/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Stripe onboarding</title>"
        ),
    )
    log_in(page, base)

    page.goto(f"{base}/dashboard/o/{organization.pk}/payouts/")
    expect(page.locator("#payouts-test-mode")).to_contain_text("Stripe's test mode")
    expect(page.locator("#margin-available")).to_have_text("$4.000000005")
    page.click("#connect-onboarding")
    page.wait_for_url("https://connect.stripe.com/**")
    account = ConnectedAccount.objects.get(organization=organization, livemode=False)
    connect_fake.onboard(account.stripe_account_id)

    page.goto(f"{base}/dashboard/o/{organization.pk}/payouts/")
    page.click("#connect-refresh")
    expect(page.locator(".messages")).to_contain_text("can receive payouts")
    expect(page.locator("#payouts-enabled")).to_have_count(1)
    page.fill("#payout-form input[name=amount_usd]", "1.50")
    page.click("#request-payout")
    expect(page.locator("#confirm-message")).to_contain_text(
        "Pay out $1.50 to your test connected account"
    )
    page.click("#confirm-button")
    expect(page.locator("#payouts")).to_contain_text("$1.50")

    payout = Payout.objects.get(organization=organization)
    assert (payout.livemode, payout.status, payout.amount_nanos) == (False, "paid", 1_500_000_000)
    assert connect_fake.transfers_for_key(payout.transfer_idempotency_key) == 1
    assert connect_fake.transfers[payout.transfer_id]["amount"] == 150
    expect(page.locator("#margin-available")).to_have_text("$2.500000005")
    expect(page.locator("#margin-paid")).to_have_text("$1.50")
    keep(page, "payouts-test")
    live = organization_balance(organization_id=organization.pk, livemode=True)
    assert (live.margin_available_nanos, live.margin_paid_nanos) == (0, 0)
    assert page.console_errors == []
    assert_ledger_ok()


def test_every_dashboard_page_fits_a_phone(live_server_url, browser_page, developer_org):
    page, base = browser_page, live_server_url
    organization, project = developer_org
    customer = factories.make_customer(project, external_id="a_customer_with_a_long_name_0001")
    page.set_viewport_size(PHONE)
    log_in(page, base)
    org = f"{base}/dashboard/o/{organization.pk}"
    proj = f"{org}/p/{project.pk}"
    pages = [
        f"{org}/",
        f"{org}/members/",
        f"{org}/payouts/",
        f"{org}/projects/new/",
        f"{proj}/settings/",
        f"{proj}/keys/",
        f"{proj}/customers/",
        f"{proj}/customers/{customer.pk}/",
        f"{proj}/activity/",
        f"{proj}/revenue/",
        f"{proj}/webhooks/",
        f"{base}/dashboard/organizations/new/",
    ]
    for url in pages:
        page.goto(url)
        assert no_sideways_scroll(page), f"{url} scrolls sideways at 375 px"
        nav = page.locator("nav.side")
        if nav.count():
            assert nav.evaluate("element => getComputedStyle(element).position") != "fixed"
            nav_box, main_box = nav.bounding_box(), page.locator("main").bounding_box()
            assert nav_box["y"] + nav_box["height"] <= main_box["y"] + 1, f"{url}: nav beside main"
    page.goto(f"{proj}/customers/{customer.pk}/")
    keep(page, "phone")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    assert page.console_errors == []
    page.goto(f"{base}/dashboard/login/")
    assert no_sideways_scroll(page)
