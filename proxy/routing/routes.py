"""Which deployments may serve a request, and in which order they are tried.

`model_routes` answers the usable deployments of a model for this caller (mode, session scope,
the project's allowed providers, a configured provider), each with its adapter. The call then
prices each one for the request (`Route.prompt_tokens`, `Route.worst_nanos`) and `order_routes`
puts them in the order they are tried:

1. by `priority`, lowest first;
2. within a priority, by the project's `routing_preference`: "weighted" spreads requests in
   proportion to the deployments' `weight`; "price" tries the cheapest for this request first
   (its worst-case cost), "latency" the fastest lately (this process's moving average; one
   never measured goes first, to be measured), ties spread by weight;
3. deployments cooling down (proxy/routing/health.py) are skipped, unless every one is: then
   the one whose cooldown ends first is tried, so a model is never refused for its health alone.

At most `ROUTING_MAX_ATTEMPTS` routes (default 3) are kept: the hold covers the dearest of those.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from billing.models import CatalogModel, Deployment
from billing.selectors import catalog_entry_aget, deployment_usable, provider_config_aget
from llmgateway.environment import env_number
from llmgateway.errors import InvalidRequest
from llmgateway.models import RoutingPreference
from proxy.errors import ModelNotFound
from proxy.providers.base import Provider
from proxy.providers.registry import provider_from_config
from proxy.routing.health import HealthBoard
from sessions_app.authentication import Principal
from sessions_app.errors import ModelNotAllowed


def max_attempts() -> int:
    return int(env_number("ROUTING_MAX_ATTEMPTS", 3, positive=True))


@dataclass
class Route:
    """One deployment as a candidate for one request, priced for it."""

    deployment: Deployment
    provider: Provider
    prompt_tokens: int = 0  # the input bound this request's hold counts for this deployment
    worst_nanos: int = 0  # the most this request can cost if this deployment serves it

    @property
    def deployment_id(self) -> int:
        return self.deployment.pk

    @property
    def upstream_model(self) -> str:
        return self.deployment.upstream_model


async def model_routes(
    principal: Principal, model_id: str, kind: str
) -> tuple[CatalogModel, list[Route]]:
    """The catalog model, if this caller may use it here, and the deployments that may serve
    it, by (priority, id). Refuses with the error a client can act on."""
    entry = await catalog_entry_aget(model_id)
    if entry is None:
        raise ModelNotFound(f"The model {model_id!r} does not exist.", param="model")
    model = entry.model
    if model.kind != kind:
        raise InvalidRequest(
            f"{model_id!r} is a {model.kind} model; this endpoint needs a {kind} model.",
            param="model",
        )
    livemode = principal.livemode
    if not livemode and not any(deployment.is_local_test for deployment in entry.deployments):
        raise ModelNotAllowed(
            "Test-mode keys and sessions may call only the local test models (test/…): money "
            "paid in test mode never buys real upstream usage.",
            param="model",
        )
    session = principal.session
    if session is not None and session.allowed_models and model_id not in session.allowed_models:
        raise ModelNotAllowed(f"This session may not use {model_id!r}.", param="model")
    providers: list[str] = principal.project.allowed_providers or []
    routes = []
    excluded_by_project = False
    for deployment in entry.deployments:
        if not livemode and not deployment.is_local_test:
            continue
        config = await provider_config_aget(deployment.provider)
        if not deployment_usable(deployment, config, livemode=livemode, providers=providers):
            excluded_by_project = excluded_by_project or config is not None
            continue
        assert config is not None
        timeout = float(deployment.timeout_seconds) if deployment.timeout_seconds else None
        routes.append(Route(deployment, provider_from_config(config, read_timeout=timeout)))
    if routes:
        return model, routes
    if excluded_by_project:
        raise ModelNotAllowed(
            f"This project's allowed providers ({', '.join(providers)}) exclude every provider "
            f"of {model_id!r}.",
            param="model",
        )
    raise ModelNotAllowed(
        f"The provider of {model_id!r} is not configured on this gateway.", param="model"
    )


def _weighted_shuffle(routes: list[Route], rng: random.Random) -> list[Route]:
    """A random order in which each route comes first in proportion to its weight
    (Efraimidis-Spirakis: sort by u ** (1 / weight), u uniform in (0, 1))."""
    if len(routes) < 2:
        return list(routes)
    keyed = [(rng.random() ** (1.0 / max(route.deployment.weight, 1)), route) for route in routes]
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    return [route for _, route in keyed]


def order_routes(
    routes: list[Route],
    *,
    preference: str,
    board: HealthBoard,
    rng: random.Random | None = None,
    now: float | None = None,
) -> list[Route]:
    """The routes in the order they are tried, at most `max_attempts()` of them."""
    if len(routes) == 1:  # one deployment: nothing to choose, nothing to skip
        return routes
    now = time.time() if now is None else now
    rng = rng or _rng
    board.sync_soon(now)
    ready = [route for route in routes if not board.cooling(route.deployment_id, now)]
    if not ready:
        soonest = min(routes, key=lambda route: board.cooldown_until(route.deployment_id))
        return [soonest]
    by_priority: dict[int, list[Route]] = {}
    for route in ready:
        by_priority.setdefault(route.deployment.priority, []).append(route)
    ordered: list[Route] = []
    for priority in sorted(by_priority):
        group = _weighted_shuffle(by_priority[priority], rng)
        if preference == RoutingPreference.PRICE:
            group.sort(key=lambda route: route.worst_nanos)  # stable: ties keep the spread
        elif preference == RoutingPreference.LATENCY:
            group.sort(key=lambda route: board.latency_ms(route.deployment_id) or 0.0)
        ordered.extend(group)
    return ordered[: max_attempts()]


_rng = random.Random()  # noqa: S311 - spreading load, not secrecy
