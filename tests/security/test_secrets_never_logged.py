"""No key, session token, webhook secret or Stripe key ever appears in a log line: in-process
with every logger at DEBUG, and in a live daphne's own log."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from llmgateway.services import api_key_create, api_key_revoke
from tests.helpers.money import USD
from tests.security.secret_flow import (
    STRIPE_LIVE_SECRET_KEY,
    Response,
    decode,
    run_flow,
)
from wallets import services as wallet_services


def _keys(project) -> dict[str, str]:
    for livemode in (False, True):
        wallet_services.organization_credit_grant(
            organization_id=project.organization_id,
            amount_nanos=100 * USD,
            reason="log test",
            livemode=livemode,
        )
    revoked, revoked_key = api_key_create(project=project, livemode=False)
    api_key_revoke(api_key_id=revoked.pk)
    return {
        "test_key": api_key_create(project=project, livemode=False)[1],
        "live_key": api_key_create(project=project, livemode=True)[1],
        "revoked_key": revoked_key,
    }


@pytest.mark.django_db(transaction=True)
def test_no_secret_is_logged_in_process_at_debug(
    client, project, settings, caplog, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    settings.STRIPE_LIVE_SECRET_KEY = STRIPE_LIVE_SECRET_KEY
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.REQUEST_LOG_FLUSH_SECONDS = 0
    keys = _keys(project)

    def send(method, path, body, token):
        headers = {"Authorization": token if " " in (token or "") else f"Bearer {token}"}
        response = client.generic(
            method, path, json.dumps(body) if body is not None else "", "application/json",
            headers=headers,
        )  # fmt: skip
        content = b"".join(response) if response.streaming else response.content
        return Response(response.status_code, decode(content))

    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        secrets = run_flow(send, **keys)

    assert len(caplog.records) > 0
    logged = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    logged += caplog.text
    assert secrets.found_in(logged) == [], logged


@pytest.fixture
def live_process_env(fake_openai_server):
    from tests.helpers.live import FAKE_OPENAI_API_KEY

    return {
        "OPENAI_BASE_URL": fake_openai_server.base_url,
        "OPENAI_API_KEY": FAKE_OPENAI_API_KEY,
        "LOG_LEVEL": "DEBUG",
        "WEBHOOK_ALLOW_HTTP_LOOPBACK": "true",
        "STRIPE_LIVE_SECRET_KEY": STRIPE_LIVE_SECRET_KEY,
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "REQUEST_LOG_FLUSH_SECONDS": "0",
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_no_secret_is_logged_by_a_live_daphne(asgi_server, project):
    from tests.helpers.live import FAKE_OPENAI_API_KEY

    keys = _keys(project)
    with httpx.Client(base_url=asgi_server.url, timeout=30) as http:

        def send(method, path, body, token):
            headers = {"Authorization": token if " " in (token or "") else f"Bearer {token}"}
            response = http.request(method, path, json=body, headers=headers)
            return Response(response.status_code, decode(response.content))

        secrets = run_flow(send, **keys)
        secrets.add(FAKE_OPENAI_API_KEY)
        _websocket_with_bad_and_good_tokens(asgi_server.ws_url, secrets, **keys)

    log = asgi_server.log_text()
    assert "HTTP POST /v1/sessions" in log or "/v1/sessions" in log  # it logged the requests
    assert secrets.found_in(log) == [], log


def _websocket_with_bad_and_good_tokens(ws_url, secrets, *, test_key, **_):
    import json

    from websockets.sync.client import connect

    response = httpx.post(
        ws_url.replace("ws", "http", 1) + "/v1/sessions",
        json={"customer": "ws_log_user"},
        headers={"Authorization": f"Bearer {test_key}"},
    )
    token = response.json()["sessionToken"]
    secrets.add(token)
    for sent in (token, "es_test_" + "WsBadToken" * 5):
        secrets.add(sent)
        with connect(ws_url + "/v1/ws", origin="https://app.example") as websocket:
            websocket.send(json.dumps({"type": "session.auth", "token": sent}))
            reply = json.loads(websocket.recv(timeout=10))
            assert reply["type"] in ("session.ready", "error")
