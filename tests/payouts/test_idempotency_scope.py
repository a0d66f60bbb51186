"""A payout idempotency key belongs to the organization that used it: another organization's
request with the same key makes its own payout and never sees the first one."""

from __future__ import annotations

import pytest

from llmgateway.models import Membership
from llmgateway.services import membership_add
from payouts import services
from payouts.models import Payout
from tests.helpers.dashboard import live, logged_in, make_user, org_url
from tests.helpers.factories import make_organization, make_project
from tests.helpers.money import USD, assert_ledger_ok
from tests.helpers.payouts import margin_earn, onboard
from wallets.selectors import organization_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_organizations(stripe_connect):
    organizations = []
    for name in ("Org A", "Org B"):
        organization = make_organization(name)
        onboard(organization, stripe_connect)
        margin_earn(organization, 50 * USD)
        organizations.append(organization)
    return organizations


def _dashboard_request(organization, user_email: str, key: str, amount: str):
    user = make_user(user_email)
    membership_add(organization=organization, user=user, role=Membership.Role.OWNER)
    client = live(logged_in(user))
    body = {"amount_usd": amount, "confirmed": "yes", "idempotency_key": key}
    response = client.post(org_url(organization, "payouts/request/"), body)
    assert response.status_code == 302
    return user, client


def test_dashboard_requests_with_the_same_key_in_two_organizations_make_two_payouts(
    two_organizations,
):
    org_a, org_b = two_organizations
    user_b, client_b = _dashboard_request(org_b, "b@example.com", "dashboard-shared", "20.00")
    user_a, client_a = _dashboard_request(org_a, "a@example.com", "dashboard-shared", "7.00")

    payout_a = Payout.objects.get(organization=org_a)
    payout_b = Payout.objects.get(organization=org_b)
    assert payout_a.pk != payout_b.pk
    assert (payout_a.amount_nanos, payout_b.amount_nanos) == (7 * USD, 20 * USD)
    # Stored as the API stores who asked: the trigger and the requester (no project here).
    assert (payout_a.trigger, payout_a.requested_by_id) == ("dashboard", user_a.pk)
    assert (payout_b.trigger, payout_b.requested_by_id) == ("dashboard", user_b.pk)
    for organization, mine, theirs, client in (
        (org_a, payout_a, payout_b, client_a),
        (org_b, payout_b, payout_a, client_b),
    ):
        page = client.get(org_url(organization, "payouts/")).content.decode()
        assert mine.pk in page and theirs.pk not in page
    assert organization_balance(organization_id=org_a.pk, livemode=True).margin_available_nanos == (
        43 * USD
    )
    assert organization_balance(organization_id=org_b.pk, livemode=True).margin_available_nanos == (
        30 * USD
    )
    assert_ledger_ok()


def test_api_requests_with_the_same_key_in_two_organizations_make_two_payouts(
    two_organizations,
):
    org_a, org_b = two_organizations
    made = [
        services.payout_request(
            organization_id=organization.pk,
            livemode=True,
            amount_nanos=5 * USD,
            project_id=make_project(organization).pk,
            idempotency_key="monthly",
        )
        for organization in (org_b, org_a)
    ]
    assert [created for _, created in made] == [True, True]
    assert {payout.organization_id for payout, _ in made} == {org_a.pk, org_b.pk}
    assert_ledger_ok()


def test_a_key_is_the_organizations_whichever_project_or_page_sends_it(two_organizations):
    org_a, _ = two_organizations
    first, created = services.payout_request(
        organization_id=org_a.pk,
        livemode=True,
        amount_nanos=5 * USD,
        project_id=make_project(org_a, name="One").pk,
        idempotency_key="k-1",
    )
    again, created_again = services.payout_request(
        organization_id=org_a.pk,
        livemode=True,
        amount_nanos=5 * USD,
        project_id=make_project(org_a, name="Two").pk,
        idempotency_key="k-1",
    )
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Payout.objects.filter(organization=org_a).count() == 1
    assert_ledger_ok()
