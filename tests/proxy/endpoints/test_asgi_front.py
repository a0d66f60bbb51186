"""The billed endpoints answered by the bare ASGI front (proxy/transports/asgi_front.py) are the
answers Django's handler gives through proxy/transports/views.py: same status, headers and body
shape, billed the same; and whatever the front does not serve reaches Django unchanged."""

from __future__ import annotations

import json
import os

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_started

from llmgateway.asgi import application, platform
from llmgateway.money import nanos_to_usd
from tests.helpers.gateway import expected_cost, sse_events
from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import Hold, Wallet

pytestmark = pytest.mark.django_db(transaction=True)
CHAT = "/v1/chat/completions"
MESSAGES = [{"role": "user", "content": "Hello there, front"}]
ORIGIN = "https://app.example"  # the test project's allowed origin (tests/helpers/factories.py)
# Differ between any two answers by design: the server's clock, per-request ids, and the
# balance (the second of two calls on one wallet sees the first one's charge).
VOLATILE_HEADERS = {"date", "server", "x-request-id", "x-llmgateway-balance"}


def _scope(path, *, method="POST", headers=(), query=b"", host=b"localhost"):
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
        "headers": [(b"host", host), *headers], "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }  # fmt: skip


def _headers(key=None, origin=None, body=b""):
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    if key:
        headers.append((b"authorization", f"Bearer {key}".encode()))
    if origin:
        headers.append((b"origin", origin.encode()))
    return headers


class Answer:
    def __init__(self, start: dict, body: bytes) -> None:
        self.status = start["status"]
        self.headers = {name.decode().lower(): value.decode() for name, value in start["headers"]}
        self.body = body

    def json(self):
        return json.loads(self.body)

    def stable_headers(self) -> dict[str, str]:
        stable = {k: v for k, v in self.headers.items() if k not in VOLATILE_HEADERS}
        return {**stable, "has balance": str("x-llmgateway-balance" in self.headers)}


def call(app, path, payload=None, *, key=None, origin=None, raw=None, **scope_options) -> Answer:
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = scope_options.pop("headers", None) or _headers(key, origin, body)

    async def go() -> Answer:
        communicator = ApplicationCommunicator(app, _scope(path, headers=headers, **scope_options))
        await communicator.send_input({"type": "http.request", "body": body})
        start = await communicator.receive_output(timeout=10)
        chunks = []
        while True:
            message = await communicator.receive_output(timeout=10)
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        await communicator.wait(timeout=10)
        return Answer(start, b"".join(chunks))

    return async_to_sync(go)()


def both(path, payload=None, **options) -> tuple[Answer, Answer]:
    """(through the front, through Django's handler)."""
    return call(application, path, payload, **options), call(platform, path, payload, **options)


@pytest.fixture
def django_requests():
    """How many requests reached Django's handler."""
    seen = []

    def record(**_kwargs):
        seen.append(1)

    request_started.connect(record)
    yield seen
    request_started.disconnect(record)


def test_a_chat_through_the_front_skips_django_and_is_billed_exactly(
    funded_session, django_requests
):
    session, token = funded_session()

    answer = call(application, CHAT, {"model": "test/echo", "messages": MESSAGES}, key=token)

    assert django_requests == []
    assert answer.status == 200, answer.body
    body = answer.json()
    assert body["choices"][0]["message"]["content"] == "Hello there, front"
    cost = expected_cost("test/echo", body["usage"])
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - cost, 0)
    assert answer.headers["x-llmgateway-cost"] == nanos_to_usd(cost)
    assert answer.headers["x-llmgateway-balance"] == nanos_to_usd(USD - cost)
    assert answer.headers["content-length"] == str(len(answer.body))
    assert Hold.objects.get().status == "settled"
    assert_ledger_ok()


def test_the_front_and_django_answer_alike(funded_session):
    _, token = funded_session()
    request = {"model": "test/echo", "messages": MESSAGES}
    cases = [
        dict(payload=request, key=token),  # 200
        dict(payload=request, key=token, origin=ORIGIN),  # 200 with CORS
        dict(payload=request, key="es_test_not_a_token", origin=ORIGIN),  # 401 with CORS
        dict(payload=request, key=token, origin="https://elsewhere.example"),  # 403, no CORS
        dict(payload={"model": "test/echo"}, key=token),  # 400 messages missing
        dict(raw=b"{not json", key=token),  # 400 not JSON
        dict(payload={"model": "openai/gpt-4o-mini", "messages": MESSAGES}, key=token),  # 403
    ]
    for case in cases:
        front, django = both(CHAT, **case)
        assert (front.status, front.stable_headers()) == (django.status, django.stable_headers())
        if front.status == 200:
            front_body, django_body = front.json(), django.json()
            assert front_body["choices"] == django_body["choices"]
            assert front_body["usage"] == django_body["usage"]
        else:
            assert front.body == django.body
    answers = [call(application, CHAT, **case) for case in cases]
    assert [answer.status for answer in answers] == [200, 200, 401, 403, 400, 400, 403]
    allowed = [answer.headers.get("access-control-allow-origin") for answer in answers]
    assert allowed == [None, ORIGIN, ORIGIN, None, None, None, None]
    assert all(answer.headers["x-frame-options"] == "DENY" for answer in answers)
    assert_ledger_ok()


def test_a_stream_through_the_front_matches_django_and_ends_with_usage(funded_session):
    session, token = funded_session()
    request = {"model": "test/lorem", "messages": MESSAGES, "max_tokens": 7, "stream": True}

    front, django = both(CHAT, request, key=token, origin=ORIGIN)

    assert front.stable_headers() == django.stable_headers()
    assert front.headers["content-type"] == "text/event-stream"
    assert "content-length" not in front.headers
    front_events, django_events = sse_events(front.body), sse_events(django.body)
    assert front_events[-1] == django_events[-1] == "[DONE]"
    assert front_events[-2]["usage"] == django_events[-2]["usage"]
    assert [e["choices"] for e in front_events[:-2]] == [e["choices"] for e in django_events[:-2]]
    cost = expected_cost("test/lorem", front_events[-2]["usage"])
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - 2 * cost, 0)
    assert_ledger_ok()


def test_embeddings_and_images_through_the_front(funded_session, django_requests):
    session, token = funded_session()

    embedding = call(
        application, "/v1/embeddings", {"model": "test/embed", "input": ["a b", "c"]}, key=token
    )
    image = call(
        application, "/v1/images/generations", {"model": "test/image", "prompt": "a cat"}, key=token
    )

    assert django_requests == []
    assert (embedding.status, image.status) == (200, 200), (embedding.body, image.body)
    charged = sum(
        int(Hold.objects.get(request_id=answer.headers["x-request-id"]).charged_nanos)
        for answer in (embedding, image)
    )
    assert charged > 0
    assert Wallet.objects.get(pk=session.wallet_id).balance_nanos == USD - charged
    assert_ledger_ok()


def test_a_body_over_the_limit_is_a_413_on_both_paths(settings, funded_session):
    settings.MODEL_REQUEST_MAX_BYTES = 1000
    _, token = funded_session()
    big = {"model": "test/echo", "messages": [{"role": "user", "content": "x" * 2000}]}

    front, django = both(CHAT, big, key=token)
    # Without a Content-Length (a chunked body), counted as it is read.
    body = json.dumps(big).encode()
    chunked = call(
        application, CHAT, raw=body, headers=[(b"authorization", f"Bearer {token}".encode())]
    )

    for answer in (front, django, chunked):
        assert answer.status == 413
        assert answer.json()["error"]["code"] == "request_too_large"
    assert front.stable_headers() == django.stable_headers()
    assert not Hold.objects.exists()


def test_what_the_front_does_not_serve_reaches_django(funded_session, django_requests):
    _, token = funded_session()
    request = {"model": "test/echo", "messages": MESSAGES}

    wrong_method = call(application, CHAT, request, key=token, method="GET")
    bad_host = call(application, CHAT, request, key=token, host=b"evil.example")
    nul_query = call(application, CHAT, request, key=token, query=b"a=%00")
    models = call(application, "/v1/models", None, key=token, method="GET", raw=b"")

    assert (wrong_method.status, wrong_method.headers["allow"]) == (405, "POST")
    assert bad_host.status == 400
    assert nul_query.status == 400 and nul_query.json()["error"]["code"] == "invalid_request"
    assert models.status == 200
    assert len(django_requests) == 4
    assert not Hold.objects.exists()


def test_a_client_leaving_mid_stream_is_charged_for_what_was_sent(monkeypatch, funded_session):
    monkeypatch.setenv("TEST_MODEL_STREAM_DELAY_SECONDS", "0.02")
    session, token = funded_session()
    body = json.dumps(
        {"model": "test/lorem", "messages": MESSAGES, "max_tokens": 200, "stream": True}
    ).encode()

    async def go() -> list[bytes]:
        communicator = ApplicationCommunicator(
            application, _scope(CHAT, headers=_headers(token, None, body))
        )
        await communicator.send_input({"type": "http.request", "body": body})
        start = await communicator.receive_output(timeout=10)
        assert start["status"] == 200
        chunks = [(await communicator.receive_output(timeout=10))["body"] for _ in range(6)]
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(timeout=10)
        return chunks

    chunks = async_to_sync(go)()

    assert all(chunk.startswith(b"data: ") for chunk in chunks)
    hold = Hold.objects.get(wallet_id=session.wallet_id)
    assert hold.status == "settled"
    assert 0 < hold.charged_nanos < hold.amount_nanos
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - hold.charged_nanos, 0)
    assert_ledger_ok()


def test_with_the_front_switched_off_the_application_is_djangos_alone():
    import subprocess
    import sys

    code = "import llmgateway.asgi as a; print(a.application is a.platform)"
    env = {
        **os.environ,
        "GATEWAY_ASGI_FRONT": "false",
        "DJANGO_SETTINGS_MODULE": "llmgateway.settings",
    }

    printed = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout

    assert printed.strip() == "True"


def test_a_chunked_body_is_refused_once_past_the_limit_without_reading_the_rest(
    settings, funded_session
):
    settings.MODEL_REQUEST_MAX_BYTES = 1000
    _, token = funded_session()
    headers = [(b"authorization", f"Bearer {token}".encode())]  # no Content-Length

    async def go():
        communicator = ApplicationCommunicator(application, _scope(CHAT, headers=headers))
        for _ in range(2):  # 1,200 bytes so far, and more to come
            await communicator.send_input(
                {"type": "http.request", "body": b" " * 600, "more_body": True}
            )
        start = await communicator.receive_output(timeout=10)
        body = await communicator.receive_output(timeout=10)
        await communicator.wait(timeout=10)
        return start["status"], json.loads(body["body"])

    status, body = async_to_sync(go)()

    assert status == 413 and body["error"]["code"] == "request_too_large"
    assert not Hold.objects.exists()
