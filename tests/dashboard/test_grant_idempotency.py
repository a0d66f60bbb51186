"""The dashboard's "Grant credits" form grants once per time it is shown, however often the
same page is posted."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.helpers import factories
from tests.helpers.concurrency import run_concurrently
from tests.helpers.dashboard import logged_in, project_url
from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import Customer, LedgerTransaction, Wallet
from wallets.selectors import organization_balance
from wallets.services import organization_credit_grant


def _submit_token(page) -> str:
    match = re.search(r'name="submit_token" value="([0-9a-f]{32})"', page.content.decode())
    assert match, page.content.decode()
    return match.group(1)


def _fund(organization) -> None:
    organization_credit_grant(
        organization_id=organization.pk, amount_nanos=10 * USD, reason="ops", livemode=False
    )


def _credits(organization) -> int:
    return organization_balance(organization_id=organization.pk, livemode=False).credits_nanos


@pytest.fixture
def ada(project) -> Customer:
    customer = factories.make_customer(project, external_id="ada_1")
    return Customer.objects.select_related("wallet").get(pk=customer.pk)


@pytest.mark.django_db
def test_the_same_grant_page_posted_twice_grants_once(admin_client_, organization, project, ada):
    _fund(organization)
    page = admin_client_.get(project_url(project, f"customers/{ada.pk}/"))
    token = _submit_token(page)
    form = {"amount_usd": "2.123456789", "reason": "sorry", "submit_token": token}
    url = project_url(project, f"customers/{ada.pk}/grant/")

    first = admin_client_.post(url, form, follow=True)
    second = admin_client_.post(url, form, follow=True)

    assert "Granted $2.123456789 to ada_1." in first.content.decode()
    assert "This grant was already made; nothing more was moved." in second.content.decode()
    assert Wallet.objects.get(pk=ada.wallet.pk).balance_nanos == 2_123_456_789
    assert _credits(organization) == 10 * USD - 2_123_456_789
    txn = LedgerTransaction.objects.get(kind="grant", entries__account__wallet=ada.wallet)
    assert txn.idempotency_key == f"dashboard-grant:{ada.wallet.pk}:{token}"
    assert_ledger_ok()


@pytest.mark.django_db
def test_each_rendering_of_the_page_is_a_new_grant(admin_client_, organization, project, ada):
    _fund(organization)
    url = project_url(project, f"customers/{ada.pk}/grant/")
    for _ in range(2):
        token = _submit_token(admin_client_.get(project_url(project, f"customers/{ada.pk}/")))
        response = admin_client_.post(url, {"amount_usd": "1", "submit_token": token})
        assert response.status_code == 302
    assert Wallet.objects.get(pk=ada.wallet.pk).balance_nanos == 2 * USD
    assert _credits(organization) == 8 * USD
    assert_ledger_ok()


@pytest.mark.django_db
def test_a_used_token_with_another_amount_is_refused(admin_client_, organization, project, ada):
    _fund(organization)
    token = _submit_token(admin_client_.get(project_url(project, f"customers/{ada.pk}/")))
    url = project_url(project, f"customers/{ada.pk}/grant/")
    admin_client_.post(url, {"amount_usd": "1", "submit_token": token})

    refused = admin_client_.post(url, {"amount_usd": "3", "submit_token": token})

    assert refused.status_code == 400
    assert "already submitted with other values" in refused.content.decode()
    assert _submit_token(refused) != token
    assert Wallet.objects.get(pk=ada.wallet.pk).balance_nanos == 1 * USD
    assert _credits(organization) == 9 * USD
    assert_ledger_ok()


@pytest.mark.django_db
def test_a_refused_grant_keeps_its_token_for_the_corrected_retry(
    admin_client_, organization, project, ada
):
    """Nothing was posted, so the same page may be corrected and sent again."""
    _fund(organization)
    token = _submit_token(admin_client_.get(project_url(project, f"customers/{ada.pk}/")))
    url = project_url(project, f"customers/{ada.pk}/grant/")
    too_much = admin_client_.post(url, {"amount_usd": "50", "submit_token": token})
    assert too_much.status_code == 400
    assert _submit_token(too_much) == token
    assert admin_client_.post(url, {"amount_usd": "5", "submit_token": token}).status_code == 302
    assert Wallet.objects.get(pk=ada.wallet.pk).balance_nanos == 5 * USD
    assert_ledger_ok()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twelve_concurrent_posts_of_one_grant_page_grant_once(
    admin_user, organization, project, ada
):
    _fund(organization)
    token = _submit_token(logged_in(admin_user).get(project_url(project, f"customers/{ada.pk}/")))
    url = project_url(project, f"customers/{ada.pk}/grant/")
    form = {"amount_usd": "0.333333333", "submit_token": token}

    def submit():
        client = Client()
        client.force_login(admin_user)
        return client.post(url, form).status_code

    results = run_concurrently([submit] * 12, threads=12)

    assert results == [302] * 12
    assert Wallet.objects.get(pk=ada.wallet.pk).balance_nanos == 333_333_333
    assert _credits(organization) == 10 * USD - 333_333_333
    assert_ledger_ok()
