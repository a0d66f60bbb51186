"""Customers and wallets: search, balance and ledger, grants, blocking, sessions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sessions_app.services import session_mint
from tests.helpers import factories
from tests.helpers.dashboard import project_url
from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import Customer, Wallet
from wallets.selectors import organization_balance
from wallets.services import customer_update, organization_credit_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(project):
    customer = factories.make_customer(project, external_id="ada_1")
    customer_update(customer=customer, email="ada@lovelace.example")
    factories.wallet_services.wallet_credit(
        wallet_id=customer.wallet.pk, amount_nanos=8_333_333_333, description="starting funds"
    )
    return Customer.objects.select_related("wallet").get(pk=customer.pk)


def test_search_by_external_id_or_email_within_the_mode(developer_client, project, ada):
    factories.make_customer(project, external_id="bob_2")
    factories.make_customer(project, external_id="ada_live", livemode=True)
    url = project_url(project, "customers/")
    everyone = developer_client.get(url).content.decode()
    assert "ada_1" in everyone and "bob_2" in everyone and "ada_live" not in everyone
    by_email = developer_client.get(url, {"q": "LOVELACE"}).content.decode()
    assert "ada_1" in by_email and "bob_2" not in by_email
    assert "$8.333333333" in by_email
    by_htmx = developer_client.get(url, {"q": "bob"}, headers={"HX-Request": "true"})
    assert "bob_2" in by_htmx.content.decode()
    assert "<html" not in by_htmx.content.decode()  # just the rows
    nothing = developer_client.get(url, {"q": "zzz"}).content.decode()
    assert "No test customers match “zzz”." in nothing


def test_wallet_page_shows_balance_held_and_the_ledger(developer_client, project, ada):
    Wallet.objects.filter(pk=ada.wallet.pk).update(held_nanos=333_333_333)
    page = developer_client.get(project_url(project, f"customers/{ada.pk}/")).content.decode()
    assert '<div class="value" id="wallet-balance">$8.333333333</div>' in page
    assert '<div class="value" id="wallet-held">$0.333333333</div>' in page
    assert '<div class="value" id="wallet-available">$8.00</div>' in page
    assert "+$8.333333333" in page


def test_customer_of_the_other_mode_is_404_here(developer_client, project):
    live_customer = factories.make_customer(project, external_id="x", livemode=True)
    path = project_url(project, f"customers/{live_customer.pk}/")
    assert developer_client.get(path).status_code == 404


def test_ledger_filters_by_kind_and_day(developer_client, organization, project, ada):
    organization_credit_grant(
        organization_id=organization.pk, amount_nanos=5 * USD, reason="ops", livemode=False
    )
    factories.wallet_services.wallet_grant_from_organization(
        wallet_id=ada.wallet.pk, amount_nanos=1_250_000_000, reason="welcome gift"
    )
    path = project_url(project, f"customers/{ada.pk}/")
    ledger = developer_client.get(path).content.decode().split('id="ledger"')[1]
    assert "welcome gift" in ledger and "starting funds" in ledger
    usage = developer_client.get(path, {"kind": "usage"}).content.decode().split('id="ledger"')[1]
    assert "welcome gift" not in usage and "No entries." in usage
    today = developer_client.get(path, {"since": timezone.localdate().isoformat()})
    assert "welcome gift" in today.content.decode()
    future = developer_client.get(path, {"since": "2999-01-01"}).content.decode()
    assert "welcome gift" not in future and "No entries." in future
    bad = developer_client.get(path, {"since": "not-a-date"}).content.decode()
    assert "Enter a valid date." in bad


def test_grant_moves_exact_credits_from_the_organization(admin_client_, organization, project, ada):
    organization_credit_grant(
        organization_id=organization.pk, amount_nanos=10 * USD, reason="ops", livemode=False
    )
    response = admin_client_.post(
        project_url(project, f"customers/{ada.pk}/grant/"),
        {"amount_usd": "2.123456789", "reason": "sorry for the outage"},
    )
    assert response.status_code == 302
    assert Wallet.objects.get(pk=ada.wallet.pk).balance_nanos == 8_333_333_333 + 2_123_456_789
    credits = organization_balance(organization_id=organization.pk, livemode=False).credits_nanos
    assert credits == 10 * USD - 2_123_456_789
    assert_ledger_ok()


def test_grant_beyond_the_organizations_credits_is_refused_and_moves_nothing(
    admin_client_, organization, project, ada
):
    organization_credit_grant(
        organization_id=organization.pk, amount_nanos=1 * USD, reason="ops", livemode=False
    )
    response = admin_client_.post(
        project_url(project, f"customers/{ada.pk}/grant/"), {"amount_usd": "5"}
    )
    assert response.status_code == 400
    assert "The organization does not have enough credits." in response.content.decode()
    assert Wallet.objects.get(pk=ada.wallet.pk).balance_nanos == 8_333_333_333
    zero = admin_client_.post(
        project_url(project, f"customers/{ada.pk}/grant/"), {"amount_usd": "0"}
    )
    assert "Enter at least $0.000000001." in zero.content.decode()


def test_developer_cannot_grant_or_block(developer_client, organization, project, ada):
    organization_credit_grant(
        organization_id=organization.pk, amount_nanos=10 * USD, reason="ops", livemode=False
    )
    grant = developer_client.post(
        project_url(project, f"customers/{ada.pk}/grant/"), {"amount_usd": "1"}
    )
    assert grant.status_code == 403
    block = developer_client.post(project_url(project, f"customers/{ada.pk}/status/"))
    assert block.status_code == 403
    ada.refresh_from_db()
    assert ada.status == "active"
    assert Wallet.objects.get(pk=ada.wallet.pk).balance_nanos == 8_333_333_333


def test_block_asks_first_revokes_sessions_and_unblock_restores(admin_client_, project, ada):
    session, _ = session_mint(project=project, livemode=False, external_id="ada_1")
    path = project_url(project, f"customers/{ada.pk}/status/")
    confirm = admin_client_.get(path).content.decode()
    assert "Block ada_1?" in confirm
    ada.refresh_from_db()
    assert ada.status == "active"
    admin_client_.post(path)
    ada.refresh_from_db()
    session.refresh_from_db()
    assert ada.status == "blocked" and session.revoked_at is not None
    assert "Unblock ada_1?" in admin_client_.get(path).content.decode()
    admin_client_.post(path)
    ada.refresh_from_db()
    assert ada.status == "active"


def test_developer_revokes_a_customers_sessions_after_confirming(developer_client, project, ada):
    first, _ = session_mint(project=project, livemode=False, external_id="ada_1")
    second, _ = session_mint(project=project, livemode=False, external_id="ada_1")
    path = project_url(project, f"customers/{ada.pk}/revoke-sessions/")
    page = developer_client.get(project_url(project, f"customers/{ada.pk}/")).content.decode()
    assert '<div class="value" id="active-sessions">2</div>' in page
    assert "Revoke every session of ada_1?" in developer_client.get(path).content.decode()
    first.refresh_from_db()
    assert first.revoked_at is None
    followed = developer_client.post(path, follow=True).content.decode()
    assert "2 session(s) revoked." in followed
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is not None
