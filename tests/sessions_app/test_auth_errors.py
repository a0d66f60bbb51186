"""Every authentication failure answers in the DESIGN.md error shape."""

from llmgateway.models import ApiKey
from llmgateway.services import api_key_revoke
from tests.helpers.api import assert_error
from wallets import services
from wallets.models import Customer, Wallet


def test_missing_and_malformed_authorization(api):
    anonymous = api.as_key(None)
    assert_error(anonymous.get("/v1/customers"), 401, "invalid_api_key")
    assert_error(
        anonymous.get("/v1/customers", headers={"Authorization": "Basic abc"}),
        401,
        "invalid_api_key",
    )
    assert_error(api.as_key("sk_test_wrong").get("/v1/customers"), 401, "invalid_api_key")
    assert_error(api.as_key("pk_test_123").get("/v1/customers"), 401, "invalid_api_key")
    assert_error(api.as_key("es_test_wrong").get("/v1/wallet"), 401, "invalid_api_key")


def test_revoked_secret_key_is_refused(api, secret_key):
    api_key = ApiKey.objects.get(kind="secret", display_prefix=secret_key[:12])
    api_key_revoke(api_key_id=api_key.pk)
    assert_error(api.get("/v1/customers"), 401, "invalid_api_key")


def test_embedded_session_key_is_never_a_bearer(api, project):
    hidden = ApiKey.objects.get(project=project, kind="embedded_session", livemode=False)
    # Its hash is of a thrown-away secret; presenting anything that looks like it fails.
    assert_error(
        api.as_key(hidden.display_prefix + "x" * 48).get("/v1/wallet"), 401, "invalid_api_key"
    )
    assert_error(api.as_key(hidden.key_hash).get("/v1/customers"), 401, "invalid_api_key")


def test_last_used_is_recorded(api, secret_key):
    assert api.get("/v1/customers").status_code == 200
    assert ApiKey.objects.get(display_prefix=secret_key[:12]).last_used_at is not None


def test_blocked_customer_and_frozen_wallet(api, mint_session):
    session = mint_session("user_b")
    browser = api.as_key(session["sessionToken"])
    services.wallet_set_status(wallet_id=session["walletId"], status=Wallet.Status.FROZEN)
    assert_error(browser.get("/v1/wallet"), 402, "wallet_frozen")
    services.wallet_set_status(wallet_id=session["walletId"], status=Wallet.Status.ACTIVE)
    Customer.objects.filter(pk=session["customerId"]).update(status="blocked")
    assert_error(browser.get("/v1/wallet"), 403, "customer_blocked")
    assert_error(api.post("/v1/sessions", {"customer": "user_b"}), 403, "customer_blocked")


def test_unknown_path_and_wrong_method_use_the_error_shape(api):
    assert_error(api.get("/v1/nope"), 404, "not_found")
    assert_error(api.delete("/v1/customers"), 405, "method_not_allowed")


def test_malformed_json_is_a_400(api):
    response = api.client.post(
        "/v1/customers",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert_error(response, 400, "invalid_request")


def test_non_json_body_is_a_415(api):
    response = api.client.post(
        "/v1/customers",
        "externalId=x",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert_error(response, 415, "invalid_request")


def test_nul_characters_are_refused_not_crashed_on(api):
    assert_error(api.post("/v1/customers", {"externalId": "a\x00b"}), 400, "invalid_request")
    assert_error(
        api.post("/v1/customers", {"externalId": "x", "metadata": {"k": "\x00"}}),
        400,
        "invalid_request",
    )
    assert_error(api.get("/v1/customers/cus_%00"), 400, "invalid_request")
    assert_error(api.get("/v1/customers", {"cursor": "\x00"}), 400, "invalid_request")
