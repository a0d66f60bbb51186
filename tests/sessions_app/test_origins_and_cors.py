"""Origin allow-list and CORS: es routes answer allowed origins only; sk routes never send CORS."""

import pytest

from llmgateway.errors import InvalidRequest
from llmgateway.origins import origin_normalize
from tests.helpers.api import assert_error

ALLOWED = "https://app.example"


def test_es_request_from_an_unlisted_origin_is_refused(api, mint_session):
    token = mint_session()["sessionToken"]
    response = api.as_key(token, origin="https://evil.example").get("/v1/wallet")
    assert_error(response, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_es_request_from_the_allowed_origin_gets_its_origin_echoed(api, mint_session):
    token = mint_session()["sessionToken"]
    response = api.as_key(token, origin=ALLOWED).get("/v1/wallet")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_es_errors_carry_cors_so_the_browser_can_read_them(api, mint_session):
    session = mint_session()
    api.delete(f"/v1/sessions/{session['id']}")
    response = api.as_key(session["sessionToken"], origin=ALLOWED).get("/v1/wallet")
    assert_error(response, 401, "session_revoked")
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_no_origin_header_is_a_server_call_and_allowed(api, mint_session):
    token = mint_session()["sessionToken"]
    response = api.as_key(token).get("/v1/wallet")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_is_answered_for_allowed_origins_on_es_routes(api):
    preflight = api.as_key(None).options(
        "/v1/wallet",
        headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert preflight.headers["Access-Control-Allow-Origin"] != "*"


def test_preflight_from_an_unknown_origin_gets_no_cors(api):
    preflight = api.as_key(None).options(
        "/v1/wallet",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert_error(preflight, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_secret_key_routes_send_no_cors_headers(api):
    for path in ("/v1/customers", "/v1/sessions"):
        response = api.as_key(api.key, origin=ALLOWED).get(path)
        assert "Access-Control-Allow-Origin" not in response.headers
        preflight = api.as_key(None).options(
            path, headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}
        )
        assert "Access-Control-Allow-Origin" not in preflight.headers


def test_sk_call_on_a_shared_route_gets_no_cors(api):
    response = api.as_key(api.key, origin=ALLOWED).get("/v1/config")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://App.Example", "https://app.example"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://[::1]:8443", "https://[::1]:8443"),
        # As a browser sends them in Origin: no default port, punycode, no trailing slash.
        ("https://x.example:443", "https://x.example"),
        ("http://x.example:80", "http://x.example"),
        ("http://x.example:443", "http://x.example:443"),
        ("https://ünïcode.example", "https://xn--ncode-cta3g.example"),
        ("https://app.example/", "https://app.example"),
    ],
)
def test_origins_are_normalized(raw, expected):
    assert origin_normalize(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "app.example",
        "https://app.example/path",
        "ftp://x.example",
        "https://a@b.example",
        "*",
        "https://*.example.com",
    ],
)
def test_bad_origins_are_refused(raw):
    with pytest.raises(InvalidRequest):
        origin_normalize(raw)


@pytest.mark.django_db
def test_a_project_can_require_an_origin_on_live_session_requests(client, project):
    """Issue 19 (hardening): a project setting refuses live es requests with no Origin."""
    from llmgateway.services import api_key_create
    from tests.helpers.api import ApiClient

    live_key = api_key_create(project=project, livemode=True)[1]
    minted = ApiClient(client, live_key).post("/v1/sessions", {"customer": "u_live"})
    assert minted.status_code == 201, minted.content
    token = minted.json()["sessionToken"]
    browser = ApiClient(client, token, origin="https://app.example")
    server = ApiClient(client, token)
    assert server.get("/v1/wallet").status_code == 200  # the default: allowed
    project.session_origin_required = True
    project.save(update_fields=["session_origin_required"])
    assert_error(server.get("/v1/wallet"), 403, "origin_not_allowed")
    assert browser.get("/v1/wallet").status_code == 200
