"""The three npm packages as an app gets them: `tsc --noEmit` in strict mode accepts their
types through each package's exports (ESM and CommonJS), `npm pack` gives tarballs with the
types and without tests, and — the acceptance — the packed server package, installed into an
empty Node project, mints a session on a live gateway with the seed example's exact code."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.sdk_js.node_tools import PACKAGES, SDK_JS, require_node

NPM_TIMEOUT_SECONDS = 300
TSC_TIMEOUT_SECONDS = 300
EXPECTED_FILES = {
    "server": {
        "package.json",
        "README.md",
        "src/index.cjs",
        "src/index.mjs",
        "src/index.d.cts",
        "src/index.d.mts",
        "src/client.cjs",
        "src/errors.cjs",
        "src/http.cjs",
        "src/pagination.cjs",
        "src/resources.cjs",
        "src/version.cjs",
        "src/webhooks.cjs",
    },
    "client": {"package.json", "README.md", "src/client.js", "src/client.d.ts"},
    "elements": {
        "package.json",
        "README.md",
        "src/client.js",
        "src/client.d.ts",
        "src/elements.js",
        "src/elements.d.ts",
        "src/elements-style.js",
        "src/elements-style.d.ts",
        "src/react.js",
        "src/react.d.ts",
    },
}
# The seed example's server code, as docs/quickstart.md and the Next.js example's route use it.
MINT_WITH_THE_SEED_CODE = """
import { LLMGateway } from "@llmgateway-sdk/server";

const gateway = new LLMGateway({
  secretKey: process.env.LLMGATEWAY_SECRET_KEY,
  baseUrl: process.env.LLMGATEWAY_URL,
});
const { sessionToken, walletId, expiresAt } = await gateway.sessions.create({
  customer: { externalId: "user_from_the_tarball" },
  scope: { models: ["test/echo"] },
});
console.log(JSON.stringify({ sessionToken, walletId, expiresAt }));
"""


def test_the_types_pass_strict_tsc(sdk_workspace):
    completed = subprocess.run(
        [str(SDK_JS / "node_modules" / ".bin" / "tsc"), "-p", "tsconfig.json"],
        cwd=SDK_JS,
        capture_output=True,
        text=True,
        timeout=TSC_TIMEOUT_SECONDS,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("package", sorted(EXPECTED_FILES))
def test_npm_pack_holds_the_sources_and_types_and_no_tests(package, tmp_path):
    _, npm = require_node()
    completed = subprocess.run(
        [npm, "pack", "--json", "--pack-destination", str(tmp_path)],
        cwd=PACKAGES / package,
        capture_output=True,
        text=True,
        check=True,
        timeout=NPM_TIMEOUT_SECONDS,
    )
    (packed,) = json.loads(completed.stdout)
    assert packed["name"] == f"@llmgateway-sdk/{package}"
    assert {entry["path"] for entry in packed["files"]} == EXPECTED_FILES[package]
    assert (tmp_path / packed["filename"]).exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_packed_server_package_mints_a_session_in_an_empty_project(
    live_server_url, secret_key, tmp_path
):
    node, npm = require_node()
    packed = subprocess.run(
        [npm, "pack", "--json", "--pack-destination", str(tmp_path)],
        cwd=PACKAGES / "server",
        capture_output=True,
        text=True,
        check=True,
        timeout=NPM_TIMEOUT_SECONDS,
    )
    tarball = tmp_path / json.loads(packed.stdout)[0]["filename"]
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text(
        json.dumps({"name": "app", "private": True, "type": "module"})
    )
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", str(tarball)],
        cwd=app,
        check=True,
        timeout=NPM_TIMEOUT_SECONDS,
    )
    (app / "mint.mjs").write_text(MINT_WITH_THE_SEED_CODE)
    minted = subprocess.run(
        [node, "mint.mjs"],
        cwd=app,
        env={
            "PATH": os.environ["PATH"],
            "LLMGATEWAY_SECRET_KEY": secret_key,
            "LLMGATEWAY_URL": live_server_url,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert minted.returncode == 0, minted.stdout + minted.stderr
    session = json.loads(minted.stdout)
    assert session["sessionToken"].startswith("es_test_")
    assert session["walletId"].startswith("wal_")
    from sessions_app.models import EmbeddedSession

    minted_here = EmbeddedSession.objects.get(customer__external_id="user_from_the_tarball")
    assert minted_here.wallet_id == session["walletId"]
