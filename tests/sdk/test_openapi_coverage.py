"""Every secret-key endpoint in the OpenAPI schema has an SDK method on both Python clients and
on the Node server package (@llmgateway-sdk/server), and each SDK sends that operation's method
to that operation's path (the Node package's requests are recorded by node_operations.mjs)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator
from llmgateway_server import AsyncLLMGateway, LLMGateway
from llmgateway_server import _operations as ops

from tests.sdk_js.node_tools import require_node

ID = "obj_1"
# Operations the server SDK leaves out on purpose: the browser's (es_ token), the public ones, and
# the OpenAI-compatible ones, which the official `openai` library calls (docs/sdk-python.md).
NOT_SERVER_SDK = {
    "chat_completions_create",
    "responses_create",
    "embeddings_create",
    "images_generate",
    "models_list",
    "models_retrieve",
    "config_retrieve",
    "sessions_refresh",
    "wallet_own",
    "wallet_topups_create",
    "wallet_topups_retrieve",
    "wallet_topups_simulate",
}
PAGE = {"limit": None, "cursor": None}
SDK_OPERATIONS = {
    "sessions_create": ("sessions.create", lambda: ops.session_create(customer="u")),
    "sessions_revoke": ("sessions.revoke", lambda: ops.session_revoke(ID)),
    "customers_list": ("customers.list", lambda: ops.customer_list(**PAGE, email=None)),
    "customers_create": (
        "customers.create",
        lambda: ops.customer_create(external_id="u", email=None, name=None, metadata=None),
    ),
    "customers_retrieve": ("customers.get", lambda: ops.customer_get(ID)),
    "customers_update": ("customers.update", lambda: ops.customer_update(ID, name="n")),
    "wallets_retrieve": ("wallets.get", lambda: ops.wallet_get(ID)),
    "wallets_credit": (
        "wallets.credit",
        lambda: ops.wallet_credit(ID, amount="1", reason=None, idempotency_key=None),
    ),
    "wallets_ledger": ("wallets.ledger", lambda: ops.wallet_ledger(ID, **PAGE)),
    "balance_retrieve": ("balance.get", ops.balance_get),
    "api_keys_current": ("api_keys.current", ops.api_key_current),
    "payouts_create": (
        "payouts.create",
        lambda: ops.payout_create(amount=None, idempotency_key=None),
    ),
    "payouts_list": ("payouts.list", lambda: ops.payout_list(**PAGE)),
    "payouts_retrieve": ("payouts.get", lambda: ops.payout_get(ID)),
    "connect_onboarding_create": (
        "connect.onboarding",
        lambda: ops.connect_onboarding(return_url=None, refresh_url=None),
    ),
    "connect_status_retrieve": ("connect.status", ops.connect_status),
    "webhook_endpoints_create": (
        "webhook_endpoints.create",
        lambda: ops.webhook_endpoint_create(url="https://x.example", events=None),
    ),
    "webhook_endpoints_list": ("webhook_endpoints.list", lambda: ops.webhook_endpoint_list(**PAGE)),
    "webhook_endpoints_retrieve": ("webhook_endpoints.get", lambda: ops.webhook_endpoint_get(ID)),
    "webhook_endpoints_delete": (
        "webhook_endpoints.delete",
        lambda: ops.webhook_endpoint_delete(ID),
    ),
}


@pytest.fixture(scope="module")
def schema_operations() -> dict[str, tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        operation["operationId"]: (method.upper(), path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }


def test_every_secret_key_operation_has_an_sdk_method(schema_operations):
    assert set(schema_operations) - NOT_SERVER_SDK == set(SDK_OPERATIONS)


@pytest.mark.parametrize("operation_id", sorted(SDK_OPERATIONS))
def test_the_sdk_call_matches_the_schema(schema_operations, operation_id):
    attribute, build = SDK_OPERATIONS[operation_id]
    method, template = schema_operations[operation_id]
    call = build()

    assert (call.method, call.path) == (method, re.sub(r"\{[^}]+\}", ID, template))
    for client in (LLMGateway(api_key="sk_test_x"), AsyncLLMGateway(api_key="sk_test_x")):
        resource_name, method_name = attribute.split(".")
        assert callable(getattr(getattr(client, resource_name), method_name))


# The Node package also calls the session-token operations a backend may make for its users:
# refreshing a session and the wallet's top-ups (`gateway.topUps`, given the session).
NOT_NODE_SERVER_SDK = NOT_SERVER_SDK - {
    "sessions_refresh",
    "wallet_topups_create",
    "wallet_topups_retrieve",
    "wallet_topups_simulate",
}
SESSION = "es_test_x"
NODE_OPERATIONS = {
    "sessions_create": ("sessions.create", [{"customer": "u"}]),
    "sessions_refresh": ("sessions.refresh", [SESSION]),
    "sessions_revoke": ("sessions.revoke", [ID]),
    "customers_list": ("customers.list", []),
    "customers_create": ("customers.create", [{"externalId": "u"}]),
    "customers_retrieve": ("customers.get", [ID]),
    "customers_update": ("customers.update", [ID, {"name": "n"}]),
    "wallets_retrieve": ("wallets.get", [ID]),
    "wallets_credit": ("wallets.credit", [ID, {"amount": "1"}]),
    "wallets_ledger": ("wallets.ledger", [ID]),
    "wallet_topups_create": ("topUps.create", [{"session": SESSION, "amount": "10"}]),
    "wallet_topups_retrieve": ("topUps.get", [ID, {"session": SESSION}]),
    "wallet_topups_simulate": ("topUps.simulate", [ID, {"session": SESSION}]),
    "balance_retrieve": ("balance.get", []),
    "api_keys_current": ("apiKeys.current", []),
    "payouts_create": ("payouts.create", []),
    "payouts_list": ("payouts.list", []),
    "payouts_retrieve": ("payouts.get", [ID]),
    "connect_onboarding_create": ("connect.onboarding", []),
    "connect_status_retrieve": ("connect.status", []),
    "webhook_endpoints_create": ("webhookEndpoints.create", [{"url": "https://x.example"}]),
    "webhook_endpoints_list": ("webhookEndpoints.list", []),
    "webhook_endpoints_retrieve": ("webhookEndpoints.get", [ID]),
    "webhook_endpoints_delete": ("webhookEndpoints.delete", [ID]),
}
NODE_RECORDER = Path(__file__).with_name("node_operations.mjs")


@pytest.fixture(scope="module")
def node_requests() -> dict[str, list[str]]:
    """{operationId: [method, path]} as the Node package sent them, one node run for all."""
    node, _ = require_node()
    calls = [[operation, *NODE_OPERATIONS[operation]] for operation in sorted(NODE_OPERATIONS)]
    completed = subprocess.run(
        [node, str(NODE_RECORDER)],
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_every_secret_key_operation_has_a_node_sdk_method(schema_operations):
    assert set(schema_operations) - NOT_NODE_SERVER_SDK == set(NODE_OPERATIONS)


@pytest.mark.parametrize("operation_id", sorted(NODE_OPERATIONS))
def test_the_node_sdk_call_matches_the_schema(schema_operations, node_requests, operation_id):
    method, template = schema_operations[operation_id]

    assert node_requests[operation_id] == [method, re.sub(r"\{[^}]+\}", ID, template)]
