"""A session's absolute lifetime (issue 19, must-fix 4): refresh cannot keep a token alive forever.

What this proves: refreshing a 60 s token every 25 s stops at the project's lifetime (or the
operator's default, EMBEDDED_SESSION_MAX_LIFETIME_SECONDS): no refresh gives an expiry past
minting + lifetime, and once there the token is refused (401 `session_expired`) and so is any
further refresh; and the same against a live daphne.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from unittest import mock

import httpx
import pytest
from django.utils import timezone

from sessions_app.models import EmbeddedSession
from tests.helpers.api import assert_error


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def __call__(self):
        return self.now


def _expires(payload: dict) -> datetime:
    return datetime.fromisoformat(payload["expiresAt"].replace("Z", "+00:00"))


def _refresh_chain(api, clock: Clock, lifetime: int) -> None:
    with mock.patch("django.utils.timezone.now", clock):
        minted_at = clock.now
        session = api.post("/v1/sessions", {"customer": "user_1", "ttlSeconds": 60}).json()
        token = session["sessionToken"]
        end = minted_at + timedelta(seconds=lifetime)
        refreshes = 0
        while True:
            clock.advance(25)
            response = api.as_key(token).post("/v1/sessions/refresh")
            if clock.now >= end:
                assert_error(response, 401, "session_expired")
                break
            assert response.status_code == 200, response.content
            refreshes += 1
            assert _expires(response.json()) <= end
            token = response.json()["sessionToken"]
        assert refreshes == (lifetime - 1) // 25
        assert_error(api.as_key(token).get("/v1/wallet"), 401, "session_expired")
        clock.advance(3600)
        assert_error(api.as_key(token).post("/v1/sessions/refresh"), 401, "session_expired")


@pytest.mark.django_db
def test_refresh_chain_stops_at_the_projects_lifetime(api, project):
    project.session_max_lifetime_seconds = 130
    project.save(update_fields=["session_max_lifetime_seconds"])
    _refresh_chain(api, Clock(), 130)


@pytest.mark.django_db
def test_refresh_chain_stops_at_the_operators_default(api, settings):
    settings.EMBEDDED_SESSION_MAX_LIFETIME_SECONDS = 100
    _refresh_chain(api, Clock(), 100)


@pytest.mark.django_db
def test_mint_never_expires_after_the_lifetime(api, project):
    project.session_max_lifetime_seconds = 60
    project.save(update_fields=["session_max_lifetime_seconds"])
    minted = api.post("/v1/sessions", {"customer": "user_1", "ttlSeconds": 3600}).json()
    session = EmbeddedSession.objects.get(pk=minted["id"])
    assert session.expires_at <= session.created_at + timedelta(seconds=61)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_live_refresh_chain_stops_at_the_absolute_lifetime(live_server_url, secret_key, project):
    project.session_max_lifetime_seconds = 600
    project.save(update_fields=["session_max_lifetime_seconds"])
    with httpx.Client(base_url=live_server_url, timeout=10) as http:
        minted = http.post(
            "/v1/sessions",
            json={"customer": "user_1", "ttlSeconds": 60},
            headers={"Authorization": f"Bearer {secret_key}"},
        ).json()
        # As if minted almost 10 minutes ago (refreshed all along): 2 s of lifetime are left.
        EmbeddedSession.objects.filter(pk=minted["id"]).update(
            created_at=timezone.now() - timedelta(seconds=598)
        )
        refreshed = http.post(
            "/v1/sessions/refresh", headers={"Authorization": f"Bearer {minted['sessionToken']}"}
        )
        assert refreshed.status_code == 200, refreshed.text
        assert _expires(refreshed.json()) <= timezone.now() + timedelta(seconds=3)
        token = refreshed.json()["sessionToken"]
        time.sleep(2.5)
        again = http.post("/v1/sessions/refresh", headers={"Authorization": f"Bearer {token}"})
        assert again.status_code == 401
        assert again.json()["error"]["code"] == "session_expired"


@pytest.mark.django_db
def test_an_empty_models_scope_means_the_projects_default_list(api, project):
    """Issue 19 (hardening): `scope.models: []` is not "every model"."""
    project.default_allowed_models = ["test/echo"]
    project.save(update_fields=["default_allowed_models"])
    minted = api.post("/v1/sessions", {"customer": "user_1", "scope": {"models": []}}).json()
    assert minted["scope"]["models"] == ["test/echo"]
    assert EmbeddedSession.objects.get(pk=minted["id"]).allowed_models == ["test/echo"]
