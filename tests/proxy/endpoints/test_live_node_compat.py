"""Node acceptance: the `openai` npm package and the Vercel AI SDK (`ai` + `@ai-sdk/openai`,
default provider, i.e. the Responses API) against a live daphne and the loopback OpenAI fake,
through a secret key and a session token; every usage the clients saw is billed to the nano.

The Node suite (tests/node_compat/responses.test.mjs) is installed from that directory's
package-lock.json with `npm ci` when node_modules is missing or older than the lock."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from django.conf import settings

from tests.helpers.gateway import expected_cost
from tests.proxy.endpoints.test_live_openai_fidelity import Payer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NODE = shutil.which("node")
NPM = shutil.which("npm")
SUITE = settings.BASE_DIR / "tests" / "node_compat"
MODEL = "openai/gpt-4o-mini"
NODE_TIMEOUT_SECONDS = 180
NPM_TIMEOUT_SECONDS = 600
TESTS_IN_SUITE = 8
WEATHER_CALL = [{"name": "get_weather", "arguments": '{"city": "Paris", "unit": "celsius"}'}]


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The suite's packages, exactly as package-lock.json pins them."""
    if NODE is None or NPM is None:
        message = "Node.js 20+ and npm are needed for the Node acceptance suite (tests/node_compat)"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    modules = SUITE / "node_modules"
    installed = modules / ".package-lock.json"  # npm writes it on every install
    lock = SUITE / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            [NPM, "ci", "--no-audit", "--no-fund"],
            cwd=SUITE,
            check=True,
            timeout=NPM_TIMEOUT_SECONDS,
        )
    return modules


def _run_suite(live_server_url: str, key: str, usage_log: Path) -> str:
    env = {
        **os.environ,
        "LLMGATEWAY_BASE_URL": live_server_url,
        "LLMGATEWAY_API_KEY": key,
        "LLMGATEWAY_MODEL": MODEL,
        "LLMGATEWAY_USAGE_LOG": str(usage_log),
    }
    completed = subprocess.run(
        [NODE, "--test", "--test-reporter=tap", "responses.test.mjs"],
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_SECONDS,
        cwd=SUITE,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert f"# pass {TESTS_IN_SUITE}" in output and "# fail 0" in output, output
    return output


@pytest.mark.parametrize("kind", ["sk", "es"])
def test_node_clients_pass_and_every_request_is_billed_exactly(
    node_modules, live_server_url, project, funded_session, fake_openai, tmp_path, kind
):
    from proxy.models import RequestLog
    from tests.helpers.money import assert_ledger_ok
    from wallets.models import Hold

    payer = Payer(kind, project=project, funded_session=funded_session)
    fake_openai.tool_calls = WEATHER_CALL
    usage_log = tmp_path / "usage.jsonl"

    _run_suite(live_server_url, payer.key, usage_log)

    usages = [json.loads(line) for line in usage_log.read_text().splitlines()]
    assert len(usages) == 9  # the billed requests whose usage the clients reported
    costs = [
        expected_cost(
            MODEL,
            {
                "prompt_tokens": usage["input_tokens"],
                "completion_tokens": usage["output_tokens"],
                "prompt_tokens_details": {"cached_tokens": usage["cached_tokens"]},
            },
        )
        for usage in usages
    ]
    assert all(cost > 0 for cost in costs)
    assert Hold.objects.exclude(status="settled").count() == 0
    assert payer.spent_nanos() == sum(costs)
    logged = RequestLog.objects.filter(endpoint="responses", outcome="completed")
    assert sorted(logged.values_list("cost_nanos", flat=True)) == sorted(costs)
    assert_ledger_ok()
