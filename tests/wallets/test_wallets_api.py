"""Wallet endpoints: read, grant credits from the org, ledger pages, own wallet, org balance."""

from tests.helpers.api import assert_error
from tests.helpers.money import USD, assert_ledger_ok
from wallets import services
from wallets.holds import orm as holds_orm
from wallets.models import Wallet


def _grant_org(project, nanos, livemode=False):
    services.organization_credit_grant(
        organization_id=project.organization_id, amount_nanos=nanos, reason="t", livemode=livemode
    )


def test_wallet_read_renders_money_as_strings(api, mint_session):
    session = mint_session()
    Wallet.objects.filter(pk=session["walletId"])
    services.wallet_credit(wallet_id=session["walletId"], amount_nanos=8_333_333_333)
    holds_orm.wallet_hold_reserve(wallet_id=session["walletId"], amount_nanos=333_333_333)

    body = api.get(f"/v1/wallets/{session['walletId']}").json()

    assert body == {
        "id": session["walletId"],
        "object": "wallet",
        "customerId": session["customerId"],
        "balance": "8.333333333",
        "held": "0.333333333",
        "available": "8.00",
        "currency": "usd",
        "status": "active",
        "livemode": False,
    }


def test_credit_grant_moves_org_credits_to_the_wallet(api, project, mint_session):
    session = mint_session()
    _grant_org(project, 10 * USD)

    response = api.post(
        f"/v1/wallets/{session['walletId']}/credits", {"amount": "2.50", "reason": "welcome"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["balance"], body["reason"]) == ("2.50", "2.50", "welcome")
    assert api.get("/v1/balance").json()["credits"] == "7.50"
    assert_ledger_ok()


def test_credit_grant_is_idempotent(api, project, mint_session):
    session = mint_session()
    _grant_org(project, 10 * USD)
    path = f"/v1/wallets/{session['walletId']}/credits"
    first = api.post(path, {"amount": 1, "idempotencyKey": "k1"})
    again = api.post(path, {"amount": 1, "idempotencyKey": "k1"})
    by_header = api.post(path, {"amount": 1}, headers={"Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code, by_header.status_code) == (201, 200, 200)
    assert first.json()["id"] == again.json()["id"] == by_header.json()["id"]
    assert Wallet.objects.get(pk=session["walletId"]).balance_nanos == USD
    assert_error(api.post(path, {"amount": 2, "idempotencyKey": "k1"}), 409, "idempotency_conflict")
    assert_ledger_ok()


def test_credit_grant_without_org_credits_is_402(api, mint_session):
    session = mint_session()
    response = api.post(f"/v1/wallets/{session['walletId']}/credits", {"amount": "1"})
    assert_error(response, 402, "insufficient_balance")
    assert Wallet.objects.get(pk=session["walletId"]).balance_nanos == 0
    assert_ledger_ok()


def test_credit_grant_validates_amount(api, mint_session):
    path = f"/v1/wallets/{mint_session()['walletId']}/credits"
    for amount in ("0", "-1", "abc", "1.0000000001", None, True):
        assert_error(api.post(path, {"amount": amount}), 400, "invalid_request", param="amount")


def test_ledger_pages_newest_first(api, mint_session):
    wallet_id = mint_session()["walletId"]
    for cents in range(1, 6):
        services.wallet_credit(wallet_id=wallet_id, amount_nanos=cents * 10_000_000)
    first = api.get(f"/v1/wallets/{wallet_id}/ledger", {"limit": 2}).json()
    assert [row["amount"] for row in first["data"]] == ["0.05", "0.04"]
    second = api.get(
        f"/v1/wallets/{wallet_id}/ledger", {"limit": 10, "cursor": first["nextCursor"]}
    ).json()
    assert [row["amount"] for row in second["data"]] == ["0.03", "0.02", "0.01"]
    assert second["hasMore"] is False
    assert second["data"][0]["type"] == "grant"


def test_own_wallet_with_recent_ledger(api, mint_session):
    session = mint_session()
    services.wallet_credit(wallet_id=session["walletId"], amount_nanos=USD, description="gift")
    body = api.as_key(session["sessionToken"]).get("/v1/wallet").json()
    assert (body["id"], body["balance"], body["available"]) == (session["walletId"], "1.00", "1.00")
    assert [(e["amount"], e["description"]) for e in body["recentLedger"]] == [("1.00", "gift")]


def test_own_wallet_needs_a_session(api):
    assert_error(api.get("/v1/wallet"), 403, "permission_denied")


def test_organization_balance_by_mode(api, project, live_secret_key):
    _grant_org(project, 3 * USD, livemode=False)
    _grant_org(project, 5 * USD, livemode=True)
    assert api.get("/v1/balance").json() == {
        "object": "balance",
        "livemode": False,
        "credits": "3.00",
        "marginAvailable": "0.00",
        "marginReserved": "0.00",
        "marginPaid": "0.00",
    }
    assert api.as_key(live_secret_key).get("/v1/balance").json()["credits"] == "5.00"


def test_config_is_public(api):
    body = api.as_key(None).get("/v1/config").json()
    assert body["object"] == "config"
    assert body["paymentProviders"]["test"] == "simulated"
