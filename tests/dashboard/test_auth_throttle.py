"""Log-in, password-reset and sign-up throttling (issue 19, must-fix 3).

What this proves: after 30 wrong passwords the right one is refused (429, a clear message, the
password not even checked) until the window passes, then it logs in; the per-address limit
stops guessing across many accounts; password reset is limited per email and per address and
sign-up per address, each with the message; and the log-in lockout against a live daphne.
"""

from __future__ import annotations

import re
import time
import uuid
from unittest import mock

import httpx
import pytest
from django.core import mail

from tests.helpers.dashboard import PASSWORD, make_user

LOGIN = "/dashboard/login/"


def _login(client, email, password):
    return client.post(LOGIN, {"username": email, "password": password})


@pytest.mark.django_db
def test_thirty_wrong_passwords_then_the_right_one_is_refused_until_the_window_passes(
    client, settings
):
    settings.AUTH_THROTTLE_WINDOW_SECONDS = 900
    make_user("ada@example.com")
    started = time.time()
    for _ in range(30):
        response = _login(client, "ada@example.com", "wrong-password")
        assert response.status_code in (200, 429)
    refused = _login(client, "ada@example.com", PASSWORD)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    # Still refused later in the window, and the address is refused for another account too.
    with mock.patch("dashboard.throttle.time.time", return_value=started + 600):
        assert _login(client, "ada@example.com", PASSWORD).status_code == 429
    # Once the window has passed (the counters expired), the right password logs in.
    from django.core.cache import cache

    from dashboard import throttle

    for scope, subject in (("login:account", "ada@example.com"), ("login:address", "127.0.0.1")):
        cache.delete(throttle._key(scope, subject))
    assert _login(client, "ada@example.com", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_lockout_ends_when_the_window_really_passes(client, settings):
    settings.AUTH_THROTTLE_WINDOW_SECONDS = 2
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    make_user("cy@example.com")
    for _ in range(3):
        _login(client, "cy@example.com", "nope")
    assert _login(client, "cy@example.com", PASSWORD).status_code == 429
    time.sleep(2.2)
    assert _login(client, "cy@example.com", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_account_limit_is_ten_failures_and_a_success_resets_it(client, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 10
    make_user("bob@example.com")
    for _ in range(9):
        assert _login(client, "bob@example.com", "nope").status_code == 200
    assert _login(client, "bob@example.com", PASSWORD).status_code == 302
    client.post("/dashboard/logout/")
    for _ in range(10):
        assert _login(client, "bob@example.com", "nope").status_code == 200
    assert _login(client, "bob@example.com", PASSWORD).status_code == 429
    # Email case and spaces do not make a fresh counter.
    assert _login(client, " BOB@example.com", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_one_address_guessing_many_accounts_is_stopped(client, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    make_user("eve-target@example.com")
    for index in range(20):
        _login(client, f"user{index}@example.com", "nope")
    assert _login(client, "eve-target@example.com", PASSWORD).status_code == 429
    other = client.__class__(REMOTE_ADDR="203.0.113.9")
    assert _login(other, "eve-target@example.com", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_password_reset_is_limited_per_email_and_per_address(client, settings):
    settings.PASSWORD_RESETS_PER_EMAIL = 3
    settings.PASSWORD_RESETS_PER_ADDRESS = 5
    make_user("ada@example.com")
    for _ in range(3):
        response = client.post("/dashboard/password-reset/", {"email": "ada@example.com"})
        assert response.status_code == 302
    refused = client.post("/dashboard/password-reset/", {"email": "ada@example.com"})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert len(mail.outbox) == 3
    for index in range(2):
        client.post("/dashboard/password-reset/", {"email": f"x{index}@example.com"})
    assert client.post("/dashboard/password-reset/", {"email": "y@example.com"}).status_code == 429


@pytest.mark.django_db
def test_signup_is_limited_per_address(client, settings):
    settings.SIGNUPS_PER_ADDRESS = 3
    for index in range(3):
        client.post("/dashboard/signup/", {"email": f"s{index}@example.com", "password": "x"})
    refused = client.post(
        "/dashboard/signup/",
        {
            "email": "new@example.com",
            "password": "a-long-pass-42-x",
            "password_again": "a-long-pass-42-x",
        },
    )
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()


@pytest.fixture
def live_process_env(live_process_env):
    return {**live_process_env, "AUTH_THROTTLE_NAMESPACE": uuid.uuid4().hex}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_live_thirty_wrong_passwords_then_the_right_one_is_refused(live_server_url):
    make_user("live@example.com")
    with httpx.Client(base_url=live_server_url, timeout=10) as http:
        page = http.get(LOGIN)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

        def login(password):
            return http.post(
                LOGIN,
                data={
                    "username": "live@example.com",
                    "password": password,
                    "csrfmiddlewaretoken": token,
                },
                headers={"Referer": live_server_url + LOGIN},
            )

        for _ in range(30):
            assert login("wrong-password").status_code in (200, 429)
        refused = login(PASSWORD)
        assert refused.status_code == 429
        assert "Too many attempts" in refused.text
