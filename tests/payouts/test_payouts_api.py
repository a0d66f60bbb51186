"""POST/GET /v1/payouts and GET /v1/balance: validation, reservation, idempotency, tenancy and
pagination. Tasks run inline, so a created payout's transfer is made against the fake."""

from __future__ import annotations

import pytest

from llmgateway.services import api_key_create
from payouts.models import Payout
from tests.helpers.api import ApiClient, assert_error
from tests.helpers.factories import make_organization, make_project
from tests.helpers.money import USD, assert_ledger_ok
from tests.helpers.payouts import margin_earn, onboard

CENT = 10_000_000


def _balance(live_api) -> dict:
    body = live_api.get("/v1/balance").json()
    return {key: body[key] for key in ("marginAvailable", "marginReserved", "marginPaid")}


@pytest.fixture
def post_payout(live_api, django_capture_on_commit_callbacks):
    """POST /v1/payouts with the transfer task run after the commit, as in production."""

    def post(body=None, headers=None):
        with django_capture_on_commit_callbacks(execute=True):
            return live_api.post("/v1/payouts", body or {}, headers=headers)

    return post


def test_payout_of_everything_pays_whole_cents_and_leaves_the_half_cent(
    post_payout, live_api, earned, stripe_connect, connected
):
    response = post_payout()

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("po_")
    assert body["object"] == "payout"
    assert (body["amount"], body["status"], body["livemode"]) == ("100.00", "pending", True)
    assert (body["transferId"], body["failureMessage"], body["paidAt"]) == (None, None, None)
    payout = Payout.objects.get(pk=body["id"])
    assert payout.status == "paid"
    transfer = stripe_connect.transfers[payout.transfer_id]
    assert (transfer["amount"], transfer["destination"]) == (10_000, connected.stripe_account_id)
    assert stripe_connect.transfers_for_key(payout.pk) == 1
    assert _balance(live_api) == {
        "marginAvailable": "0.005",
        "marginReserved": "0.00",
        "marginPaid": "100.00",
    }
    shown = live_api.get(f"/v1/payouts/{payout.pk}").json()
    assert (shown["status"], shown["transferId"]) == ("paid", payout.transfer_id)
    assert shown["paidAt"] is not None
    assert_ledger_ok()


def test_payout_of_an_amount_reserves_exactly_that(live_api, earned):
    response = live_api.post("/v1/payouts", {"amount": "12.34"})  # task not run: still reserved

    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "12.34"
    assert Payout.objects.get().amount_nanos == 1234 * CENT
    assert _balance(live_api) == {
        "marginAvailable": "87.665",
        "marginReserved": "12.34",
        "marginPaid": "0.00",
    }
    assert_ledger_ok()


def test_sub_cent_part_of_a_requested_amount_is_not_paid(live_api, earned):
    response = live_api.post("/v1/payouts", {"amount": "5.019999999"})

    assert response.json()["amount"] == "5.01"
    assert Payout.objects.get().amount_nanos == 501 * CENT
    assert_ledger_ok()


def test_a_number_of_dollars_is_accepted(live_api, earned):
    assert live_api.post("/v1/payouts", {"amount": 7}).json()["amount"] == "7.00"


@pytest.mark.parametrize("amount", ["0.99", "0.999999999", "0", 0.5])
def test_amount_below_one_dollar_is_refused(live_api, earned, amount):
    assert_error(live_api.post("/v1/payouts", {"amount": amount}), 400, "invalid_request", "amount")
    assert not Payout.objects.exists()


@pytest.mark.parametrize("amount", ["ten", "1.0000000001", "-5", "", None, True, [], "1e3x"])
def test_badly_formatted_amount_is_refused(live_api, earned, amount):
    assert_error(live_api.post("/v1/payouts", {"amount": amount}), 400, "invalid_request", "amount")


def test_more_than_available_is_refused_and_reserves_nothing(live_api, earned):
    error = assert_error(
        live_api.post("/v1/payouts", {"amount": "100.01"}), 402, "insufficient_balance", "amount"
    )

    assert "100.005" in error["message"]
    assert not Payout.objects.exists()
    assert _balance(live_api)["marginAvailable"] == "100.005"
    assert_ledger_ok()


def test_everything_when_less_than_a_dollar_is_available_is_refused(
    live_api, organization, connected
):
    margin_earn(organization, 99 * CENT + 9)

    error = assert_error(live_api.post("/v1/payouts", {}), 402, "insufficient_balance", "amount")

    assert "0.990000009" in error["message"]


def test_a_test_key_rehearses_payouts_on_test_margin_with_the_simulated_provider(
    api, organization, earned, settings, django_capture_on_commit_callbacks
):
    """No Stripe test key: the simulated Connect account is onboarded at once and its transfer
    succeeds at once; the live margin (`earned`) is untouched."""
    settings.STRIPE_TEST_SECRET_KEY = ""
    assert_error(api.post("/v1/payouts", {}), 409, "payouts_not_enabled")
    onboarding = api.post("/v1/connect/onboarding", {})
    assert onboarding.status_code == 200, onboarding.content
    assert onboarding.json()["accountId"].startswith("acct_sim_")
    assert api.get("/v1/connect/status").json()["payoutsEnabled"] is True
    margin_earn(organization, 7 * USD + 5, livemode=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/v1/payouts", {"amount": "2.50"})

    assert response.status_code == 201, response.content
    assert response.json()["livemode"] is False
    payout = Payout.objects.get()
    assert (payout.status, payout.amount_nanos, payout.livemode) == ("paid", 2_500_000_000, False)
    assert payout.transfer_id == f"tr_sim_{payout.transfer_idempotency_key}"
    balance = api.get("/v1/balance").json()
    assert (balance["marginAvailable"], balance["marginPaid"]) == ("4.500000005", "2.50")
    assert_ledger_ok()


def test_without_payouts_enabled_a_payout_is_refused(live_api, organization, stripe_connect):
    margin_earn(organization, 10 * USD)
    assert_error(live_api.post("/v1/payouts", {}), 409, "payouts_not_enabled")

    live_api.post("/v1/connect/onboarding")  # account made, onboarding not finished
    assert_error(live_api.post("/v1/payouts", {}), 409, "payouts_not_enabled")
    assert not Payout.objects.exists()


def test_idempotency_key_header_returns_the_same_payout(live_api, earned):
    headers = {"Idempotency-Key": "payout-2024-06"}

    first = live_api.post("/v1/payouts", {"amount": "10.00"}, headers=headers)
    again = live_api.post("/v1/payouts", {"amount": "10.00"}, headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Payout.objects.count() == 1
    assert _balance(live_api)["marginReserved"] == "10.00"
    assert_ledger_ok()


def test_idempotency_key_field_returns_the_same_payout_of_everything(live_api, earned):
    first = live_api.post("/v1/payouts", {"idempotencyKey": "all-1"})
    again = live_api.post("/v1/payouts", {"idempotencyKey": "all-1"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["amount"] == "100.00"


def test_idempotency_key_reused_with_another_amount_is_a_conflict(live_api, earned):
    live_api.post("/v1/payouts", {"amount": "10.00", "idempotencyKey": "k"})

    assert_error(
        live_api.post("/v1/payouts", {"amount": "11.00", "idempotencyKey": "k"}),
        409,
        "idempotency_conflict",
    )
    assert_error(live_api.post("/v1/payouts", {"idempotencyKey": "k"}), 409, "idempotency_conflict")
    assert Payout.objects.count() == 1


def test_another_organizations_payout_is_404(client, live_api, earned, stripe_connect):
    other_org = make_organization("Other Org")
    other_project = make_project(other_org, name="Other")
    onboard(other_org, stripe_connect)
    margin_earn(other_org, 5 * USD)
    other_api = ApiClient(client, api_key_create(project=other_project, livemode=True)[1])
    theirs = other_api.post("/v1/payouts", {}).json()

    assert_error(live_api.get(f"/v1/payouts/{theirs['id']}"), 404, "not_found", "id")
    assert live_api.get("/v1/payouts").json()["data"] == []
    assert other_api.get("/v1/payouts").json()["data"][0]["id"] == theirs["id"]


def test_payouts_of_the_organization_are_seen_by_all_its_projects(
    client, live_api, organization, earned
):
    sibling = make_project(organization, name="Sibling")
    sibling_api = ApiClient(client, api_key_create(project=sibling, livemode=True)[1])
    made = live_api.post("/v1/payouts", {"amount": "2.00"}).json()

    assert sibling_api.get(f"/v1/payouts/{made['id']}").json()["id"] == made["id"]


def test_test_mode_key_lists_no_live_payouts(api, live_api, earned):
    made = live_api.post("/v1/payouts", {"amount": "2.00"}).json()

    assert api.get("/v1/payouts").json()["data"] == []
    assert_error(api.get(f"/v1/payouts/{made['id']}"), 404, "not_found")


def test_list_is_cursor_paginated_newest_first(live_api, earned):
    made = [live_api.post("/v1/payouts", {"amount": f"{n}.00"}).json()["id"] for n in range(1, 6)]

    first = live_api.get("/v1/payouts", {"limit": 2}).json()
    second = live_api.get("/v1/payouts", {"limit": 2, "cursor": first["nextCursor"]}).json()
    third = live_api.get("/v1/payouts", {"limit": 2, "cursor": second["nextCursor"]}).json()

    assert first["object"] == "list"
    pages = [first, second, third]
    assert [row["id"] for page in pages for row in page["data"]] == made[::-1]
    assert [page["hasMore"] for page in pages] == [True, True, False]
    assert third["nextCursor"] is None
    assert_error(live_api.get("/v1/payouts", {"cursor": "garbage"}), 400, "invalid_request")
    assert_error(live_api.get("/v1/payouts", {"limit": 0}), 400, "invalid_request", "limit")
