"""Fixtures of the JS SDK tests: the npm workspace (sdk/js) and the Next.js example installed
from their lockfiles, the example built once per change, and a gateway whose test-mode webhooks
may go to loopback. The browser fixtures are tests/browser's."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.browser.conftest import (  # noqa: F401 (fixtures and the failure-screenshot hook)
    browser_page,
    chromium_browser,
    pytest_runtest_makereport,
)
from tests.sdk_js.node_tools import (
    NEXT_BUILD_INPUTS,
    NEXT_BUILD_STAMP,
    NEXT_BUILD_TIMEOUT_SECONDS,
    NEXTJS_EXAMPLE,
    PACKAGES,
    SDK_JS,
    exclusive,
    files_digest,
    npm_ci,
    require_node,
)


@pytest.fixture(scope="session")
def sdk_workspace() -> Path:
    """sdk/js with its node_modules (TypeScript, the types; the packages linked as workspaces)."""
    require_node()
    npm_ci(SDK_JS, inputs=sorted(PACKAGES.glob("*/package.json")))
    return SDK_JS


@pytest.fixture(scope="session")
def nextjs_example_build() -> Path:
    """examples/nextjs-embeddable-credits installed (`npm ci`, the packages copied in from
    sdk/js/packages) and built with `next build`: once per change of its inputs."""
    require_node()
    npm_ci(NEXTJS_EXAMPLE, inputs=[PACKAGES])
    digest = files_digest([NEXTJS_EXAMPLE / name for name in NEXT_BUILD_INPUTS] + [PACKAGES])
    with exclusive(NEXTJS_EXAMPLE / ".next"):
        if NEXT_BUILD_STAMP.exists() and NEXT_BUILD_STAMP.read_text() == digest:
            return NEXTJS_EXAMPLE
        # A fresh clone's build: no gateway URL, no secret key (both are read at run time).
        env = {key: value for key, value in os.environ.items() if not key.startswith("LLMGATEWAY_")}
        completed = subprocess.run(
            [str(NEXTJS_EXAMPLE / "node_modules" / ".bin" / "next"), "build"],
            cwd=NEXTJS_EXAMPLE,
            env={**env, "NEXT_TELEMETRY_DISABLED": "1"},
            capture_output=True,
            text=True,
            timeout=NEXT_BUILD_TIMEOUT_SECONDS,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
        NEXT_BUILD_STAMP.write_text(digest)
    return NEXTJS_EXAMPLE


@pytest.fixture
def live_process_env(live_process_env):
    # Test-mode webhook endpoints may point at a loopback receiver (docs/webhooks.md).
    return {**live_process_env, "WEBHOOK_ALLOW_HTTP_LOOPBACK": "true"}


@pytest.fixture
def funded_organization(project):
    """$100 of test-mode credits on the project's organization (what wallet grants draw on)."""
    from wallets import services

    services.organization_credit_grant(
        organization_id=project.organization_id,
        amount_nanos=100 * 10**9,
        reason="js sdk tests",
        livemode=False,
    )
    return project.organization
