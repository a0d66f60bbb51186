"""`AsyncLLMGateway`: the asyncio client; same resources and results as `LLMGateway`, awaited."""

from __future__ import annotations

import asyncio
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
from llmgateway_server.pagination import AsyncPage, PageData
from llmgateway_server.webhooks import Webhooks

T = TypeVar("T")


class AsyncLLMGateway:
    """The asyncio server-side client.

    >>> async with AsyncLLMGateway(api_key="sk_test_…") as gateway:
    ...     session = await gateway.sessions.create(customer="user_123")
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT_SECONDS,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._config = ClientConfig(api_key, base_url, timeout, max_retries)
        self._owns_http_client = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self.sessions = AsyncSessions(self)
        self.customers = AsyncCustomers(self)
        self.wallets = AsyncWallets(self)
        self.balance = AsyncBalanceResource(self)
        self.api_keys = AsyncApiKeys(self)
        self.payouts = AsyncPayouts(self)
        self.connect = AsyncConnect(self)
        self.webhook_endpoints = AsyncWebhookEndpoints(self)
        self.webhooks = Webhooks()  # verifying a signature does no I/O: the same as sync

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def max_retries(self) -> int:
        return self._config.max_retries

    async def aclose(self) -> None:
        if self._owns_http_client:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncLLMGateway:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<AsyncLLMGateway base_url={self.base_url!r}>"

    async def request(
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
        return await self._call(call)

    async def _call(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            arguments = self._config.request_arguments(call)
            try:
                response = await self._http.request(**arguments, timeout=self._config.timeout)
            except httpx.TransportError as error:
                delay = self._config.connection_retry_delay(call, attempt, error)
                if delay is None:
                    raise connection_error(error) from error
            else:
                delay = self._config.retry_delay(call, attempt, response)
                if delay is None:
                    return result_from_response(call, response)
                await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1

    async def _page(self, call: Call[PageData[T]]) -> AsyncPage[T]:
        return AsyncPage(await self._call(call), call, self._page)


class _AsyncResource:
    def __init__(self, client: AsyncLLMGateway) -> None:
        self._client = client


class AsyncSessions(_AsyncResource):
    async def create(
        self,
        *,
        customer: str | Mapping[str, Any],
        scope: Mapping[str, Any] | None = None,
        ttl_seconds: int | None = None,
    ) -> models.Session:
        return await self._client._call(
            ops.session_create(customer=customer, scope=scope, ttl_seconds=ttl_seconds)
        )

    async def revoke(self, session_id: str) -> models.RevokedSession:
        return await self._client._call(ops.session_revoke(session_id))


class AsyncCustomers(_AsyncResource):
    async def list(
        self, *, limit: int | None = None, cursor: str | None = None, email: str | None = None
    ) -> AsyncPage[models.Customer]:
        return await self._client._page(ops.customer_list(limit=limit, cursor=cursor, email=email))

    async def get(self, customer_id: str) -> models.Customer:
        return await self._client._call(ops.customer_get(customer_id))

    async def create(
        self,
        *,
        external_id: str,
        email: str | None = None,
        name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> models.Customer:
        return await self._client._call(
            ops.customer_create(external_id=external_id, email=email, name=name, metadata=metadata)
        )

    async def update(
        self,
        customer_id: str,
        *,
        email: str | None = None,
        name: str | None = None,
        status: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> models.Customer:
        return await self._client._call(
            ops.customer_update(
                customer_id, email=email, name=name, status=status, metadata=metadata
            )
        )

    async def block(self, customer_id: str) -> models.Customer:
        return await self.update(customer_id, status="blocked")

    async def unblock(self, customer_id: str) -> models.Customer:
        return await self.update(customer_id, status="active")


class AsyncWallets(_AsyncResource):
    async def get(self, wallet_id: str) -> models.Wallet:
        return await self._client._call(ops.wallet_get(wallet_id))

    async def credit(
        self,
        wallet_id: str,
        *,
        amount: ops.Amount,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> models.WalletCredit:
        return await self._client._call(
            ops.wallet_credit(
                wallet_id, amount=amount, reason=reason, idempotency_key=idempotency_key
            )
        )

    async def ledger(
        self, wallet_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> AsyncPage[models.LedgerEntry]:
        return await self._client._page(ops.wallet_ledger(wallet_id, limit=limit, cursor=cursor))


class AsyncBalanceResource(_AsyncResource):
    async def get(self) -> models.Balance:
        return await self._client._call(ops.balance_get())


class AsyncApiKeys(_AsyncResource):
    async def current(self) -> models.ApiKey:
        """The key this client calls with: its mode, project and permissions."""
        return await self._client._call(ops.api_key_current())


class AsyncPayouts(_AsyncResource):
    async def create(
        self, *, amount: ops.Amount | None = None, idempotency_key: str | None = None
    ) -> models.Payout:
        """Pay out `amount` USD of margin (default: all available; whole cents, at least 1.00)
        to the organization's connected account. Live mode only. Idempotent: without an
        `idempotency_key` one is generated, so the SDK's retries never pay out twice."""
        return await self._client._call(
            ops.payout_create(amount=amount, idempotency_key=idempotency_key)
        )

    async def list(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> AsyncPage[models.Payout]:
        return await self._client._page(ops.payout_list(limit=limit, cursor=cursor))

    async def get(self, payout_id: str) -> models.Payout:
        return await self._client._call(ops.payout_get(payout_id))


class AsyncConnect(_AsyncResource):
    async def onboarding(
        self, *, return_url: str | None = None, refresh_url: str | None = None
    ) -> models.ConnectOnboarding:
        """Start (or resume) Stripe Connect Express onboarding: send the developer to `.url`.
        Live mode only; the URLs default to the operator's CONNECT_RETURN_URL/REFRESH_URL."""
        return await self._client._call(
            ops.connect_onboarding(return_url=return_url, refresh_url=refresh_url)
        )

    async def status(self) -> models.ConnectStatus:
        return await self._client._call(ops.connect_status())


class AsyncWebhookEndpoints(_AsyncResource):
    async def create(
        self, *, url: str, events: Iterable[str] | None = None
    ) -> models.WebhookEndpoint:
        return await self._client._call(ops.webhook_endpoint_create(url=url, events=events))

    async def list(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> AsyncPage[models.WebhookEndpoint]:
        return await self._client._page(ops.webhook_endpoint_list(limit=limit, cursor=cursor))

    async def get(self, endpoint_id: str) -> models.WebhookEndpoint:
        return await self._client._call(ops.webhook_endpoint_get(endpoint_id))

    async def delete(self, endpoint_id: str) -> models.DeletedObject:
        return await self._client._call(ops.webhook_endpoint_delete(endpoint_id))
