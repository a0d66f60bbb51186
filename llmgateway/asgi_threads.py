"""One long-lived thread for Django's per-request sync work on the async API views.

Django's ASGI handler runs each request in a fresh `ThreadSensitiveContext`: the first
thread-sensitive call in it (the `request_started` and `request_finished` signal receivers run
so on every request, even for an async view) starts a new thread, and the context's exit starts
another to join it. For the billed endpoints (async views whose own database work never takes
that thread) that is two thread starts per request for a few microseconds of work, measured at
about a tenth of the server's CPU under load (docs/performance.md). Here those requests enter a
context with one shared single-thread executor instead, so the handler's own context is a no-op
and the signal receivers run on a thread that lives as long as the process.

Under a real server the billed POSTs are answered by the ASGI front
(proxy/transports/asgi_front.py) before they get here; this still serves `GET /v1/models`, the
billed endpoints when the front passes a request on, and all of them when the front is off
(`GATEWAY_ASGI_FRONT=false`). Measured there after the front came (docs/performance.md,
2026-12-04), it still saves 1.2-1.6 ms of server CPU (20-30%) per request. (Django's test client
does not come through here: it calls the handler directly.)

Only these paths: a sync view (the DRF endpoints) runs entirely on its context's thread, and
sharing one thread there would serialize every request. Which paths is the ASGI config's to say
(llmgateway/asgi.py passes proxy/urls.py's), so this module imports no app.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext


def async_view_paths(urlpatterns: Iterable, *, prefix: str = "/v1/") -> frozenset[str]:
    """The paths of URL patterns mounted under `prefix` (each a fixed route, no converters)."""
    return frozenset(f"{prefix}{pattern.pattern}" for pattern in urlpatterns)


class SharedThreadForAsyncViews:
    def __init__(self, app, *, paths: frozenset[str]) -> None:
        self.app = app
        self.paths = paths
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="async-views-sync")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] in self.paths:
            async with ThreadSensitiveContext(executor=self.executor):
                return await self.app(scope, receive, send)
        return await self.app(scope, receive, send)
