"""Keys and session tokens: stored only as SHA-256 hashes, looked up by the hash, compared with
`hmac.compare_digest`; the plaintext never reaches the database."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from llmgateway.models import ApiKey
from sessions_app import authentication
from sessions_app.models import EmbeddedSession
from tests.helpers.api import ApiClient, assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def compare_calls(monkeypatch) -> list[tuple[str, str]]:
    """Every call authentication makes to hmac.compare_digest (which still does the work)."""
    calls: list[tuple[str, str]] = []
    real_compare = hmac.compare_digest

    def counting_compare(left, right):
        calls.append((left, right))
        return real_compare(left, right)

    monkeypatch.setattr(authentication.hmac, "compare_digest", counting_compare)
    return calls


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_secret_key_is_found_by_its_hash_and_compared_in_constant_time(
    client, secret_key, compare_calls
):
    with CaptureQueriesContext(connection) as queries:
        response = ApiClient(client, secret_key).get("/v1/customers")
    assert response.status_code == 200
    assert compare_calls == [(_sha256(secret_key), _sha256(secret_key))]
    sql = "\n".join(query["sql"] for query in queries.captured_queries)
    assert secret_key not in sql
    assert _sha256(secret_key) in sql


def test_session_token_is_found_by_its_hash_and_compared_in_constant_time(
    client, mint_session, compare_calls
):
    token = mint_session()["sessionToken"]
    compare_calls.clear()
    with CaptureQueriesContext(connection) as queries:
        response = ApiClient(client, token).get("/v1/wallet")
    assert response.status_code == 200
    assert compare_calls == [(_sha256(token), _sha256(token))]
    sql = "\n".join(query["sql"] for query in queries.captured_queries)
    assert token not in sql
    assert _sha256(token) in sql


@pytest.mark.parametrize(
    "token",
    ["sk_test_" + "x" * 48, "sk_live_" + "y" * 48, "es_test_" + "z" * 48, "es_live_" + "w" * 48],
)
def test_unknown_tokens_are_refused_without_touching_a_plaintext_column(client, db, token):
    with CaptureQueriesContext(connection) as queries:
        response = ApiClient(client, token).get("/v1/customers")
    assert_error(response, 401, "invalid_api_key")
    sql = "\n".join(query["sql"] for query in queries.captured_queries)
    assert token not in sql


def test_no_plaintext_key_or_token_is_stored(client, secret_key, mint_session):
    token = mint_session()["sessionToken"]
    api_key = ApiKey.objects.get(key_hash=_sha256(secret_key))
    session = EmbeddedSession.objects.get(token_hash=_sha256(token))
    stored = [str(value) for value in vars(api_key).values()]
    stored += [str(value) for value in vars(session).values()]
    assert not any(secret_key in value or token in value for value in stored)
    # The display prefix shows the mode and a few characters, never enough to guess the rest.
    assert secret_key.startswith(api_key.display_prefix)
    assert len(secret_key) - len(api_key.display_prefix) >= 32
