"""@llmgateway-sdk/server (sdk/js/packages/server) under Node's test runner against a live daphne:
mint, refresh and revoke sessions, credit with idempotency keys, ledger pages, customers, typed
errors, and a real webhook delivery verified with `webhooks.constructEvent`; then its tests that
need no gateway (retries, error classes, signatures, ESM and CommonJS)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.sdk_js.node_tools import SDK_JS, require_node, tap_counts

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NODE_TIMEOUT_SECONDS = 180
LIVE_TESTS = 7
OFFLINE_TESTS = 7


def test_server_package_suite_passes_against_the_live_server(
    sdk_workspace, live_server_url, secret_key, funded_organization
):
    from tests.helpers.money import assert_ledger_ok

    node, _ = require_node()
    completed = subprocess.run(
        [node, "--test", "--test-reporter=tap", "tests/server/"],
        env={
            **os.environ,
            "LLMGATEWAY_BASE_URL": live_server_url,
            "LLMGATEWAY_SECRET_KEY": secret_key,
        },
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_SECONDS,
        cwd=SDK_JS,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    counts = tap_counts(output)
    assert (counts["pass"], counts["fail"], counts["skipped"]) == (
        LIVE_TESTS + OFFLINE_TESTS,
        0,
        0,
    ), output
    assert_ledger_ok()
