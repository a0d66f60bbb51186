"""The browser client (@llmgateway-sdk/client, sdk/js/packages/client) under Node's test runner,
against a live daphne (and, for its error reasons and retry policy, against loopback servers of
its own). It needs no install: the tests import its source."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess

import httpx
import pytest
from django.conf import settings

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NODE = shutil.which("node")
NODE_TESTS = settings.BASE_DIR / "sdk" / "js" / "tests" / "client"
NODE_TIMEOUT_SECONDS = 180
FUNDS_NANOS = 5_000_000_000


def _mint(live_server_url: str, secret_key: str, customer: str) -> dict:
    response = httpx.post(
        f"{live_server_url}/v1/sessions",
        json={"customer": customer},
        headers={"Authorization": f"Bearer {secret_key}"},
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.skipif(NODE is None, reason="needs Node.js 20+ on the PATH")
def test_node_client_suite_passes_against_the_live_server(live_server_url, secret_key):
    from sessions_app.models import EmbeddedSession
    from tests.helpers.money import assert_ledger_ok
    from wallets import services

    funded = _mint(live_server_url, secret_key, "node_funded")
    services.wallet_credit(
        wallet_id=funded["walletId"],
        amount_nanos=FUNDS_NANOS,
        description="node client tests",
        actor="tests",
    )
    expired = _mint(live_server_url, secret_key, "node_expired")
    EmbeddedSession.objects.filter(pk=expired["id"]).update(
        expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)
    )
    env = {
        **os.environ,
        "LLMGATEWAY_BASE_URL": live_server_url,
        "LLMGATEWAY_SECRET_KEY": secret_key,
        "LLMGATEWAY_SESSION": json.dumps(funded),
        "LLMGATEWAY_EXPIRED_SESSION_TOKEN": expired["sessionToken"],
    }
    completed = subprocess.run(
        [NODE, "--experimental-websocket", "--test", "--test-reporter=tap", str(NODE_TESTS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_SECONDS,
        cwd=settings.BASE_DIR,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "# fail 0" in output, output
    assert "# skipped 0" in output, output  # every test ran against the server
    # 9 against the live server, 7 on the error reasons, the retry policy and renewals.
    assert "# pass 16" in output, output
    assert_ledger_ok()
