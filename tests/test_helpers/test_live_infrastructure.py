"""The live-process fixtures work: fake OpenAI upstream, daphne, and a real Celery worker."""

from __future__ import annotations

import base64
import json
import re
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import httpx
import openai
import pytest
from django.conf import settings
from django.contrib import admin
from websockets.sync.client import connect

from llmgateway.models import Organization
from tests.fakes import openai_payloads
from tests.fakes.openai_server import HANG_MID_STREAM
from tests.helpers import factories
from tests.helpers.money import USD, assert_ledger_ok
from wallets.holds import orm as holds_orm
from wallets.models import Hold, Wallet
from wallets.tasks import release_expired_holds


def openai_client(fake, **options) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.base_url, api_key="sk-upstream-test", **options)


def wait_until(condition: Callable[[], bool], *, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.1)


# --- fake_openai ----------------------------------------------------------------------------


def test_fake_openai_answers_a_chat_completion_with_exact_usage(fake_openai):
    completion = openai_client(fake_openai).chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hello there world"},
        ],
    )

    assert completion.object == "chat.completion"
    assert completion.model == "gpt-4o-mini"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "Echo: hello there world"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.prompt_tokens == 5
    assert completion.usage.completion_tokens == 4
    assert completion.usage.total_tokens == 9
    request = fake_openai.requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-upstream-test"
    assert request.json["messages"][1]["content"] == "hello there world"
    assert request.outcome == "ok"


def test_fake_openai_streams_word_chunks_then_a_usage_chunk(fake_openai):
    stream = openai_client(fake_openai).chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "one two three"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)

    assert [chunk.object for chunk in chunks] == ["chat.completion.chunk"] * len(chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    contents = [chunk.choices[0].delta.content for chunk in chunks[1:-2]]
    assert contents == ["Echo: ", "one ", "two ", "three"]
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage.prompt_tokens == 3
    assert chunks[-1].usage.completion_tokens == 4
    assert chunks[-1].usage.total_tokens == 7
    assert all(chunk.usage is None for chunk in chunks[:-1])


def test_fake_openai_stream_wire_format_ends_with_done(fake_openai):
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "max_tokens": 1,
    }
    headers = {"Authorization": "Bearer sk-upstream-test"}
    with httpx.stream(
        "POST", f"{fake_openai.base_url}/chat/completions", json=body, headers=headers
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = response.read().decode()

    events = [line.removeprefix("data: ") for line in raw.split("\n\n") if line]
    assert raw.endswith("data: [DONE]\n\n")
    chunks = [json.loads(event) for event in events[:-1]]
    assert [chunk["choices"][0]["delta"] for chunk in chunks] == [
        {"role": "assistant", "content": ""},
        {"content": "Echo:"},
        {},
    ]
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"
    assert all("usage" not in chunk for chunk in chunks)  # include_usage was not asked for


def test_fake_openai_embeds_deterministically(fake_openai):
    client = openai_client(fake_openai)

    result = client.embeddings.create(
        model="text-embedding-3-small", input=["a b c", "hello"], dimensions=4
    )
    as_base64 = client.embeddings.create(
        model="text-embedding-3-small", input="hello", encoding_format="base64"
    )

    assert [item.index for item in result.data] == [0, 1]
    assert result.data[1].embedding == openai_payloads.embedding_vector("hello", 4)
    assert len(result.data[0].embedding) == 4
    assert result.usage.prompt_tokens == 4
    assert result.usage.total_tokens == 4
    packed = base64.b64decode(as_base64.data[0].embedding)
    assert list(struct.unpack("<8f", packed)) == openai_payloads.embedding_vector("hello", 8)


def test_fake_openai_generates_images_as_base64_or_url(fake_openai):
    client = openai_client(fake_openai)

    inline = client.images.generate(model="gpt-image-1", prompt="a red fox", quality="low")
    linked = client.images.generate(model="dall-e-3", prompt="a red fox", n=2)

    assert base64.b64decode(inline.data[0].b64_json) == openai_payloads.PNG_1X1
    assert inline.created > 0
    assert inline.usage.input_tokens == 3
    assert inline.usage.output_tokens == 272
    assert len(linked.data) == 2
    assert httpx.get(linked.data[0].url).content == openai_payloads.PNG_1X1


def test_fake_openai_lists_models(fake_openai):
    models = openai_client(fake_openai).models.list()

    assert "gpt-4o-mini" in [model.id for model in models.data]


def test_fake_openai_refuses_a_request_without_bearer_token(fake_openai):
    response = httpx.post(
        f"{fake_openai.base_url}/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
    )

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert set(error) == {"message", "type", "param", "code"}


def test_fake_openai_forced_failure_applies_to_the_next_requests_only(fake_openai):
    client = openai_client(fake_openai, max_retries=0)
    fake_openai.fail(429, times=1)

    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )

    assert raised.value.code == "rate_limit_exceeded"
    assert completion.choices[0].message.content == "Echo: hi"
    assert [request.outcome for request in fake_openai.requests] == ["error", "ok"]


def test_fake_openai_server_error_status(fake_openai):
    fake_openai.fail(500)

    with pytest.raises(openai.InternalServerError):
        openai_client(fake_openai, max_retries=0).models.list()


def test_fake_openai_hangs_mid_stream_until_released(fake_openai):
    fake_openai.hang = HANG_MID_STREAM
    fake_openai.stream_delay_seconds = 0.01
    stream = openai_client(fake_openai).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "a b"}], stream=True
    )
    received: list[str] = []
    reader = threading.Thread(
        target=lambda: received.extend(c.choices[0].delta.content or "" for c in stream)
    )
    reader.start()

    assert fake_openai.hang_started.wait(timeout=5)
    time.sleep(0.2)
    assert reader.is_alive()
    fake_openai.release_hangs()
    reader.join(timeout=5)

    assert "".join(received) == "Echo: a b"


def test_fake_openai_hang_before_response_times_the_client_out(fake_openai):
    fake_openai.hang = "before_response"
    client = openai_client(fake_openai, max_retries=0, timeout=0.5)

    with pytest.raises(openai.APITimeoutError):
        client.models.list()

    assert fake_openai.hang_started.is_set()


def test_fake_openai_runs_as_a_standalone_process():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server", "--port", "0"],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        base_url = re.search(r"(http://\S+/v1)", line).group(1)
        response = httpx.get(f"{base_url}/models", headers={"Authorization": "Bearer k"})
        assert response.status_code == 200
        assert response.json()["object"] == "list"
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- live_server_url (daphne) ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_live_server_serves_http_and_websocket(live_server_url):
    assert httpx.get(f"{live_server_url}/admin/login/").status_code == 200

    ws_url = "ws" + live_server_url.removeprefix("http") + "/v1/ws/ping"
    with connect(ws_url, open_timeout=5) as websocket:
        websocket.send(json.dumps({"echo": "hi"}))
        reply = json.loads(websocket.recv(timeout=5))

    assert reply == {"type": "pong", "echo": "hi"}


@pytest.mark.django_db(transaction=True)
def test_live_server_sees_rows_committed_by_the_test(live_server_url, django_user_model):
    django_user_model.objects.create_superuser("operator", "op@example.com", "pw-Secret-123")
    organization = factories.make_organization(name="Visible Across Processes")

    with httpx.Client(base_url=live_server_url, timeout=10) as browser:
        login_page = browser.get("/admin/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
        logged_in = browser.post(
            "/admin/login/?next=/admin/",
            data={
                "username": "operator",
                "password": "pw-Secret-123",
                "csrfmiddlewaretoken": csrf,
                "next": "/admin/",
            },
        )
        users = browser.get("/admin/auth/user/")
        organizations = browser.get("/admin/llmgateway/organization/")

    assert logged_in.status_code == 302  # a wrong password would re-render the form (200)
    assert logged_in.headers["location"] == "/admin/"
    assert users.status_code == 200
    assert "op@example.com" in users.text
    if admin.site.is_registered(Organization):
        assert organizations.status_code == 200
        assert organization.name in organizations.text


@pytest.mark.django_db(transaction=True)
def test_live_server_child_is_pointed_at_the_fake_upstream(asgi_server, fake_openai):
    environment = asgi_server.process.env

    assert environment["OPENAI_BASE_URL"] == fake_openai.base_url
    assert environment["DATABASE_URL"].endswith(
        settings.DATABASES["default"]["NAME"].rsplit("/", 1)[-1]
    )


# --- celery_worker_process ------------------------------------------------------------------


def reserve_expired_hold(wallet: Wallet) -> Hold:
    return holds_orm.wallet_hold_reserve(wallet_id=wallet.pk, amount_nanos=USD, ttl_seconds=-1)


def hold_expired_by_worker(hold: Hold, wallet: Wallet) -> Callable[[], bool]:
    def check() -> bool:
        hold.refresh_from_db()
        wallet.refresh_from_db()
        return hold.status == Hold.Status.EXPIRED and wallet.held_nanos == 0

    return check


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_celery_worker_process_runs_tasks_and_comes_back_after_sigkill(
    celery_worker_process, project
):
    wallet = factories.make_wallet(project, balance_nanos=5 * USD)
    first_hold = reserve_expired_hold(wallet)
    assert Wallet.objects.get(pk=wallet.pk).held_nanos == USD

    release_expired_holds.delay()
    wait_until(hold_expired_by_worker(first_hold, wallet))

    worker_pid = celery_worker_process.pid
    celery_worker_process.kill()
    celery_worker_process.restart()
    second_hold = reserve_expired_hold(wallet)
    release_expired_holds.delay()
    wait_until(hold_expired_by_worker(second_hold, wallet))

    assert celery_worker_process.pid != worker_pid
    log = celery_worker_process.log_text()
    assert log.count("Task wallets.tasks.release_expired_holds") >= 4  # received + succeeded, x2
    assert wallet.balance_nanos == 5 * USD
    assert_ledger_ok()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_live_server_sends_its_tasks_to_the_worker_when_both_run(
    asgi_server, celery_worker_process, celery_test_queue
):
    environment = asgi_server.process.env

    assert celery_worker_process.process.running
    assert environment["CELERY_TASK_ALWAYS_EAGER"] == "false"
    assert environment["CELERY_TASK_DEFAULT_QUEUE"] == celery_test_queue
