"""JSON nested deeper than Python's recursion limit is a 400 `invalid_request` on every kind of
endpoint (it used to escape the parsers as a RecursionError: a 500 with a traceback in the log)."""

from __future__ import annotations

import pytest

from tests.helpers.api import assert_error

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000
# Parses, but walking it (the NUL check, serializers) goes past the recursion limit.
NESTED_JUST_UNDER_THE_PARSER_LIMIT = '{"messages":' + "[" * 980 + "]" * 980 + "}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT, NESTED_JUST_UNDER_THE_PARSER_LIMIT])
@pytest.mark.parametrize(
    "path", ["/v1/chat/completions", "/v1/embeddings", "/v1/customers", "/v1/sessions"]
)
def test_deeply_nested_json_is_a_400(client, secret_key, path, body, caplog):
    response = client.post(
        path,
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret_key}"},
    )
    assert_error(response, 400, "invalid_request")
    assert "Traceback" not in caplog.text
