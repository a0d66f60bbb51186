"""Every API operation the SDK knows, as a `Call`: path, body, and the parser of its answer.

The sync and async resources are thin wrappers around these builders, so both clients send
the same requests and build the same objects.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from llmgateway_server import models
from llmgateway_server._core import Call, camel_case, drop_none, path_segment, usd_string
from llmgateway_server.pagination import PageData, page_parser

Amount = Decimal | str | int


def _one(parse: Any) -> Any:
    return lambda body, status: parse(body)


def _list_params(limit: int | None, cursor: str | None, **extra: Any) -> dict[str, Any]:
    return drop_none({"limit": limit, "cursor": cursor, **extra})


def new_idempotency_key() -> str:
    return f"sdk_{uuid.uuid4().hex}"


# --- Sessions ---------------------------------------------------------------------------------


def _customer_reference(customer: str | Mapping[str, Any]) -> str | dict[str, Any]:
    if isinstance(customer, str):
        return customer
    if isinstance(customer, Mapping):
        return {camel_case(key): value for key, value in customer.items() if value is not None}
    raise TypeError("customer must be an external id string or a dict with external_id")


def _scope(scope: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in scope.items():
        if value is None:  # absent and null mean the same: the project's defaults, no cap
            continue
        name = camel_case(key)
        if name == "models":
            value = list(value)
        elif name == "maxSpend":
            value = usd_string(value)
        body[name] = value
    return body


def session_create(
    *,
    customer: str | Mapping[str, Any],
    scope: Mapping[str, Any] | None = None,
    ttl_seconds: int | None = None,
) -> Call[models.Session]:
    body: dict[str, Any] = {"customer": _customer_reference(customer)}
    if scope is not None:
        body["scope"] = _scope(scope)
    if ttl_seconds is not None:
        body["ttlSeconds"] = ttl_seconds
    return Call("POST", "/v1/sessions", _one(models.Session.from_dict), json=body)


def session_revoke(session_id: str) -> Call[models.RevokedSession]:
    path = f"/v1/sessions/{path_segment(session_id)}"
    return Call("DELETE", path, _one(models.RevokedSession.from_dict))


# --- Customers --------------------------------------------------------------------------------


def customer_list(
    *, limit: int | None, cursor: str | None, email: str | None
) -> Call[PageData[models.Customer]]:
    params = _list_params(limit, cursor, email=email)
    return Call("GET", "/v1/customers", page_parser(models.Customer.from_dict), params=params)


def customer_get(customer_id: str) -> Call[models.Customer]:
    path = f"/v1/customers/{path_segment(customer_id)}"
    return Call("GET", path, _one(models.Customer.from_dict))


def customer_create(
    *,
    external_id: str,
    email: str | None,
    name: str | None,
    metadata: Mapping[str, Any] | None,
) -> Call[models.Customer]:
    body = drop_none({"externalId": external_id, "email": email, "name": name})
    if metadata is not None:
        body["metadata"] = dict(metadata)
    return Call("POST", "/v1/customers", _one(models.Customer.from_dict), json=body)


def customer_update(
    customer_id: str,
    *,
    email: str | None = None,
    name: str | None = None,
    status: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Call[models.Customer]:
    body = drop_none({"email": email, "name": name, "status": status})
    if metadata is not None:
        body["metadata"] = dict(metadata)
    path = f"/v1/customers/{path_segment(customer_id)}"
    return Call("PATCH", path, _one(models.Customer.from_dict), json=body)


# --- Wallets ----------------------------------------------------------------------------------


def wallet_get(wallet_id: str) -> Call[models.Wallet]:
    return Call("GET", f"/v1/wallets/{path_segment(wallet_id)}", _one(models.Wallet.from_dict))


def wallet_credit(
    wallet_id: str, *, amount: Amount, reason: str | None, idempotency_key: str | None
) -> Call[models.WalletCredit]:
    # Always keyed, so a retry after a lost answer can never grant twice.
    key = idempotency_key or new_idempotency_key()
    body = drop_none({"amount": usd_string(amount), "reason": reason, "idempotencyKey": key})

    def parse(data: Any, status: int) -> models.WalletCredit:
        return models.WalletCredit.from_dict(data, replayed=status == 200)

    path = f"/v1/wallets/{path_segment(wallet_id)}/credits"
    return Call("POST", path, parse, json=body, idempotency_key=key)


def wallet_ledger(
    wallet_id: str, *, limit: int | None, cursor: str | None
) -> Call[PageData[models.LedgerEntry]]:
    path = f"/v1/wallets/{path_segment(wallet_id)}/ledger"
    parse = page_parser(models.LedgerEntry.from_dict)
    return Call("GET", path, parse, params=_list_params(limit, cursor))


# --- The organization: balance, payouts, Connect ---------------------------------------------


def api_key_current() -> Call[models.ApiKey]:
    return Call("GET", "/v1/api-keys/current", _one(models.ApiKey.from_dict))


def balance_get() -> Call[models.Balance]:
    return Call("GET", "/v1/balance", _one(models.Balance.from_dict))


def payout_create(*, amount: Amount | None, idempotency_key: str | None) -> Call[models.Payout]:
    # Always keyed, like credits: a retried request returns the first payout, never a second.
    key = idempotency_key or new_idempotency_key()
    body: dict[str, Any] = {"idempotencyKey": key}
    if amount is not None:
        body["amount"] = usd_string(amount)

    def parse(data: Any, status: int) -> models.Payout:
        return models.Payout.from_dict(data, replayed=status == 200)

    return Call("POST", "/v1/payouts", parse, json=body, idempotency_key=key)


def payout_list(*, limit: int | None, cursor: str | None) -> Call[PageData[models.Payout]]:
    parse = page_parser(models.Payout.from_dict)
    return Call("GET", "/v1/payouts", parse, params=_list_params(limit, cursor))


def payout_get(payout_id: str) -> Call[models.Payout]:
    return Call("GET", f"/v1/payouts/{path_segment(payout_id)}", _one(models.Payout.from_dict))


def connect_onboarding(
    *, return_url: str | None, refresh_url: str | None
) -> Call[models.ConnectOnboarding]:
    body = drop_none({"returnUrl": return_url, "refreshUrl": refresh_url})
    parse = _one(models.ConnectOnboarding.from_dict)
    return Call("POST", "/v1/connect/onboarding", parse, json=body)


def connect_status() -> Call[models.ConnectStatus]:
    return Call("GET", "/v1/connect/status", _one(models.ConnectStatus.from_dict))


# --- Developer webhook endpoints -------------------------------------------------------------


def webhook_endpoint_create(
    *, url: str, events: Iterable[str] | None
) -> Call[models.WebhookEndpoint]:
    body: dict[str, Any] = {"url": url}
    if events is not None:
        body["events"] = list(events)
    parse = _one(models.WebhookEndpoint.from_dict)
    return Call("POST", "/v1/webhook-endpoints", parse, json=body)


def webhook_endpoint_list(
    *, limit: int | None, cursor: str | None
) -> Call[PageData[models.WebhookEndpoint]]:
    parse = page_parser(models.WebhookEndpoint.from_dict)
    return Call("GET", "/v1/webhook-endpoints", parse, params=_list_params(limit, cursor))


def webhook_endpoint_get(endpoint_id: str) -> Call[models.WebhookEndpoint]:
    path = f"/v1/webhook-endpoints/{path_segment(endpoint_id)}"
    return Call("GET", path, _one(models.WebhookEndpoint.from_dict))


def webhook_endpoint_delete(endpoint_id: str) -> Call[models.DeletedObject]:
    path = f"/v1/webhook-endpoints/{path_segment(endpoint_id)}"
    return Call("DELETE", path, _one(models.DeletedObject.from_dict))


# --- Anything else ----------------------------------------------------------------------------


def raw_request(
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None,
    json: Mapping[str, Any] | None,
    idempotency_key: str | None,
) -> Call[Any]:
    if not path.startswith("/"):
        raise ValueError("path starts with /, e.g. /v1/models")
    return Call(
        method.upper(),
        path,
        lambda body, status: body,
        params=params,
        json=json,
        idempotency_key=idempotency_key,
    )
