"""The dashboard's "Add test credits": test mode only, the roles that grant credits, once per
page shown, through the same ledger grant as `manage.py credit_org --test`."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from tests.helpers import factories
from tests.helpers.dashboard import live, org_url
from wallets.models import LedgerAccount, LedgerTransaction
from wallets.selectors import organization_balance

pytestmark = pytest.mark.django_db


def _submit_token(response) -> str:
    form = response.content.decode().split('id="test-credits-form"', 1)[1]
    match = re.search(r'name="submit_token" value="([0-9a-f]{32})"', form)
    assert match, form
    return match.group(1)


def _credits(organization, *, livemode: bool) -> int:
    return organization_balance(organization_id=organization.pk, livemode=livemode).credits_nanos


def test_an_admin_adds_test_credits_once_per_page(admin_client_, organization):
    page = admin_client_.get(org_url(organization))
    token = _submit_token(page)
    form = {"amount_usd": "25.000000001", "reason": "trying keys", "submit_token": token}

    first = admin_client_.post(org_url(organization, "test-credits/"), form, follow=True)
    again = admin_client_.post(org_url(organization, "test-credits/"), form, follow=True)

    assert "Added $25.000000001 of test credits." in first.content.decode()
    assert "already added; nothing more was moved" in again.content.decode()
    assert _credits(organization, livemode=False) == 25_000_000_001
    assert _credits(organization, livemode=True) == 0
    assert '<div class="value" id="org-credits">$25.000000001</div>' in again.content.decode()
    grant = LedgerTransaction.objects.get(
        kind=LedgerTransaction.Kind.GRANT, entries__account__organization=organization
    )
    assert grant.livemode is False
    assert grant.description == "trying keys"
    assert grant.actor == "dashboard:admin@example.com"
    assert grant.idempotency_key == f"dashboard-test-credits:{organization.pk}:{token}"
    amounts = sorted(grant.entries.values_list("account__kind", "amount_nanos"))
    assert amounts == [
        (LedgerAccount.Kind.ORG_CREDITS, 25_000_000_001),
        (LedgerAccount.Kind.PLATFORM_GRANTS, -25_000_000_001),
    ]
    call_command("ledger_check")


def test_two_pages_add_twice(owner_client, organization):
    for _ in range(2):
        token = _submit_token(owner_client.get(org_url(organization)))
        response = owner_client.post(
            org_url(organization, "test-credits/"), {"amount_usd": "10", "submit_token": token}
        )
        assert response.status_code == 302
    assert _credits(organization, livemode=False) == 20_000_000_000
    call_command("ledger_check")


def test_a_developer_cannot_add_test_credits(developer_client, organization):
    page = developer_client.get(org_url(organization))
    assert page.status_code == 200
    assert 'id="test-credits-form"' not in page.content.decode()

    response = developer_client.post(
        org_url(organization, "test-credits/"),
        {"amount_usd": "10", "submit_token": "0" * 32},
    )

    assert response.status_code == 403
    assert "needs the admin role" in response.content.decode()
    assert _credits(organization, livemode=False) == 0
    assert not LedgerTransaction.objects.exists()


def test_live_mode_refuses_test_credits(admin_client_, organization):
    live(admin_client_)
    page = admin_client_.get(org_url(organization))
    assert 'id="test-credits-form"' not in page.content.decode()

    response = admin_client_.post(
        org_url(organization, "test-credits/"),
        {"amount_usd": "10", "submit_token": "1" * 32},
    )

    assert response.status_code == 403
    assert "test mode only" in response.content.decode()
    assert _credits(organization, livemode=False) == 0
    assert _credits(organization, livemode=True) == 0
    assert not LedgerTransaction.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("10000.000000001", "Add at most $10,000.00 at a time."),
        ("0", "Enter at least $0.000000001."),
        ("1.0000000001", "more than 9 decimal places"),
    ],
)
def test_amounts_out_of_bounds_move_nothing(admin_client_, organization, amount, message):
    response = admin_client_.post(
        org_url(organization, "test-credits/"), {"amount_usd": amount, "submit_token": "2" * 32}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LedgerTransaction.objects.exists()


def test_the_customer_page_points_an_empty_organization_to_test_credits(
    admin_client_, organization, project
):
    customer = factories.make_customer(project, external_id="ada_1")
    page = admin_client_.get(
        f"/dashboard/o/{organization.pk}/p/{project.pk}/customers/{customer.pk}/"
    ).content.decode()
    assert 'id="add-test-credits-link"' in page
