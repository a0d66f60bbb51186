"""One model request as it goes through its steps: the checked model, the hold, the upstream
call, the settlement and the log row.

DESIGN.md §7: authenticate → scope, mode, origin → price → reserve the worst case (402 before
any upstream call) → call the upstream → the real cost from its usage (counted when it gives
none) → settle in one transaction → log off the response path. The money steps are
wallets.holds'; this module decides who pays and what.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from asgiref.sync import sync_to_async
from django.utils import timezone

from billing.models import CatalogModel, Deployment
from billing.pricing import cost_nanos
from llmgateway import ids
from proxy import routing
from proxy.logs import LogEntry, request_log
from proxy.providers.base import Provider, UnsupportedOperation, UpstreamError, Usage
from proxy.providers.errors import upstream_api_error
from proxy.routing import Attempts, Route
from sessions_app.authentication import SESSION, Principal
from wallets import holds
from wallets.notify import wallet_balance_changed_soon

T = TypeVar("T")


def hold_payer(principal: Principal) -> holds.Payer:
    """Who a request's hold is on: the session's wallet (browser traffic) or the organization's
    credits (secret keys)."""
    if principal.kind == SESSION:
        session = principal.session
        assert session is not None
        return holds.WalletPayer(
            wallet_id=session.wallet_id,
            session_id=session.pk,
            token_hash=session.token_hash,
            livemode=principal.livemode,
        )
    assert principal.secret_key is not None
    return holds.OrganizationPayer(
        organization_id=principal.project.organization_id,
        api_key_id=principal.secret_key.pk,
        livemode=principal.livemode,
    )


def routed(principal: Principal, routes: list[Route]) -> list[Route]:
    """The priced routes of a request in the order they are tried (proxy/routing/)."""
    return routing.order_routes(
        routes, preference=principal.project.routing_preference, board=routing.board()
    )


@dataclass
class Call:
    """What one request is, as it goes through the steps; also what its log row is made of.

    `routes` are the deployments that may serve it, priced and in the order they are tried;
    the hold covers the dearest, and the one that answers is billed (`route`).
    """

    principal: Principal
    endpoint: str
    model: CatalogModel
    routes: list[Route]
    stream: bool = False
    request_id: str = field(default_factory=lambda: ids.prefixed_id("req"))
    started: float = field(default_factory=time.perf_counter)
    hold: holds.ReservedHold | None = None
    usage: Usage = field(default_factory=Usage)
    images: int = 0
    charged_nanos: int = 0
    balance_nanos: int | None = None
    include_usage: bool = False  # the client asked for the usage chunk (stream_options)
    finished: bool = False  # the hold was settled or released
    attempts: Attempts = field(init=False)

    def __post_init__(self) -> None:
        self.attempts = Attempts(self.routes, board=routing.board(), started=self.started)

    @property
    def route(self) -> Route:
        """The route being tried, then the one that served (or failed last)."""
        return self.attempts.route

    @property
    def provider(self) -> Provider:
        return self.route.provider

    @property
    def deployment(self) -> Deployment:
        return self.route.deployment

    @property
    def prompt_tokens(self) -> int:
        """The input bound the serving route was priced on (proxy/prompt_bound.py)."""
        return self.route.prompt_tokens

    @property
    def hold_nanos(self) -> int:
        """What the hold covers: the most this request can cost on any of its routes."""
        return max(1, *(route.worst_nanos for route in self.routes))

    async def reserve(self) -> None:
        # While this call lives and until it settles or releases, its hold does not expire.
        self.hold = await holds.reserve(
            hold_payer(self.principal),
            amount_nanos=self.hold_nanos,
            request_id=self.request_id,
            owner=self,
        )

    async def settle(self, usage: Usage, *, images: int = 0) -> None:
        self.usage, self.images = usage, images
        cost = cost_nanos(
            self.deployment,  # the prices of the deployment that served
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cached_input_tokens=usage.cached_input_tokens,
            images=images,
        )
        assert self.hold is not None
        # Shielded: a client that leaves while we settle must not leave the hold unsettled.
        self.finished = True
        result = await asyncio.shield(holds.settle(self.hold, cost_nanos=cost))
        self.charged_nanos = result.charged_nanos
        if self.principal.kind == SESSION:
            self.balance_nanos = result.balance_nanos
            if result.charged_nanos:
                # Every socket on this wallet (other tabs too) hears of it; not awaited.
                assert self.principal.session is not None
                wallet_balance_changed_soon(
                    wallet_id=self.principal.session.wallet_id,
                    read_balance=holds.balance_reader(),
                )

    async def release(self) -> None:
        if self.hold is not None and not self.finished:
            self.finished = True
            await asyncio.shield(holds.release(self.hold))

    async def upstream(self, attempt: Callable[[Route], Awaitable[T]]) -> T:
        """`attempt(route)` on the routes in turn until one answers (proxy/routing/failover.py);
        when none does, give the hold back, log, and raise the API error (an upstream failure
        before output costs nothing, failed attempts included)."""
        try:
            return await self.attempts.first_success(attempt)
        except (UpstreamError, UnsupportedOperation) as error:
            await self.release()
            api_error = upstream_api_error(error)
            await self.log(
                status_code=api_error.status, outcome="failed", error_code=api_error.code
            )
            raise api_error from None
        except BaseException:
            await self.release()
            raise

    async def log(self, *, status_code: int, outcome: str, error_code: str = "") -> None:
        principal = self.principal
        session = principal.session
        if "api_key" in principal.__dict__:  # cached_property already resolved (cached principal)
            api_key = principal.api_key
        else:
            api_key = await sync_to_async(lambda: principal.api_key, thread_sensitive=False)()
        await request_log(
            LogEntry(
                request_id=self.request_id,
                created_at=timezone.now(),
                project_id=principal.project.pk,
                organization_id=principal.project.organization_id,
                api_key_id=api_key.pk,
                livemode=principal.livemode,
                session_id=session.pk if session else "",
                customer_id=session.customer_id if session else "",
                wallet_id=session.wallet_id if session else "",
                endpoint=self.endpoint,
                model=self.model.id,
                stream=self.stream,
                input_tokens=self.usage.input_tokens,
                output_tokens=self.usage.output_tokens,
                cached_input_tokens=self.usage.cached_input_tokens,
                images=self.images,
                cost_nanos=self.charged_nanos,
                latency_ms=int((time.perf_counter() - self.started) * 1000),
                status_code=status_code,
                error_code=error_code,
                outcome=outcome,
                provider=self.deployment.provider,
                attempts=self.attempts.count or 1,
            )
        )
