"""Per-key and per-session rate limits answer 429 rate_limited with Retry-After."""

from tests.helpers.api import assert_error


def test_secret_key_over_its_limit_gets_429(api, settings):
    settings.RATE_LIMIT_SECRET_KEY_PER_MINUTE = 3
    statuses = [api.get("/v1/customers").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = api.get("/v1/customers")
    assert_error(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 61


def test_sessions_are_limited_each_on_their_own(api, mint_session, settings):
    settings.RATE_LIMIT_SESSION_PER_MINUTE = 2
    first = api.as_key(mint_session("a")["sessionToken"])
    second = api.as_key(mint_session("b")["sessionToken"])
    assert [first.get("/v1/wallet").status_code for _ in range(2)] == [200, 200]
    assert_error(first.get("/v1/wallet"), 429, "rate_limited")
    assert second.get("/v1/wallet").status_code == 200
