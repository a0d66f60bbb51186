"""What the SDK sends for amounts and builds from answers, seen on the wire of a loopback fake."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from llmgateway_server import InvalidRequestError, LLMGateway

from tests.sdk.fake_gateway import Answer
from tests.sdk.test_retries import CREDIT, KEY


def test_float_amounts_are_refused_before_anything_is_sent(fake_gateway):
    gateway = LLMGateway(api_key=KEY, base_url=fake_gateway.url)
    with pytest.raises(TypeError, match="not float"):
        gateway.wallets.credit("wal_1", amount=0.1)
    assert fake_gateway.requests == []


@pytest.mark.parametrize(
    ("amount", "sent"),
    [(Decimal("1E+1"), "10"), (Decimal("0.000000001"), "0.000000001"), (3, "3"), ("2.50", "2.50")],
)
def test_amounts_go_out_as_plain_decimal_strings(fake_gateway, amount, sent):
    fake_gateway.script(Answer(201, CREDIT))
    with LLMGateway(api_key=KEY, base_url=fake_gateway.url) as gateway:
        gateway.wallets.credit("wal_1", amount=amount)
    assert fake_gateway.requests[0].json()["amount"] == sent


def test_results_are_typed_and_keep_the_raw_json(fake_gateway):
    fake_gateway.script(Answer(200, CREDIT))
    with LLMGateway(api_key=KEY, base_url=fake_gateway.url) as gateway:
        credit = gateway.wallets.credit("wal_1", amount="2.00", idempotency_key="k")

    assert credit.replayed is True  # 200: the key matched an earlier grant
    assert credit.amount == Decimal("2.00") and isinstance(credit.balance, Decimal)
    assert credit.created_at == datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert credit.raw == CREDIT
    with pytest.raises(AttributeError):
        credit.amount = Decimal(0)  # frozen


def test_session_scope_and_customer_dict_are_sent_in_camel_case(fake_gateway):
    fake_gateway.script(Answer(400, {"error": {"code": "invalid_request", "message": "x"}}))
    gateway = LLMGateway(api_key=KEY, base_url=fake_gateway.url)
    with pytest.raises(InvalidRequestError):
        gateway.sessions.create(
            customer={"external_id": "u1", "email": "a@example.com", "name": None},
            scope={"models": ("test/echo",), "max_spend": Decimal("1.5"), "maxSpend": None},
            ttl_seconds=120,
        )
    assert fake_gateway.requests[0].json() == {
        "customer": {"externalId": "u1", "email": "a@example.com"},
        "scope": {"models": ["test/echo"], "maxSpend": "1.5"},
        "ttlSeconds": 120,
    }


def test_a_session_token_is_refused_as_the_sdk_key():
    with pytest.raises(ValueError, match="secret key"):
        LLMGateway(api_key="es_test_" + "a" * 32)
