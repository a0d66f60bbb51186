"""The PostgreSQL fast path (wallets/holds/pg.py): the same money rules as the ORM services,
under real concurrency, with cached principals that still can't spend after a revocation."""

import asyncio
import json

import pytest
from django.test import AsyncClient
from django.utils import timezone

from llmgateway import pgpool
from proxy.auth import principal_cache_clear
from sessions_app.models import EmbeddedSession
from tests.helpers.api import assert_error
from tests.helpers.gateway import expected_cost, post_json
from tests.helpers.money import USD, assert_ledger_ok
from wallets.holds import orm as holds_orm
from wallets.holds import pg as holds_pg
from wallets.models import Customer, Hold, LedgerAccount, LedgerEntry, Wallet

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CHAT = "/v1/chat/completions"
MESSAGES = [{"role": "user", "content": "Hello there, gateway"}]
BODY = {"model": "test/echo", "messages": MESSAGES, "max_tokens": 8}


@pytest.fixture(autouse=True)
def _fast_path_on(settings):
    settings.HOTPATH_PG = True
    settings.PRINCIPAL_CACHE_SECONDS = 30
    principal_cache_clear()
    yield
    principal_cache_clear()


def _one_request_cost(client, funded_session) -> int:
    _, token = funded_session(external_id="probe")
    response = post_json(client, CHAT, BODY, token)
    assert response.status_code == 200, response.content
    return expected_cost("test/echo", response.json()["usage"])


async def _post_many(token: str, count: int) -> list:
    client = AsyncClient()

    async def one():
        return await client.post(
            CHAT,
            json.dumps(BODY),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return await asyncio.gather(*(one() for _ in range(count)))


def test_hundred_concurrent_requests_on_a_wallet_funded_for_thirty(client, funded_session):
    cost = _one_request_cost(client, funded_session)
    session, token = funded_session(external_id="payer", balance_nanos=30 * cost)

    responses = asyncio.run(_post_many(token, 100))

    statuses = [response.status_code for response in responses]
    succeeded = statuses.count(200)
    assert 1 <= succeeded <= 30
    assert set(statuses) <= {200, 402}
    assert all(
        json.loads(r.content)["error"]["code"] == "insufficient_balance"
        for r in responses
        if r.status_code == 402
    )
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert wallet.balance_nanos == 30 * cost - succeeded * cost >= 0
    assert wallet.held_nanos == 0
    assert not Hold.objects.filter(status="held").exists()
    assert Hold.objects.filter(wallet_id=wallet.pk, status="settled").count() == succeeded
    session.refresh_from_db()
    assert (session.spent_nanos, session.held_nanos) == (succeeded * cost, 0)
    assert_ledger_ok()


def test_settle_posts_the_same_ledger_lines_as_the_orm(client, funded_session):
    session, token = funded_session(external_id="lines")
    response = post_json(client, CHAT, BODY, token)
    assert response.status_code == 200
    cost = expected_cost("test/echo", response.json()["usage"])

    hold = Hold.objects.get(wallet_id=session.wallet_id)
    assert (hold.status, hold.charged_nanos, hold.session_id) == ("settled", cost, session.pk)
    assert hold.finished_at is not None
    entries = LedgerEntry.objects.filter(transaction__kind="usage").select_related("account")
    assert sorted((e.account.kind, e.amount_nanos) for e in entries) == [
        ("platform_usage_revenue", cost),
        ("wallet", -cost),
    ]
    revenue = LedgerAccount.objects.get(kind="platform_usage_revenue", livemode=False)
    assert revenue.balance_nanos is None  # a system account keeps no cached balance
    usage = entries[0].transaction
    assert usage.metadata == {"hold": hold.pk, "request": hold.request_id}
    assert_ledger_ok()


def test_concurrent_secret_key_traffic_on_organization_credits(client, org_secret_key, project):
    responses = asyncio.run(_post_many(org_secret_key, 40))
    assert {r.status_code for r in responses} == {200}
    charged = sum(expected_cost("test/echo", json.loads(r.content)["usage"]) for r in responses)
    credits = LedgerAccount.objects.get(
        organization_id=project.organization_id, kind="org_credits", livemode=False
    )
    assert (credits.balance_nanos, credits.held_nanos) == (5 * USD - charged, 0)
    assert_ledger_ok()


def test_a_revoked_session_is_refused_at_once_despite_the_cache(client, funded_session):
    session, token = funded_session(external_id="revoked")
    assert post_json(client, CHAT, BODY, token).status_code == 200  # now cached

    EmbeddedSession.objects.filter(pk=session.pk).update(revoked_at=timezone.now())

    assert_error(post_json(client, CHAT, BODY, token), 401, "session_revoked")
    assert not Hold.objects.filter(status="held").exists()


def test_a_refreshed_sessions_old_token_stops_at_once(client, funded_session):
    _session, token = funded_session(external_id="refreshed")
    assert post_json(client, CHAT, BODY, token).status_code == 200
    refreshed = client.post("/v1/sessions/refresh", headers={"Authorization": f"Bearer {token}"})
    assert refreshed.status_code == 200, refreshed.content

    assert_error(post_json(client, CHAT, BODY, token), 401, "invalid_api_key")
    assert post_json(client, CHAT, BODY, refreshed.json()["sessionToken"]).status_code == 200


def test_a_revoked_secret_key_is_refused_at_once_despite_the_cache(client, org_secret_key):
    from llmgateway.models import ApiKey

    assert post_json(client, CHAT, BODY, org_secret_key).status_code == 200
    ApiKey.objects.filter(kind="secret").update(revoked_at=timezone.now())

    assert_error(post_json(client, CHAT, BODY, org_secret_key), 401, "invalid_api_key")


def test_blocked_customer_and_frozen_wallet_are_refused_despite_the_cache(client, funded_session):
    session, token = funded_session(external_id="blocked")
    assert post_json(client, CHAT, BODY, token).status_code == 200

    Wallet.objects.filter(pk=session.wallet_id).update(status="frozen")
    assert_error(post_json(client, CHAT, BODY, token), 402, "wallet_frozen")
    Wallet.objects.filter(pk=session.wallet_id).update(status="active")
    Customer.objects.filter(pk=session.customer_id).update(status="blocked")
    assert_error(post_json(client, CHAT, BODY, token), 403, "customer_blocked")


def test_spend_cap_and_release_on_the_fast_path(funded_session):
    session, _ = funded_session(external_id="cap", max_spend_nanos=1000)

    async def go():
        hold = await holds_pg.hold_reserve_on_wallet(
            wallet_id=session.wallet_id,
            session_id=session.pk,
            token_hash=session.token_hash,
            livemode=False,
            amount_nanos=600,
            request_id="req_cap_1",
        )
        with pytest.raises(Exception) as refused:
            await holds_pg.hold_reserve_on_wallet(
                wallet_id=session.wallet_id,
                session_id=session.pk,
                token_hash=session.token_hash,
                livemode=False,
                amount_nanos=600,
                request_id="req_cap_2",
            )
        await holds_pg.hold_finish(hold, cost_nanos=0, status="released")
        return refused.value

    error = asyncio.run(go())
    assert error.code == "spend_cap_exceeded"
    hold = Hold.objects.get(request_id="req_cap_1")
    assert (hold.status, hold.charged_nanos) == ("released", 0)
    session.refresh_from_db()
    assert (session.held_nanos, session.spent_nanos) == (0, 0)
    assert Wallet.objects.get(pk=session.wallet_id).held_nanos == 0
    assert_ledger_ok()


def test_settling_twice_is_refused(funded_session):
    session, _ = funded_session(external_id="twice")

    async def go():
        hold = await holds_pg.hold_reserve_on_wallet(
            wallet_id=session.wallet_id,
            session_id=session.pk,
            token_hash=session.token_hash,
            livemode=False,
            amount_nanos=500,
            request_id="req_twice",
        )
        first = await holds_pg.hold_finish(hold, cost_nanos=200, status="settled")
        with pytest.raises(Exception) as again:
            await holds_pg.hold_finish(hold, cost_nanos=200, status="settled")
        return first, again.value

    first, error = asyncio.run(go())
    assert (first.charged_nanos, first.balance_nanos) == (200, USD - 200)
    assert error.code == "hold_not_active"
    # An ORM-made hold and a fast-path hold share the books.
    orm_hold = holds_orm.wallet_hold_reserve(wallet_id=session.wallet_id, amount_nanos=10)
    holds_orm.wallet_hold_settle(hold_id=orm_hold.pk, cost_nanos=10)
    assert Wallet.objects.get(pk=session.wallet_id).balance_nanos == USD - 210
    assert_ledger_ok()


def test_a_reserve_commits_asynchronously_and_the_setting_does_not_outlive_it():
    """The reserves' `async_commit` CTE turns `synchronous_commit` off for that statement's own
    transaction only: the next statement on the same pooled connection (a settle, which moves
    money) commits durably again."""

    async def check():
        async with pgpool.pool().connection() as connection:
            inside = await connection.execute(
                f"WITH {holds_pg._ASYNC_COMMIT_CTE} "
                "SELECT current_setting('synchronous_commit') FROM async_commit"
            )
            after = await connection.execute("SHOW synchronous_commit")
            return (await inside.fetchone())[0], (await after.fetchone())[0]

    assert asyncio.run(check()) == ("off", "on")
    for statement in (holds_pg.RESERVE_ON_WALLET, holds_pg.RESERVE_ON_ACCOUNT):
        assert holds_pg._ASYNC_COMMIT_CTE in statement
        assert "async_commit\nRETURNING" in statement  # joined into the INSERT, so it runs


def test_a_cached_live_session_without_an_origin_is_refused_when_the_project_requires_one(
    client, funded_session, project
):
    """The cached principal answers the same origin rules as the database path: a token first
    used from the browser is not then usable from a server when the project requires an Origin."""
    project.allowed_origins = ["https://app.example"]
    project.session_origin_required = True
    project.save(update_fields=["allowed_origins", "session_origin_required"])
    _session, token = funded_session(external_id="live_browser", livemode=True)
    browser = {"Origin": "https://app.example"}
    assert post_json(client, CHAT, BODY, token, **browser).status_code == 200  # now cached

    assert_error(post_json(client, CHAT, BODY, token), 403, "origin_not_allowed")
    other = {"Origin": "https://evil.example"}
    assert_error(post_json(client, CHAT, BODY, token, **other), 403, "origin_not_allowed")
    assert post_json(client, CHAT, BODY, token, **browser).status_code == 200
    assert not Hold.objects.filter(status="held").exists()
    assert_ledger_ok()
