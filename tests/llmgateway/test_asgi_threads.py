"""The billed async endpoints run Django's per-request sync work (the request_started and
request_finished receivers) on one long-lived thread, not on two new threads per request; the
sync API views keep a thread of their own per request (llmgateway/asgi_threads.py)."""

from __future__ import annotations

import threading

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_started

from llmgateway.asgi import application

pytestmark = pytest.mark.django_db


def _get(path: str) -> int:
    async def call() -> int:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }  # fmt: skip
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(timeout=10)
        while (await communicator.receive_output(timeout=10)).get("more_body"):
            pass
        return start["status"]

    return async_to_sync(call)()


def _threads_running_request_started(path: str, times: int) -> set[str]:
    # Names, not idents: an ident is reused once its thread has ended; executor names are not.
    seen: set[str] = set()

    def record(**_kwargs) -> None:
        seen.add(threading.current_thread().name)

    request_started.connect(record)
    try:
        statuses = {_get(path) for _ in range(times)}
    finally:
        request_started.disconnect(record)
    assert statuses == {401}  # no key: answered in the error shape all the same
    return seen


def test_billed_endpoints_share_one_thread_for_the_handlers_sync_work():
    names = _threads_running_request_started("/v1/models", 5)
    assert len(names) == 1
    assert next(iter(names)).startswith("async-views-sync")


def test_sync_api_views_still_get_a_thread_each():
    names = _threads_running_request_started("/v1/customers", 5)
    assert len(names) == 5
    assert not any(name.startswith("async-views-sync") for name in names)
