"""POST /v1/sessions, POST /v1/sessions/refresh and DELETE /v1/sessions/{id}."""

from datetime import timedelta

from django.utils import timezone

from sessions_app.models import EmbeddedSession
from tests.helpers.api import assert_error
from wallets.models import Customer, Wallet

ORIGIN = "https://app.example"


def test_mint_creates_customer_and_wallet_and_returns_an_es_test_token(api):
    response = api.post(
        "/v1/sessions",
        {
            "customer": {"externalId": "user_123", "email": "a@b.example"},
            "scope": {"maxSpend": "1.00"},
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {
        "id",
        "sessionToken",
        "walletId",
        "customerId",
        "expiresAt",
        "livemode",
        "scope",
    }
    assert body["sessionToken"].startswith("es_test_")
    assert body["livemode"] is False
    assert body["scope"]["maxSpend"] == "1.00"
    customer = Customer.objects.get(pk=body["customerId"])
    assert (customer.external_id, customer.email) == ("user_123", "a@b.example")
    assert Wallet.objects.get(pk=body["walletId"]).customer_id == customer.pk
    session = EmbeddedSession.objects.get(pk=body["id"])
    assert session.max_spend_nanos == 1_000_000_000
    assert body["sessionToken"] not in (session.token_hash, session.token_prefix)


def test_the_session_tells_the_browser_the_allowed_origins(api, mint_session, project):
    # A refused CORS preflight hides origin_not_allowed from the page: the client compares.
    assert mint_session()["allowedOrigins"] == ["https://app.example"]
    project.allowed_origins = ["https://app.example", "http://localhost:3000"]
    project.save(update_fields=["allowed_origins"])
    session = mint_session()
    assert session["allowedOrigins"] == ["https://app.example", "http://localhost:3000"]
    refreshed = api.as_key(session["sessionToken"], origin=ORIGIN).post("/v1/sessions/refresh")
    assert refreshed.json()["allowedOrigins"] == ["https://app.example", "http://localhost:3000"]


def test_mint_reuses_the_customer_on_second_sight(api, mint_session):
    first = mint_session("user_9")
    second = mint_session("user_9")
    assert first["customerId"] == second["customerId"]
    assert first["walletId"] == second["walletId"]
    assert first["sessionToken"] != second["sessionToken"]


def test_ttl_defaults_to_900_and_is_bounded(api, mint_session):
    session = mint_session()
    expires = EmbeddedSession.objects.get(pk=session["id"]).expires_at
    assert timedelta(seconds=895) < expires - timezone.now() <= timedelta(seconds=900)
    for ttl in (59, 3601, "ten"):
        assert_error(
            api.post("/v1/sessions", {"customer": "u", "ttlSeconds": ttl}),
            400,
            "invalid_request",
            param="ttlSeconds",
        )


def test_mint_validates_customer_and_spend_cap(api):
    assert_error(api.post("/v1/sessions", {}), 400, "invalid_request", param="customer")
    assert_error(
        api.post("/v1/sessions", {"customer": 5}), 400, "invalid_request", param="customer"
    )
    assert_error(
        api.post("/v1/sessions", {"customer": "u", "scope": {"maxSpend": "-1"}}),
        400,
        "invalid_request",
        param="scope.maxSpend",
    )
    assert_error(
        api.post("/v1/sessions", {"customer": "u", "scope": {"maxSpend": "0.0000000001"}}),
        400,
        "invalid_request",
        param="scope.maxSpend",
    )


def test_session_token_cannot_mint_sessions(api, mint_session):
    token = mint_session()["sessionToken"]
    assert_error(
        api.as_key(token).post("/v1/sessions", {"customer": "x"}), 403, "permission_denied"
    )


def test_refresh_gives_a_new_token_and_the_old_one_is_refused(api, mint_session):
    session = mint_session(scope={"maxSpend": "2.50"})
    old = api.as_key(session["sessionToken"])
    EmbeddedSession.objects.filter(pk=session["id"]).update(spent_nanos=1234)

    refreshed = old.post("/v1/sessions/refresh")

    assert refreshed.status_code == 200, refreshed.content
    body = refreshed.json()
    assert set(body) == {"id", "sessionToken", "walletId", "expiresAt", "allowedOrigins"}
    assert body["id"] == session["id"] and body["walletId"] == session["walletId"]
    assert body["sessionToken"] != session["sessionToken"]
    assert_error(old.get("/v1/wallet"), 401, "invalid_api_key")
    assert_error(old.post("/v1/sessions/refresh"), 401, "invalid_api_key")
    new = api.as_key(body["sessionToken"])
    assert new.get("/v1/wallet").status_code == 200
    stored = EmbeddedSession.objects.get(pk=session["id"])
    assert (stored.spent_nanos, stored.max_spend_nanos) == (1234, 2_500_000_000)


def test_refresh_needs_a_session_token(api):
    assert_error(api.post("/v1/sessions/refresh"), 403, "permission_denied")


def test_revoke_is_immediate(api, mint_session):
    session = mint_session()
    browser = api.as_key(session["sessionToken"])
    assert browser.get("/v1/wallet").status_code == 200

    response = api.delete(f"/v1/sessions/{session['id']}")

    assert response.status_code == 200
    assert response.json() == {"id": session["id"], "status": "revoked"}
    assert_error(browser.get("/v1/wallet"), 401, "session_revoked")
    assert_error(browser.post("/v1/sessions/refresh"), 401, "session_revoked")
    assert api.delete(f"/v1/sessions/{session['id']}").status_code == 200  # idempotent


def test_expired_session_is_refused(api, mint_session):
    session = mint_session()
    EmbeddedSession.objects.filter(pk=session["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    browser = api.as_key(session["sessionToken"])
    assert_error(browser.get("/v1/wallet"), 401, "session_expired")
    assert_error(browser.post("/v1/sessions/refresh"), 401, "session_expired")


def test_revoking_an_unknown_session_is_404(api):
    assert_error(api.delete("/v1/sessions/sess_nope"), 404, "not_found")


def test_sessions_disabled_on_project(api, project):
    project.sessions_enabled = False
    project.save()
    assert_error(api.post("/v1/sessions", {"customer": "u"}), 403, "sessions_disabled")
