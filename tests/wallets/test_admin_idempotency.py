"""The admin's "Adjust balance" page moves money once per time it is shown, however often the
same page is posted (a double click, a reload that re-posts, a back-button resubmit)."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.helpers.concurrency import run_concurrently
from tests.helpers.factories import make_wallet
from tests.helpers.money import assert_ledger_ok
from wallets.models import LedgerTransaction, Wallet

START_NANOS = 8_333_333_333


def _adjust_url(wallet: Wallet) -> str:
    return reverse("admin:wallets_wallet_adjust", args=[quote(wallet.pk)])


def _submit_token(page) -> str:
    match = re.search(r'name="submit_token" value="([0-9a-f]{32})"', page.content.decode())
    assert match, page.content.decode()
    return match.group(1)


def _balance(wallet: Wallet) -> int:
    return Wallet.objects.get(pk=wallet.pk).balance_nanos


@pytest.fixture
def funded_wallet(project) -> Wallet:
    return make_wallet(project, external_id="alice", balance_nanos=START_NANOS)


@pytest.mark.django_db
def test_the_same_adjustment_page_posted_twice_moves_money_once(admin_client, funded_wallet):
    token = _submit_token(admin_client.get(_adjust_url(funded_wallet)))
    form = {"amount": "1.000000001", "reason": "outage credit", "submit_token": token}

    first = admin_client.post(_adjust_url(funded_wallet), form, follow=True)
    second = admin_client.post(_adjust_url(funded_wallet), form, follow=True)

    assert first.status_code == second.status_code == 200
    assert "Adjusted by +$1.000000001" in first.content.decode()
    assert "already made" in second.content.decode()
    assert _balance(funded_wallet) == START_NANOS + 1_000_000_001
    txn = LedgerTransaction.objects.get(kind="adjustment")
    assert txn.idempotency_key == f"admin-adjust:{funded_wallet.pk}:{token}"
    assert_ledger_ok()


@pytest.mark.django_db
def test_a_debit_posted_twice_debits_once(admin_client, funded_wallet):
    token = _submit_token(admin_client.get(_adjust_url(funded_wallet)))
    form = {"amount": "-3.333333333", "reason": "chargeback", "submit_token": token}
    for _ in range(3):
        assert admin_client.post(_adjust_url(funded_wallet), form).status_code == 302
    assert _balance(funded_wallet) == 5_000_000_000
    assert LedgerTransaction.objects.filter(kind="adjustment").count() == 1
    assert_ledger_ok()


@pytest.mark.django_db
def test_each_rendering_of_the_page_is_a_new_adjustment(admin_client, funded_wallet):
    for _ in range(2):
        token = _submit_token(admin_client.get(_adjust_url(funded_wallet)))
        form = {"amount": "2", "reason": "goodwill", "submit_token": token}
        assert admin_client.post(_adjust_url(funded_wallet), form).status_code == 302
    assert _balance(funded_wallet) == START_NANOS + 4_000_000_000
    assert LedgerTransaction.objects.filter(kind="adjustment").count() == 2
    assert_ledger_ok()


@pytest.mark.django_db
def test_a_used_token_with_other_values_is_refused_and_a_fresh_page_works(
    admin_client, funded_wallet
):
    token = _submit_token(admin_client.get(_adjust_url(funded_wallet)))
    admin_client.post(
        _adjust_url(funded_wallet), {"amount": "2", "reason": "x", "submit_token": token}
    )

    refused = admin_client.post(
        _adjust_url(funded_wallet), {"amount": "5", "reason": "x", "submit_token": token}
    )

    assert refused.status_code == 200
    assert "already submitted with other values" in refused.content.decode()
    assert _balance(funded_wallet) == START_NANOS + 2_000_000_000
    fresh = _submit_token(refused)
    assert fresh != token
    again = admin_client.post(
        _adjust_url(funded_wallet), {"amount": "5", "reason": "x", "submit_token": fresh}
    )
    assert again.status_code == 302
    assert _balance(funded_wallet) == START_NANOS + 7_000_000_000
    assert_ledger_ok()


@pytest.mark.django_db
def test_a_malformed_token_is_refused_and_moves_nothing(admin_client, funded_wallet):
    response = admin_client.post(
        _adjust_url(funded_wallet),
        {"amount": "2", "reason": "x", "submit_token": "not-a-token"},
    )
    assert response.status_code == 200
    assert "This form is out of date" in response.content.decode()
    assert _submit_token(response) != "not-a-token"
    assert _balance(funded_wallet) == START_NANOS
    assert not LedgerTransaction.objects.filter(kind="adjustment").exists()
    assert_ledger_ok()


@pytest.mark.django_db
def test_a_token_is_scoped_to_its_wallet(admin_client, project, funded_wallet):
    """The same token posted to another wallet's page is that wallet's own adjustment."""
    other = make_wallet(project, external_id="bob", balance_nanos=START_NANOS)
    token = _submit_token(admin_client.get(_adjust_url(funded_wallet)))
    form = {"amount": "1", "reason": "x", "submit_token": token}
    admin_client.post(_adjust_url(funded_wallet), form)
    admin_client.post(_adjust_url(other), form)
    assert _balance(funded_wallet) == _balance(other) == START_NANOS + 1_000_000_000
    assert_ledger_ok()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twelve_concurrent_posts_of_one_page_move_money_once(project):
    wallet = make_wallet(project, external_id="alice", balance_nanos=START_NANOS)
    operator = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-0123456")
    browser = Client()
    browser.force_login(operator)
    token = _submit_token(browser.get(_adjust_url(wallet)))
    form = {"amount": "-0.333333333", "reason": "double click", "submit_token": token}

    def submit():
        client = Client()
        client.force_login(operator)
        return client.post(_adjust_url(wallet), form).status_code

    results = run_concurrently([submit] * 12, threads=12)

    assert results == [302] * 12
    assert _balance(wallet) == 8_000_000_000
    assert LedgerTransaction.objects.filter(kind="adjustment").count() == 1
    assert_ledger_ok()
