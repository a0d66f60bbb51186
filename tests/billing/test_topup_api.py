"""Top-ups through the browser API with the simulated provider (test mode, no Stripe keys)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from billing.models import (
    ProjectBillingSettings,
    TopUp,
    TopUpCredit,
    WebhookEvent,
)
from billing.services.topups import topup_credit_from_payment_intent
from sessions_app.services import session_mint
from tests.billing.topup_fixtures import *  # noqa: F403
from tests.billing.topup_fixtures import USD
from tests.helpers.api import ApiClient, assert_error
from tests.helpers.money import assert_ledger_ok
from wallets.models import LedgerAccount, LedgerEntry, Wallet
from wallets.notify import wallet_balance_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit work (the crediting task, pushes) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _buy(browser, commit, amount="10.00", outcome="succeeded"):
    created = browser.post("/v1/wallet/top-ups", {"amount": amount})
    assert created.status_code == 201, created.content
    topup = created.json()
    with commit():
        browser.post(f"/v1/wallet/top-ups/{topup['id']}/simulate", {"outcome": outcome})
    answer = browser.get(f"/v1/wallet/top-ups/{topup['id']}")
    assert answer.status_code == 200, answer.content
    return topup, answer.json()


def test_ten_dollars_at_twenty_percent_credits_8_333333333(
    commit, browser, project, session_client
):
    created = browser.post("/v1/wallet/top-ups", {"amount": "10.00"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["provider"] == "simulated"
    assert body["status"] == "pending"
    assert body["publishableKey"] is None
    assert body["clientSecret"].startswith("simpi_")
    assert (body["amount"], body["fee"], body["total"]) == ("10.00", "0.00", "10.00")
    assert (body["netCredit"], body["margin"]) == ("8.333333333", "1.666666667")

    with commit():
        simulated = browser.post(
            f"/v1/wallet/top-ups/{body['id']}/simulate", {"outcome": "succeeded"}
        )
    assert simulated.status_code == 200, simulated.content

    wallet = browser.get("/v1/wallet").json()
    assert wallet["balance"] == "8.333333333"
    assert wallet["recentLedger"][0]["type"] == "topup"
    assert wallet["recentLedger"][0]["amount"] == "8.333333333"
    assert browser.get(f"/v1/wallet/top-ups/{body['id']}").json()["status"] == "succeeded"

    margin = LedgerAccount.objects.get(
        organization_id=project.organization_id, kind="org_margin", livemode=False
    )
    assert margin.balance_nanos == 1_666_666_667
    clearing = LedgerEntry.objects.filter(account__kind="payment_clearing")
    assert [entry.amount_nanos for entry in clearing] == [-10 * USD]
    assert not LedgerEntry.objects.filter(account__kind="platform_fees").exists()  # zero: omitted
    assert_ledger_ok()


def test_platform_fee_is_charged_on_top_and_credited_to_platform_fees(commit, browser, settings):
    settings.PLATFORM_FEE_PERCENT = "2.9"
    topup, _ = _buy(browser, commit, amount="5")
    assert (topup["fee"], topup["total"]) == ("0.15", "5.15")
    assert topup["netCredit"] == "4.166666666"
    fees = LedgerEntry.objects.get(account__kind="platform_fees")
    assert fees.amount_nanos == 150_000_000
    clearing = LedgerEntry.objects.get(account__kind="payment_clearing")
    assert clearing.amount_nanos == -5_150_000_000
    assert Wallet.objects.get().balance_nanos == 4_166_666_666
    assert_ledger_ok()


def test_simulated_failure_marks_the_topup_failed_and_credits_nothing(commit, browser):
    topup, answer = _buy(browser, commit, outcome="failed")
    assert answer["status"] == "failed"
    assert answer["failureMessage"]
    assert browser.get("/v1/wallet").json()["balance"] == "0.00"
    again = browser.post(f"/v1/wallet/top-ups/{topup['id']}/simulate", {"outcome": "succeeded"})
    assert_error(again, 409, "topup_not_pending")
    assert_ledger_ok()


def test_simulating_twice_credits_once(commit, browser):
    topup, _ = _buy(browser, commit)
    again = browser.post(f"/v1/wallet/top-ups/{topup['id']}/simulate", {"outcome": "succeeded"})
    assert_error(again, 409, "topup_not_pending")
    row = TopUp.objects.get(pk=topup["id"])
    result = topup_credit_from_payment_intent(
        payment_intent_id=row.payment_intent_id, livemode=False
    )
    assert result is not None and result.credited is False
    assert TopUpCredit.objects.count() == 1
    assert Wallet.objects.get().balance_nanos == 8_333_333_333
    assert_ledger_ok()


@pytest.mark.parametrize(
    ("amount", "message_part"),
    [("4.99", "from 5.00 to 5000.00"), ("5000.01", "from 5.00 to 5000.00"), ("10.001", "cents")],
)
def test_amount_limits_and_whole_cents(browser, amount, message_part):
    error = assert_error(
        browser.post("/v1/wallet/top-ups", {"amount": amount}), 400, "invalid_request", "amount"
    )
    assert message_part in error["message"]
    assert not TopUp.objects.exists()


def test_project_overrides_the_limits(browser, project):
    ProjectBillingSettings.objects.create(
        project=project, topup_min_nanos=1 * USD, topup_max_nanos=20 * USD
    )
    assert browser.post("/v1/wallet/top-ups", {"amount": 1}).status_code == 201
    assert_error(browser.post("/v1/wallet/top-ups", {"amount": 21}), 400, "invalid_request")


def test_amount_accepts_a_number_of_dollars(browser):
    created = browser.post("/v1/wallet/top-ups", {"amount": 10})
    assert created.status_code == 201
    assert created.json()["amount"] == "10.00"


def test_secret_keys_cannot_create_top_ups(api):
    assert_error(api.post("/v1/wallet/top-ups", {"amount": "10"}), 403, "permission_denied")


def test_another_wallets_top_up_is_not_found(commit, browser, client, project):
    topup, _ = _buy(browser, commit)
    _, other_token = session_mint(project=project, livemode=False, external_id="someone_else")
    other = ApiClient(client, other_token)
    assert_error(other.get(f"/v1/wallet/top-ups/{topup['id']}"), 404, "not_found")
    assert_error(
        other.post(f"/v1/wallet/top-ups/{topup['id']}/simulate", {"outcome": "succeeded"}),
        404,
        "not_found",
    )


def test_live_mode_never_uses_the_simulated_provider(client, project):
    _, token = session_mint(project=project, livemode=True, external_id="live_user")
    live_browser = ApiClient(client, token)
    error = assert_error(
        live_browser.post("/v1/wallet/top-ups", {"amount": "10"}), 400, "invalid_request"
    )
    assert "not configured" in error["message"]
    assert not TopUp.objects.exists()


def test_live_top_ups_cannot_be_simulated(client, project, wallet):
    _, token = session_mint(project=project, livemode=True, external_id="live_user")
    live_wallet = Wallet.objects.get(livemode=True)
    topup = TopUp.objects.create(
        organization_id=project.organization_id,
        project=project,
        wallet=live_wallet,
        livemode=True,
        provider="stripe",
        amount_nanos=10 * USD,
        fee_nanos=0,
        total_nanos=10 * USD,
        net_nanos=10 * USD,
        margin_nanos=0,
        payment_intent_id="pi_live_1",
    )
    answer = ApiClient(client, token).post(
        f"/v1/wallet/top-ups/{topup.pk}/simulate", {"outcome": "succeeded"}
    )
    assert_error(answer, 403, "permission_denied")
    assert Wallet.objects.get(pk=live_wallet.pk).balance_nanos == 0


def test_stripe_top_ups_in_test_mode_cannot_be_simulated(browser, stripe_keys, monkeypatch):
    from billing import stripe_gateway

    monkeypatch.setattr(
        stripe_gateway,
        "payment_intent_create",
        lambda **kwargs: stripe_gateway.PaymentIntentInfo(
            "pi_x", "pi_x_secret_y", "requires_payment_method"
        ),
    )
    created = browser.post("/v1/wallet/top-ups", {"amount": "10"}).json()
    assert created["provider"] == "stripe"
    assert created["publishableKey"].startswith("pk_test_")
    answer = browser.post(f"/v1/wallet/top-ups/{created['id']}/simulate", {"outcome": "succeeded"})
    assert_error(answer, 403, "permission_denied")


def test_stripe_outage_answers_502_and_marks_the_top_up_failed(browser, stripe_keys):
    # STRIPE_API_BASE points at a closed loopback port.
    assert_error(browser.post("/v1/wallet/top-ups", {"amount": "10"}), 502, "upstream_error")
    assert TopUp.objects.get().status == "failed"


def test_crediting_pushes_the_balance_to_the_wallets_group(commit, browser, session_client):
    _, session = session_client
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(wallet_balance_group(session["walletId"]), channel)
    _buy(browser, commit)
    message = async_to_sync(layer.receive)(channel)
    assert message == {"type": "wallet.balance", "balance": "8.333333333"}


def test_crediting_records_a_wallet_credited_event(commit, browser, session_client):
    topup, _ = _buy(browser, commit)
    event = WebhookEvent.objects.get(type="wallet.credited")
    assert event.data["topUpId"] == topup["id"]
    assert event.data["walletId"] == session_client[1]["walletId"]
    assert event.data["balance"] == "8.333333333"
    assert event.data["netCredit"] == "8.333333333"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_acceptance_make_run_ten_dollars_at_twenty_percent(live_server_url, capsys):
    """As with `make run`: the demo project (20 % markup), a session, a $10 simulated top-up."""
    import re

    import httpx
    from django.core.management import call_command

    call_command("seed_demo")
    secret_key = re.search(r"(sk_test_\S+)", capsys.readouterr().out).group(1)
    minted = httpx.post(
        f"{live_server_url}/v1/sessions",
        json={"customer": "alice"},
        headers={"Authorization": f"Bearer {secret_key}"},
    )
    assert minted.status_code == 201, minted.text
    browser_headers = {"Authorization": f"Bearer {minted.json()['sessionToken']}"}
    topup = httpx.post(
        f"{live_server_url}/v1/wallet/top-ups", json={"amount": "10.00"}, headers=browser_headers
    ).json()
    assert topup["provider"] == "simulated"
    simulated = httpx.post(
        f"{live_server_url}/v1/wallet/top-ups/{topup['id']}/simulate",
        json={"outcome": "succeeded"},
        headers=browser_headers,
    )
    assert simulated.status_code == 200, simulated.text
    wallet = httpx.get(f"{live_server_url}/v1/wallet", headers=browser_headers).json()
    assert wallet["balance"] == "8.333333333"
    assert_ledger_ok()
