"""schemathesis against /v1/openapi.json: every operation, with real sk and es keys, no 500s and
no response that breaks the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from llmgateway.services import api_key_create
from sessions_app.services import session_mint
from tests.factories import USD
from wallets import services as wallet_services
from wallets.models import Customer

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
SESSION_OPERATIONS = {
    "sessions_refresh",
    "wallet_own",
    "wallet_topups_create",
    "wallet_topups_retrieve",
    "wallet_topups_simulate",
}
# Live-mode only past the mode check: fuzzed with a live key too (Stripe isn't configured, so
# nothing leaves the machine; they must still never answer a 5xx).
LIVE_OPERATIONS = {"payouts_create", "payouts_list", "payouts_retrieve", "connect_status_retrieve"}
EXAMPLES_PER_OPERATION = 25
# Stateful runs (schema.as_state_machine()) follow OpenAPI links, which the schema doesn't
# define yet; the tenancy and lifecycle tests cover create-then-use sequences instead.


@pytest.fixture
def keep_test_connection():
    """A bare WSGI call closes the DB connection at request end; the test's must stay open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_setup(project, settings, keep_test_connection):
    settings.RATE_LIMIT_SECRET_KEY_PER_MINUTE = 0
    settings.RATE_LIMIT_SESSION_PER_MINUTE = 0
    wallet_services.organization_credit_grant(
        organization_id=project.organization_id,
        amount_nanos=1000 * USD,
        reason="fuzz",
        livemode=False,
    )
    secret_key = api_key_create(project=project, livemode=False)[1]
    live_secret_key = api_key_create(project=project, livemode=True)[1]
    session, _ = session_mint(project=project, livemode=False, external_id="fuzz_user")
    real_ids = {
        "live_secret_key": live_secret_key,
        "customer_id": session.customer_id,
        "wallet_id": session.wallet_id,
        "session_id": session.pk,
    }
    return project, secret_key, real_ids


def test_every_operation_survives_fuzzing(fuzz_setup):
    project, secret_key, real_ids = fuzz_setup
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    operation_ids = {operation.definition.raw.get("operationId") for operation in operations}
    assert LIVE_OPERATIONS | {"connect_onboarding_create"} <= operation_ids
    failures = []

    for operation in operations:
        try:
            _fuzz(operation, project=project, secret_key=secret_key, real_ids=real_ids)
            if operation.definition.raw.get("operationId") in LIVE_OPERATIONS:
                live_key = real_ids["live_secret_key"]
                _fuzz(operation, project=project, secret_key=live_key, real_ids=real_ids)
        except Exception as error:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")

    assert not failures, "\n\n".join(failures)


def _fuzz(operation, *, project, secret_key: str, real_ids: dict) -> None:
    operation_id = operation.definition.raw.get("operationId")

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), use_real_ids=st.booleans())
    def run(case, use_real_ids):
        if use_real_ids and case.path_parameters:
            for name in case.path_parameters:
                if name in real_ids:
                    case.path_parameters[name] = real_ids[name]
        if operation_id in SESSION_OPERATIONS:
            # A fresh session per case: refresh retires the token it is called with, and the
            # PATCH /v1/customers fuzzing may have blocked the fuzz user.
            Customer.objects.filter(pk=real_ids["customer_id"]).update(status="active")
            _, token = session_mint(project=project, livemode=False, external_id="fuzz_user")
        else:
            token = secret_key
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    run()
