"""Routing and failover: which deployment of a model serves a request (docs/models.md).

routes: the usable deployments of a model for a caller, and the order they are tried in;
failover: trying them in turn until one answers, before the first byte; health: failures,
cooldowns, probes and latency per deployment (shared through Redis when configured).
"""

from proxy.routing.failover import Attempts, fails_over
from proxy.routing.health import HealthBoard, board, board_reset
from proxy.routing.routes import Route, max_attempts, model_routes, order_routes

__all__ = [
    "Attempts",
    "HealthBoard",
    "Route",
    "board",
    "board_reset",
    "fails_over",
    "max_attempts",
    "model_routes",
    "order_routes",
]
