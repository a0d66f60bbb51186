"""Connect `returnUrl` / `refreshUrl` are restricted (issue 19, must-fix 6).

What this proves: a URL on an origin that is neither one of the project's allowed origins nor the
origin of the operator's CONNECT_RETURN_URL / CONNECT_REFRESH_URL is a 400 `invalid_request`
naming the field, and Stripe is never asked for a link; the project's origins and the operator's
URLs still work; and the refusal against a live daphne.
"""

from __future__ import annotations

import httpx
import pytest

from tests.helpers.api import assert_error
from tests.helpers.payouts import RETURN_URL


@pytest.mark.parametrize("field", ["returnUrl", "refreshUrl"])
@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example/back",
        "https://app.example.attacker.example/back",
        "https://app.example:8443/back",
        "http://app.example/back",
    ],
)
def test_a_url_off_the_allowed_origins_is_refused(live_api, stripe_connect, field, url):
    before = len(stripe_connect.requests)
    assert_error(
        live_api.post("/v1/connect/onboarding", {field: url}), 400, "invalid_request", field
    )
    assert len(stripe_connect.requests) == before


def test_project_origins_and_operator_urls_are_accepted(live_api, stripe_connect):
    response = live_api.post(
        "/v1/connect/onboarding",
        {"returnUrl": "https://app.example/settings/payouts", "refreshUrl": RETURN_URL + "?x=1"},
    )
    assert response.status_code == 200, response.content
    params = stripe_connect.requests[-1].params
    assert params["return_url"] == "https://app.example/settings/payouts"
    assert params["refresh_url"] == RETURN_URL + "?x=1"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_live_attacker_return_url_is_refused(live_server_url, live_secret_key):
    with httpx.Client(base_url=live_server_url, timeout=10) as http:
        response = http.post(
            "/v1/connect/onboarding",
            json={"returnUrl": "https://attacker.example/back"},
            headers={"Authorization": f"Bearer {live_secret_key}"},
        )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "returnUrl"
