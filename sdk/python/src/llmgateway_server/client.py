"""`LLMGateway`: the synchronous client and its resources (`client.customers.create(…)`)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import httpx

from llmgateway_server import _operations as ops
from llmgateway_server import models
from llmgateway_server._core import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT_SECONDS,
    Call,
    ClientConfig,
    connection_error,
    result_from_response,
)
from llmgateway_server.pagination import Page, PageData
from llmgateway_server.webhooks import Webhooks

T = TypeVar("T")


class LLMGateway:
    """The server-side client. Keep the secret key on your backend.

    >>> gateway = LLMGateway(api_key="sk_test_…", base_url="https://gateway.example")
    >>> session = gateway.sessions.create(customer="user_123")
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT_SECONDS,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
    ) -> None:
        self._config = ClientConfig(api_key, base_url, timeout, max_retries)
        self._owns_http_client = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        self.sessions = Sessions(self)
        self.customers = Customers(self)
        self.wallets = Wallets(self)
        self.balance = BalanceResource(self)
        self.api_keys = ApiKeys(self)
        self.payouts = Payouts(self)
        self.connect = Connect(self)
        self.webhook_endpoints = WebhookEndpoints(self)
        self.webhooks = Webhooks()

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def max_retries(self) -> int:
        return self._config.max_retries

    def close(self) -> None:
        if self._owns_http_client:
            self._http.close()

    def __enter__(self) -> LLMGateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<LLMGateway base_url={self.base_url!r}>"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Any endpoint the SDK has no method for; returns the decoded JSON answer."""
        call = ops.raw_request(
            method, path, params=params, json=json, idempotency_key=idempotency_key
        )
        return self._call(call)

    def _call(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            arguments = self._config.request_arguments(call)
            try:
                response = self._http.request(**arguments, timeout=self._config.timeout)
            except httpx.TransportError as error:
                delay = self._config.connection_retry_delay(call, attempt, error)
                if delay is None:
                    raise connection_error(error) from error
            else:
                delay = self._config.retry_delay(call, attempt, response)
                if delay is None:
                    return result_from_response(call, response)
                response.close()
            time.sleep(delay)
            attempt += 1

    def _page(self, call: Call[PageData[T]]) -> Page[T]:
        return Page(self._call(call), call, self._page)


class _Resource:
    def __init__(self, client: LLMGateway) -> None:
        self._client = client


class Sessions(_Resource):
    def create(
        self,
        *,
        customer: str | Mapping[str, Any],
        scope: Mapping[str, Any] | None = None,
        ttl_seconds: int | None = None,
    ) -> models.Session:
        """Mint a browser session. `customer` is your user's id, or
        `{"external_id", "email", "name"}`; `scope` is `{"models": [...], "max_spend": "1.00"}`."""
        return self._client._call(
            ops.session_create(customer=customer, scope=scope, ttl_seconds=ttl_seconds)
        )

    def revoke(self, session_id: str) -> models.RevokedSession:
        """Revoke at once: the session's token is refused from the next request on."""
        return self._client._call(ops.session_revoke(session_id))


class Customers(_Resource):
    def list(
        self, *, limit: int | None = None, cursor: str | None = None, email: str | None = None
    ) -> Page[models.Customer]:
        return self._client._page(ops.customer_list(limit=limit, cursor=cursor, email=email))

    def get(self, customer_id: str) -> models.Customer:
        """`customer_id` is `cus_…` or `ext:<your external id>`."""
        return self._client._call(ops.customer_get(customer_id))

    def create(
        self,
        *,
        external_id: str,
        email: str | None = None,
        name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> models.Customer:
        return self._client._call(
            ops.customer_create(external_id=external_id, email=email, name=name, metadata=metadata)
        )

    def update(
        self,
        customer_id: str,
        *,
        email: str | None = None,
        name: str | None = None,
        status: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> models.Customer:
        """Change what you pass. `status="blocked"` blocks (and revokes every session of the
        customer at once); `status="active"` unblocks."""
        return self._client._call(
            ops.customer_update(
                customer_id, email=email, name=name, status=status, metadata=metadata
            )
        )

    def block(self, customer_id: str) -> models.Customer:
        return self.update(customer_id, status="blocked")

    def unblock(self, customer_id: str) -> models.Customer:
        return self.update(customer_id, status="active")


class Wallets(_Resource):
    def get(self, wallet_id: str) -> models.Wallet:
        return self._client._call(ops.wallet_get(wallet_id))

    def credit(
        self,
        wallet_id: str,
        *,
        amount: ops.Amount,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> models.WalletCredit:
        """Grant `amount` USD from the organization's credits. Without an `idempotency_key` one is
        generated, so the SDK's own retries never grant twice; pass your own (e.g. your order id)
        to make your retries safe too."""
        return self._client._call(
            ops.wallet_credit(
                wallet_id, amount=amount, reason=reason, idempotency_key=idempotency_key
            )
        )

    def ledger(
        self, wallet_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[models.LedgerEntry]:
        return self._client._page(ops.wallet_ledger(wallet_id, limit=limit, cursor=cursor))


class BalanceResource(_Resource):
    def get(self) -> models.Balance:
        return self._client._call(ops.balance_get())


class ApiKeys(_Resource):
    def current(self) -> models.ApiKey:
        """The key this client calls with: its mode, project and permissions."""
        return self._client._call(ops.api_key_current())


class Payouts(_Resource):
    def create(
        self, *, amount: ops.Amount | None = None, idempotency_key: str | None = None
    ) -> models.Payout:
        """Pay out `amount` USD of margin (default: all available; whole cents, at least 1.00)
        to the organization's connected account. Live mode only. Idempotent: without an
        `idempotency_key` one is generated, so the SDK's retries never pay out twice."""
        return self._client._call(ops.payout_create(amount=amount, idempotency_key=idempotency_key))

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[models.Payout]:
        return self._client._page(ops.payout_list(limit=limit, cursor=cursor))

    def get(self, payout_id: str) -> models.Payout:
        return self._client._call(ops.payout_get(payout_id))


class Connect(_Resource):
    def onboarding(
        self, *, return_url: str | None = None, refresh_url: str | None = None
    ) -> models.ConnectOnboarding:
        """Start (or resume) Stripe Connect Express onboarding: send the developer to `.url`.
        Live mode only; the URLs default to the operator's CONNECT_RETURN_URL/REFRESH_URL."""
        return self._client._call(
            ops.connect_onboarding(return_url=return_url, refresh_url=refresh_url)
        )

    def status(self) -> models.ConnectStatus:
        return self._client._call(ops.connect_status())


class WebhookEndpoints(_Resource):
    def create(self, *, url: str, events: Iterable[str] | None = None) -> models.WebhookEndpoint:
        """Register `url`; the answer's `.secret` is shown only now."""
        return self._client._call(ops.webhook_endpoint_create(url=url, events=events))

    def list(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[models.WebhookEndpoint]:
        return self._client._page(ops.webhook_endpoint_list(limit=limit, cursor=cursor))

    def get(self, endpoint_id: str) -> models.WebhookEndpoint:
        return self._client._call(ops.webhook_endpoint_get(endpoint_id))

    def delete(self, endpoint_id: str) -> models.DeletedObject:
        return self._client._call(ops.webhook_endpoint_delete(endpoint_id))
