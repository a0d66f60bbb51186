"""Tenancy and mode isolation, as a matrix: every object type, every key kind, both modes.

Four tenants-in-a-mode — organization A and organization B, each in test and live mode — each
own a customer, wallet (with ledger entries), session, webhook endpoint, top-up and payout.
Every caller gets 404 `not_found` for every other tenant-in-a-mode's objects (never 403, never
200), exactly as for an id that doesn't exist, and nothing it tried changed anything. The owner
gets 2xx on the very same requests, so the 404s aren't from a wrong path.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from billing.models import DeveloperWebhookEndpoint, TopUp
from llmgateway.services import api_key_create, api_key_revoke
from payouts.models import ConnectedAccount, Payout
from sessions_app.models import EmbeddedSession
from sessions_app.services import session_mint
from tests.helpers.api import ApiClient, assert_error
from tests.helpers.factories import make_organization, make_project
from tests.helpers.money import USD
from wallets import services as wallet_services
from wallets.models import Customer, Wallet

pytestmark = pytest.mark.django_db


@dataclass
class Tenant:
    """One organization's project in one mode, and the objects it owns."""

    name: str
    livemode: bool
    credits_usd: int
    secret_key: str
    revoked_key: str
    session_token: str
    external_id: str
    customer_id: str
    wallet_id: str
    session_id: str
    webhook_endpoint_id: str
    topup_id: str
    payout_id: str


def _make_tenant(project, *, livemode: bool, name: str, credits_usd: int) -> Tenant:
    mode = "live" if livemode else "test"
    external_id = f"user_{name}_{mode}"
    wallet_services.organization_credit_grant(
        organization_id=project.organization_id,
        amount_nanos=credits_usd * USD,
        reason="isolation",
        livemode=livemode,
    )
    secret_key = api_key_create(project=project, livemode=livemode)[1]
    revoked, revoked_key = api_key_create(project=project, livemode=livemode)
    api_key_revoke(api_key_id=revoked.pk)
    session, session_token = session_mint(
        project=project, livemode=livemode, external_id=external_id
    )
    # A second session for the same customer: the one the matrix tries to revoke.
    target_session, _ = session_mint(project=project, livemode=livemode, external_id=external_id)
    wallet_services.wallet_grant_from_organization(
        wallet_id=session.wallet_id, amount_nanos=2 * USD, reason="ledger rows"
    )
    endpoint = DeveloperWebhookEndpoint.objects.create(
        project=project, livemode=livemode, url=f"https://hooks.{name}.example/{mode}"
    )
    topup = TopUp.objects.create(
        organization_id=project.organization_id,
        project=project,
        wallet_id=session.wallet_id,
        livemode=livemode,
        provider=TopUp.Provider.SIMULATED,
        amount_nanos=10 * USD,
        fee_nanos=0,
        total_nanos=10 * USD,
        net_nanos=10 * USD,
        margin_nanos=0,
        markup_percent=0,
        payment_intent_id=f"pi_sim_{name}_{mode}",
        client_secret="",
    )
    account = ConnectedAccount.objects.create(
        organization_id=project.organization_id,
        livemode=livemode,
        stripe_account_id=f"acct_{name}{mode}",
        details_submitted=True,
        payouts_enabled=True,
    )
    payout = Payout.objects.create(
        organization_id=project.organization_id,
        livemode=livemode,
        connected_account=account,
        project=project,
        amount_nanos=1 * USD,
        status=Payout.Status.PAID,
        transfer_idempotency_key=f"tr_{name}_{mode}",
    )
    return Tenant(
        name=f"{name}/{mode}",
        livemode=livemode,
        credits_usd=credits_usd,
        secret_key=secret_key,
        revoked_key=revoked_key,
        session_token=session_token,
        external_id=external_id,
        customer_id=session.customer_id,
        wallet_id=session.wallet_id,
        session_id=target_session.pk,
        webhook_endpoint_id=endpoint.pk,
        topup_id=topup.pk,
        payout_id=payout.pk,
    )


@pytest.fixture
def tenants(project) -> dict[str, Tenant]:
    other = make_project(make_organization("Other Org"), name="Other")
    return {
        "A/test": _make_tenant(project, livemode=False, name="A", credits_usd=101),
        "A/live": _make_tenant(project, livemode=True, name="A", credits_usd=102),
        "B/test": _make_tenant(other, livemode=False, name="B", credits_usd=103),
        "B/live": _make_tenant(other, livemode=True, name="B", credits_usd=104),
    }


def _secret_key_requests(target: Tenant) -> list[tuple[str, str, dict | None]]:
    """Every sk_ request that names one of `target`'s objects. Writes last, deletes at the end."""
    return [
        ("get", f"/v1/customers/{target.customer_id}", None),
        ("get", f"/v1/customers/ext:{target.external_id}", None),
        ("get", f"/v1/wallets/{target.wallet_id}", None),
        ("get", f"/v1/wallets/{target.wallet_id}/ledger", None),
        ("get", f"/v1/webhook-endpoints/{target.webhook_endpoint_id}", None),
        ("get", f"/v1/payouts/{target.payout_id}", None),
        ("patch", f"/v1/customers/{target.customer_id}", {"status": "blocked"}),
        ("post", f"/v1/wallets/{target.wallet_id}/credits", {"amount": "1", "reason": "steal"}),
        ("delete", f"/v1/webhook-endpoints/{target.webhook_endpoint_id}", None),
        ("delete", f"/v1/sessions/{target.session_id}", None),
    ]


def _session_requests(target: Tenant) -> list[tuple[str, str, dict | None]]:
    """Every es_ request that names one of `target`'s objects."""
    return [
        ("get", f"/v1/wallet/top-ups/{target.topup_id}", None),
        ("post", f"/v1/wallet/top-ups/{target.topup_id}/simulate", {"outcome": "succeeded"}),
    ]


def _call(api: ApiClient, method: str, path: str, body: dict | None):
    call = getattr(api, method)
    return call(path, body) if method in ("post", "patch") else call(path)


def _snapshot(tenant: Tenant) -> dict:
    """What a foreign caller must not have been able to change."""
    return {
        "customer": Customer.objects.get(pk=tenant.customer_id).status,
        "wallet": Wallet.objects.values("balance_nanos", "held_nanos").get(pk=tenant.wallet_id),
        "session_revoked": EmbeddedSession.objects.get(pk=tenant.session_id).revoked_at,
        "endpoint_deleted": DeveloperWebhookEndpoint.objects.get(
            pk=tenant.webhook_endpoint_id
        ).deleted_at,
        "topup": TopUp.objects.get(pk=tenant.topup_id).status,
    }


PAIRS = [
    (caller, target)
    for caller in ("A/test", "A/live", "B/test", "B/live")
    for target in ("A/test", "A/live", "B/test", "B/live")
    if caller != target
]


@pytest.mark.parametrize(("caller", "target"), PAIRS)
def test_every_object_of_another_tenant_or_mode_is_404_to_every_key_kind(
    client, tenants, caller, target
):
    caller_tenant, target_tenant = tenants[caller], tenants[target]
    before = {name: _snapshot(tenant) for name, tenant in tenants.items()}

    secret_api = ApiClient(client, caller_tenant.secret_key)
    for method, path, body in _secret_key_requests(target_tenant):
        response = _call(secret_api, method, path, body)
        assert response.status_code == 404, (caller, method, path, response.content)
        assert_error(response, 404, "not_found")

    session_api = ApiClient(client, caller_tenant.session_token)
    for method, path, body in _session_requests(target_tenant):
        response = _call(session_api, method, path, body)
        assert response.status_code == 404, (caller, method, path, response.content)
        assert_error(response, 404, "not_found")

    assert {name: _snapshot(tenant) for name, tenant in tenants.items()} == before


@pytest.mark.parametrize("owner", ["A/test", "A/live", "B/test", "B/live"])
def test_the_owner_reaches_every_object_on_the_same_paths(client, tenants, owner):
    tenant = tenants[owner]
    # Session requests first: blocking the customer (below) revokes its sessions.
    session_api = ApiClient(client, tenant.session_token)
    response = session_api.get(f"/v1/wallet/top-ups/{tenant.topup_id}")
    assert response.status_code == 200, response.content
    if not tenant.livemode:  # the simulated provider is test mode only
        response = session_api.post(
            f"/v1/wallet/top-ups/{tenant.topup_id}/simulate", {"outcome": "succeeded"}
        )
        assert response.status_code == 200, response.content
    secret_api = ApiClient(client, tenant.secret_key)
    for method, path, body in _secret_key_requests(tenant):
        response = _call(secret_api, method, path, body)
        assert 200 <= response.status_code < 300, (method, path, response.content)


@pytest.mark.parametrize("target", ["A/test", "A/live", "B/test", "B/live"])
def test_a_revoked_key_is_401_on_every_object_own_or_not(client, tenants, target):
    before = _snapshot(tenants[target])
    for tenant in tenants.values():
        revoked_api = ApiClient(client, tenant.revoked_key)
        for method, path, body in _secret_key_requests(tenants[target]):
            assert_error(_call(revoked_api, method, path, body), 401, "invalid_api_key")
    assert _snapshot(tenants[target]) == before


def test_session_tokens_get_the_same_refusal_for_own_and_foreign_secret_key_objects(
    client, tenants
):
    """An es_ token on an sk_ endpoint is refused for its kind before any lookup: the answer is
    the same whether the object is its own, another tenant's or doesn't exist."""
    session_api = ApiClient(client, tenants["A/test"].session_token)
    missing = Tenant(**{**vars(tenants["A/test"]), "customer_id": "cus_missing"})
    for target in (tenants["A/test"], tenants["B/test"], tenants["B/live"], missing):
        for method, path, body in _secret_key_requests(target):
            response = _call(session_api, method, path, body)
            assert response.status_code == 403, (method, path, response.content)
            assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("caller", ["A/test", "A/live", "B/test", "B/live"])
def test_lists_and_organization_totals_show_only_the_callers_tenant_and_mode(
    client, tenants, caller
):
    tenant = tenants[caller]
    api = ApiClient(client, tenant.secret_key)

    customers = api.get("/v1/customers").json()["data"]
    assert {row["externalId"] for row in customers} == {tenant.external_id}
    endpoints = api.get("/v1/webhook-endpoints").json()["data"]
    assert [row["id"] for row in endpoints] == [tenant.webhook_endpoint_id]
    payouts = api.get("/v1/payouts").json()["data"]
    assert [row["id"] for row in payouts] == [tenant.payout_id]
    status = api.get("/v1/connect/status").json()
    assert status["accountId"] == f"acct_{caller.replace('/', '')}"
    balance = api.get("/v1/balance").json()
    # Each tenant-in-a-mode got a different grant (less $2 to its wallet): only its own shows.
    assert balance["credits"] == f"{tenant.credits_usd - 2}.00"


def test_a_foreign_session_token_sees_only_its_own_wallet(client, tenants):
    for tenant in tenants.values():
        wallet = ApiClient(client, tenant.session_token).get("/v1/wallet").json()
        assert wallet["id"] == tenant.wallet_id


def test_unknown_ids_answer_exactly_like_foreign_ones(client, tenants):
    api = ApiClient(client, tenants["A/test"].secret_key)
    foreign = api.get(f"/v1/wallets/{tenants['B/test'].wallet_id}").json()
    unknown = api.get("/v1/wallets/wal_doesnotexist000000000000").json()
    assert foreign["error"]["code"] == unknown["error"]["code"] == "not_found"
    assert foreign["error"]["message"] == unknown["error"]["message"]


def test_live_key_mints_live_sessions(client, tenants):
    api = ApiClient(client, tenants["A/live"].secret_key)
    body = api.post("/v1/sessions", {"customer": "u"}).json()
    assert body["sessionToken"].startswith("es_live_") and body["livemode"] is True


def test_a_test_key_cannot_mint_a_session_on_a_live_customer_id(client, tenants):
    """Customers are per mode: the same external id in test mode is a different customer."""
    live = tenants["A/live"]
    api = ApiClient(client, tenants["A/test"].secret_key)
    body = api.post("/v1/sessions", {"customer": live.external_id}).json()
    assert body["customerId"] != live.customer_id and body["walletId"] != live.wallet_id
