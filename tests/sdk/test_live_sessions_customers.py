"""The sync SDK against a live daphne: sessions, customers (CRUD, block, pagination), errors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from llmgateway_server import (
    AuthenticationError,
    ConflictError,
    Customer,
    InvalidRequestError,
    LLMGateway,
    NotFoundError,
    PermissionDeniedError,
    Session,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def browser_get(base_url: str, token: str, path: str = "/v1/wallet") -> httpx.Response:
    return httpx.get(f"{base_url}{path}", headers={"Authorization": f"Bearer {token}"})


def test_a_minted_session_works_in_the_browser_until_revoked(gateway, live_server_url):
    session = gateway.sessions.create(
        customer={"external_id": "user_1", "email": "ada@example.com", "name": "Ada"},
        scope={"models": ["test/echo"], "max_spend": Decimal("1.50")},
        ttl_seconds=600,
    )

    assert isinstance(session, Session)
    assert session.session_token.startswith("es_test_")
    assert (session.livemode, session.scope.models) == (False, ("test/echo",))
    assert (session.scope.max_spend, session.scope.spent) == (Decimal("1.50"), Decimal("0"))
    seconds_left = (session.expires_at - datetime.now(UTC)).total_seconds()
    assert 590 < seconds_left <= 600
    assert session.raw["sessionToken"] == session.session_token
    assert session.allowed_origins == ("https://app.example",)
    answer = browser_get(live_server_url, session.session_token)
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == session.wallet_id
    customer = gateway.customers.get(session.customer_id)
    assert (customer.external_id, customer.email, customer.name) == (
        "user_1",
        "ada@example.com",
        "Ada",
    )

    revoked = gateway.sessions.revoke(session.id)

    assert (revoked.id, revoked.status) == (session.id, "revoked")
    refused = browser_get(live_server_url, session.session_token)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "session_revoked"


def test_customers_create_get_update_block_and_unblock(gateway, live_server_url):
    created = gateway.customers.create(
        external_id="user_42", email="bo@example.com", name="Bo", metadata={"plan": "pro"}
    )

    assert isinstance(created, Customer)
    assert created.id.startswith("cus_") and created.wallet_id.startswith("wal_")
    assert (created.status, created.blocked, created.metadata) == ("active", False, {"plan": "pro"})
    assert gateway.customers.get(created.id) == created
    assert gateway.customers.get("ext:user_42") == created
    with pytest.raises(ConflictError) as duplicate:
        gateway.customers.create(external_id="user_42")
    assert (duplicate.value.status, duplicate.value.code) == (409, "resource_already_exists")
    assert duplicate.value.param == "externalId"

    renamed = gateway.customers.update(created.id, name="Bo B.", metadata={"plan": "team"})
    assert (renamed.name, renamed.email, renamed.metadata) == (
        "Bo B.",
        "bo@example.com",
        {"plan": "team"},
    )

    session = gateway.sessions.create(customer="user_42")
    blocked = gateway.customers.block("ext:user_42")
    assert (blocked.status, blocked.blocked) == ("blocked", True)
    # Blocking revokes the customer's sessions at once, and no new one can be minted.
    assert browser_get(live_server_url, session.session_token).json()["error"]["code"] == (
        "session_revoked"
    )
    with pytest.raises(PermissionDeniedError) as refused:
        gateway.sessions.create(customer="user_42")
    assert (refused.value.status, refused.value.code) == (403, "customer_blocked")

    unblocked = gateway.customers.unblock(created.id)
    assert (unblocked.status, unblocked.blocked) == ("active", False)
    fresh = gateway.sessions.create(customer="user_42")
    assert browser_get(live_server_url, fresh.session_token).status_code == 200


def test_auto_paging_walks_every_customer_across_pages_newest_first(gateway):
    created = [gateway.customers.create(external_id=f"user_{n}").id for n in range(5)]

    first = gateway.customers.list(limit=2)

    assert [customer.id for customer in first] == created[::-1][:2]
    assert (len(first), first.has_more, bool(first.next_cursor)) == (2, True, True)
    assert [customer.id for customer in first.auto_paging_iter()] == created[::-1]
    last = first.next_page().next_page()
    assert [customer.id for customer in last] == [created[0]]
    assert (last.has_more, last.next_page()) == (False, None)
    assert [c.external_id for c in gateway.customers.list(email="nobody@example.com")] == []


def test_api_errors_map_to_typed_exceptions(gateway, live_server_url):
    bad_key = LLMGateway(api_key="sk_test_" + "0" * 40, base_url=live_server_url)
    with pytest.raises(AuthenticationError) as unauthenticated:
        bad_key.customers.list()
    assert (unauthenticated.value.status, unauthenticated.value.code) == (401, "invalid_api_key")
    assert unauthenticated.value.type == "authentication_error"

    with pytest.raises(NotFoundError) as missing:
        gateway.wallets.get("wal_doesnotexist")
    assert (missing.value.status, missing.value.code) == (404, "not_found")
    with pytest.raises(NotFoundError):
        gateway.customers.get("ext:nobody")

    with pytest.raises(InvalidRequestError) as too_short:
        gateway.sessions.create(customer="user_1", ttl_seconds=5)
    assert (too_short.value.status, too_short.value.param) == (400, "ttlSeconds")
    assert "ttlSeconds" in str(too_short.value)

    with pytest.raises(InvalidRequestError) as nested:
        gateway.sessions.create(customer="user_1", scope={"max_spend": "-1.00"})
    assert nested.value.param == "scope.maxSpend"

    with pytest.raises(InvalidRequestError) as limit:
        gateway.customers.list(limit=500)
    assert limit.value.param == "limit"
