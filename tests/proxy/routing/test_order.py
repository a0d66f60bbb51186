"""The order a request's routes are tried in (proxy/routing/routes.py): priority, then the
project's preference, weights within a priority, cooling deployments skipped."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from billing.models import CatalogModel, Deployment
from proxy.providers.local import LocalTestProvider
from proxy.routing import HealthBoard, Route, order_routes

NOW = 1_000_000.0


def _route(pk: int, *, priority: int = 0, weight: int = 1, worst: int = 0) -> Route:
    model = CatalogModel(id="acme/model")
    deployment = Deployment(
        pk=pk, model=model, provider=f"p{pk}", upstream_model="m", priority=priority, weight=weight
    )
    return Route(deployment, LocalTestProvider(), worst_nanos=worst)


def _ids(routes: list[Route]) -> list[int]:
    return [route.deployment_id for route in routes]


def _board() -> HealthBoard:
    return HealthBoard(shared=False)


def test_lower_priorities_come_first_and_at_most_max_attempts_are_kept(monkeypatch):
    routes = [_route(1, priority=2), _route(2, priority=0), _route(3, priority=1)]
    ordered = order_routes(routes, preference="weighted", board=_board(), now=NOW)
    assert _ids(ordered) == [2, 3, 1]
    monkeypatch.setenv("ROUTING_MAX_ATTEMPTS", "2")
    assert _ids(order_routes(routes, preference="weighted", board=_board(), now=NOW)) == [2, 3]


def test_weights_spread_first_choices_in_proportion():
    rng = random.Random(7)
    routes = [_route(1, weight=6), _route(2, weight=3), _route(3, weight=1)]
    firsts = Counter(
        order_routes(routes, preference="weighted", board=_board(), rng=rng, now=NOW)[
            0
        ].deployment_id
        for _ in range(20_000)
    )
    # Expected 12000 / 6000 / 2000; binomial sd at most ~69.
    assert abs(firsts[1] - 12_000) < 350 and abs(firsts[2] - 6_000) < 350
    assert abs(firsts[3] - 2_000) < 300


def test_the_price_preference_puts_the_cheapest_for_this_request_first():
    routes = [_route(1, worst=900), _route(2, worst=300), _route(3, worst=600, priority=1)]
    for seed in range(20):
        ordered = order_routes(
            routes, preference="price", board=_board(), rng=random.Random(seed), now=NOW
        )
        assert _ids(ordered) == [2, 1, 3]  # a dear priority-0 still before any priority 1


def test_the_latency_preference_puts_the_fastest_first_and_measures_the_unknown():
    board = _board()
    board.succeeded(1, latency_ms=80.0)
    board.succeeded(2, latency_ms=20.0)
    routes = [_route(1), _route(2), _route(3)]
    assert _ids(order_routes(routes, preference="latency", board=board, now=NOW)) == [3, 2, 1]


def test_cooling_deployments_are_skipped_unless_all_are(monkeypatch):
    monkeypatch.setenv("ROUTING_COOLDOWN_FAILURES", "1")
    monkeypatch.setenv("ROUTING_COOLDOWN_SECONDS", "30")
    board = _board()
    routes = [_route(1), _route(2, priority=1), _route(3, priority=2)]
    board.failed(1, now=NOW)
    assert _ids(order_routes(routes, preference="weighted", board=board, now=NOW)) == [2, 3]
    board.failed(2, now=NOW + 5)
    board.failed(3, now=NOW + 1)
    # every one cooling: the one whose cooldown ends first is tried alone
    assert _ids(order_routes(routes, preference="weighted", board=board, now=NOW + 6)) == [1]


def test_a_single_route_is_returned_as_it_is_even_while_cooling(monkeypatch):
    monkeypatch.setenv("ROUTING_COOLDOWN_FAILURES", "1")
    board = _board()
    board.failed(1, now=NOW)
    routes = [_route(1)]
    assert order_routes(routes, preference="price", board=board, now=NOW) is routes


@pytest.mark.parametrize("preference", ["weighted", "price", "latency"])
def test_every_route_is_kept_once(preference):
    routes = [_route(pk, priority=pk % 2, weight=pk, worst=10 - pk) for pk in range(1, 4)]
    ordered = order_routes(routes, preference=preference, board=_board(), now=NOW)
    assert sorted(_ids(ordered)) == [1, 2, 3]
